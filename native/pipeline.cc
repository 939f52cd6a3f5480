#include "pipeline.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

#include "decoders.h"
#include "errors.h"
#include "image.h"
#include "input_file.h"
#include "plot.h"

namespace yolo {
namespace {

using Clock = std::chrono::steady_clock;
double Ms(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

}  // namespace

InputPlan PlanInput(const ModelInfo& info, int imgsz, bool rect) {
  InputPlan plan;
  if (!info.dynamic_hw) {
    plan.target_h = static_cast<int>(info.input_h);
    plan.target_w = static_cast<int>(info.input_w);
    plan.auto_pad = false;
    return plan;
  }
  const int stride = std::max(1, info.stride);
  const int size = std::max(stride, static_cast<int>(std::ceil(static_cast<double>(imgsz) / stride)) * stride);
  plan.target_h = plan.target_w = size;
  plan.auto_pad = rect;
  return plan;
}

namespace {

// The validator's letterbox for one image (PredictOptions::val): a dynamic model gets Ultralytics' rect val
// shape for a batch of one, ceil(shape * imgsz / stride + 0.5) * stride with shape [h/w, 1] or [1, w/h] in float64
// as data/base.py set_rectangle (pad 0.5, build_yolo_dataset); rect = false gives imgsz x imgsz; a static model its
// own input size.
LetterboxGeometry PlanValInput(const ModelInfo& info, const PredictOptions& options, int orig_h, int orig_w) {
  const InputPlan plan = PlanInput(info, options.imgsz, options.rect);
  const int imgsz = std::max(plan.target_h, plan.target_w);
  int target_h = plan.target_h, target_w = plan.target_w;
  if (info.dynamic_hw && options.rect) {
    const double stride = std::max(1, info.stride);
    const double ar = static_cast<double>(orig_h) / orig_w;
    const double sh = ar < 1 ? ar : 1, sw = ar > 1 ? 1 / ar : 1;
    target_h = static_cast<int>(std::ceil(sh * imgsz / stride + 0.5) * stride);
    target_w = static_cast<int>(std::ceil(sw * imgsz / stride + 0.5) * stride);
  }
  return PlanValLetterbox(orig_h, orig_w, imgsz, target_h, target_w);
}

// One image on its way through the network: its pixels (possibly smaller than the original: fastDecode), where
// its result goes, and the geometry that maps its input tensor back to the original image.
struct Staged {
  const cv::Mat* bgr = nullptr;  // in `format` (BGR unless a raw frame's own layout)
  PixelFormat format = PixelFormat::kBgr;
  ImageResult* result = nullptr;
  LetterboxGeometry geometry;
};

Staged Stage(const ModelInfo& info, const PredictOptions& options, const cv::Mat& bgr, int orig_h, int orig_w, double decode_ms,
             ImageResult* result, PixelFormat format = PixelFormat::kBgr) {
  Staged s;
  s.bgr = &bgr;
  s.format = format;
  s.result = result;
  result->orig_h = orig_h;
  result->orig_w = orig_w;
  result->t_pre = decode_ms;
  result->t_decode = decode_ms;
  const InputPlan plan = PlanInput(info, options.imgsz, options.rect);
  if (info.task == Task::kClassify) {
    s.geometry.orig_h = orig_h;
    s.geometry.orig_w = orig_w;
    s.geometry.in_h = s.geometry.new_h = plan.target_h;
    s.geometry.in_w = s.geometry.new_w = plan.target_w;
  } else if (options.val) {
    s.geometry = PlanValInput(info, options, orig_h, orig_w);
  } else {
    s.geometry = PlanLetterbox(orig_h, orig_w, plan.target_h, plan.target_w, plan.auto_pad, info.stride);
  }
  result->input_h = s.geometry.in_h;
  result->input_w = s.geometry.in_w;
  return s;
}

// Runs images of one input size as one [n, 3, h, w] batch (n = 1: the plain path): preprocess each into its slice,
// one Run, then each image's decoder on its batch index. Speeds are per image: its own decode, preprocess and
// post-process, and an equal share of the batch's inference, as Ultralytics reports batched speed.
void RunStaged(ModelSession& session, const Staged* group, size_t n, const PredictOptions& options) {
  const ModelInfo& info = session.info();
  const int in_h = group[0].geometry.in_h, in_w = group[0].geometry.in_w;
  const size_t plane = 3 * static_cast<size_t>(in_h) * in_w;
  std::vector<float> tensor = session.buffers().Acquire(plane * n);
  std::vector<Ort::Value> outputs;
  Clock::time_point t1, t2;
  try {
    for (size_t i = 0; i < n; ++i) {
      const auto t0 = Clock::now();
      float* slice = tensor.data() + i * plane;
      if (info.task == Task::kClassify)
        ClassifyToTensor(*group[i].bgr, in_h, in_w, slice, options.simd);  // BGR (Stage)
      else
        LetterboxToTensor(*group[i].bgr, group[i].geometry, slice, options.simd, group[i].format);
      group[i].result->t_pre += Ms(t0, Clock::now());
    }
    t1 = Clock::now();
    outputs = session.Run(tensor.data(), {static_cast<int64_t>(n), 3, in_h, in_w});
    t2 = Clock::now();
  } catch (...) {
    session.buffers().Release(std::move(tensor));
    throw;
  }
  session.buffers().Release(std::move(tensor));
  for (size_t i = 0; i < n; ++i) {
    const auto t3 = Clock::now();
    ImageResult& result = *group[i].result;
    DecodeContext ctx{info, options, group[i].geometry, outputs, static_cast<int>(i)};
    switch (info.task) {
      case Task::kDetect: DecodeDetect(ctx, result); break;
      case Task::kSegment: DecodeSegment(ctx, result); break;
      case Task::kPose: DecodePose(ctx, result); break;
      case Task::kObb: DecodeObb(ctx, result); break;
      case Task::kClassify: DecodeClassify(ctx, result); break;
    }
    result.t_inf = Ms(t1, t2) / static_cast<double>(n);
    result.t_post = Ms(t3, Clock::now());
  }
}

// The size an image is resized to before inference, for the fastDecode JPEG reduction (image.h).
ResizeTarget ResizeTargetFor(const ModelInfo& info, const PredictOptions& options) {
  const InputPlan plan = PlanInput(info, options.imgsz, options.rect);
  if (info.task == Task::kClassify) {
    return [plan](int h, int w) {
      const ClassifyGeometry g = PlanClassify(h, w, plan.target_h, plan.target_w);
      return cv::Size(static_cast<int>(g.resized_w), static_cast<int>(g.resized_h));
    };
  }
  if (options.val) {
    return [&info, options](int h, int w) {
      const LetterboxGeometry g = PlanValInput(info, options, h, w);
      return cv::Size(g.new_w, g.new_h);
    };
  }
  const int stride = info.stride;
  return [plan, stride](int h, int w) {
    const LetterboxGeometry g = PlanLetterbox(h, w, plan.target_h, plan.target_w, plan.auto_pad, stride);
    return cv::Size(g.new_w, g.new_h);
  };
}

}  // namespace

void ThrowIfAborted(const AbortFlag& abort) {
  if (abort && abort->load(std::memory_order_relaxed)) throw Error(code::kAborted, "the call was aborted before it finished");
}

namespace {

// The options the decoders run with: a classify picture shows the top 5 whatever the response reports.
PredictOptions RunOptions(const ModelInfo& info, const PredictOptions& options) {
  PredictOptions run = options;
  if (options.plot.enabled && info.task == Task::kClassify) run.top_k = std::max(run.top_k, 5);
  return run;
}

// The picture of one result, drawn on `bgr` (which it changes) and encoded.
void AttachPlot(cv::Mat& bgr, const ModelInfo& info, const PredictOptions& options, ImageResult* result) {
  DrawResult(bgr, *result, info, options.plot);
  result->plot = EncodePicture(bgr, options.plot);
}

}  // namespace

std::vector<ImageResult> PredictImages(ModelSession& session, const std::vector<StillImage>& images, const PredictOptions& options_in,
                                       const AbortFlag& abort) {
  const ModelInfo& info = session.info();
  const PredictOptions options = RunOptions(info, options_in);
  // Batching needs a dynamic batch axis; a static [1, 3, h, w] model runs one image at a time.
  const size_t window = info.dynamic_batch ? static_cast<size_t>(std::max(1, options.batch)) : 1;
  // A picture is drawn at full resolution: fastDecode's reduced decode is for inference only.
  const ResizeTarget target = options.fast_decode && !options.plot.enabled ? ResizeTargetFor(info, options) : ResizeTarget();
  std::vector<ImageResult> results(images.size());
  std::vector<DecodedImage> decoded;
  std::vector<PixelFormat> formats;
  std::vector<Staged> staged, group;
  for (size_t begin = 0; begin < images.size(); begin += window) {
    // Decode a window of images (bounded memory), then run those of equal input size together, in input order.
    ThrowIfAborted(abort);
    const size_t end = std::min(images.size(), begin + window);
    decoded.assign(end - begin, DecodedImage());
    formats.assign(end - begin, PixelFormat::kBgr);
    staged.clear();
    for (size_t i = begin; i < end; ++i) {
      const auto t0 = Clock::now();
      const StillImage& in = images[i];
      DecodedImage& d = decoded[i - begin];
      if (in.raw) {
        // A raw frame is read in its own layout by the letterbox; the classify transform takes BGR.
        const bool to_bgr = info.task == Task::kClassify && in.raw->format != PixelFormat::kBgr;
        d.bgr = to_bgr ? RawFrameToBgr(*in.raw) : in.raw->View();
        d.orig_h = in.raw->height;
        d.orig_w = in.raw->width;
        formats[i - begin] = to_bgr ? PixelFormat::kBgr : in.raw->format;
      } else {
        d = DecodeForInference(in.data, in.size, options.max_pixels, in.what, target);
      }
      staged.push_back(Stage(info, options, d.bgr, d.orig_h, d.orig_w, Ms(t0, Clock::now()), &results[i], formats[i - begin]));
    }
    std::vector<bool> done(staged.size(), false);
    for (size_t i = 0; i < staged.size(); ++i) {
      if (done[i]) continue;
      group.clear();
      for (size_t j = i; j < staged.size(); ++j) {
        if (!done[j] && staged[j].geometry.in_h == staged[i].geometry.in_h && staged[j].geometry.in_w == staged[i].geometry.in_w) {
          group.push_back(staged[j]);
          done[j] = true;
        }
      }
      RunStaged(session, group.data(), group.size(), options);
    }
    if (options.plot.enabled) {
      for (size_t i = begin; i < end; ++i) {
        // Decoded pixels are this call's own and drawn on in place; a raw frame's are copied (as BGR) first.
        cv::Mat canvas = images[i].raw ? RawFrameToBgr(*images[i].raw) : decoded[i - begin].bgr;
        AttachPlot(canvas, info, options, &results[i]);
      }
    }
  }
  return results;
}

cv::Mat DecodeStill(const InputSource& input, int64_t max_pixels) {
  if (input.raw) return RawFrameToBgr(*input.raw);
  if (!input.path.empty()) {
    const std::vector<uint8_t> bytes = ReadInputFile(input.path, input.label);
    return DecodeImage(bytes.data(), bytes.size(), max_pixels, input.label.c_str());
  }
  return DecodeImage(input.bytes.data(), input.bytes.size(), max_pixels, input.label.c_str());
}

namespace {

VideoLimits LimitsOf(const PredictOptions& o) {
  VideoLimits limits;
  limits.vid_stride = o.vid_stride;
  limits.max_frames = o.max_frames;
  limits.max_pixels = o.max_pixels;
  limits.frame_limit = o.max_video_frames;
  return limits;
}

}  // namespace

std::unique_ptr<FrameSource> OpenVideo(const InputSource& input, const PredictOptions& options, const std::string& tmpdir,
                                       const LiveOptions& live) {
  if (!input.url.empty()) return LiveSource::Open(input.url, input.label, live, LimitsOf(options));
  if (input.raw) return nullptr;
  if (!input.path.empty()) return PathIsVideo(input.path) ? VideoReader::OpenFile(input.path, input.label, LimitsOf(options)) : nullptr;
  if (!LooksLikeVideo(input.bytes.data(), input.bytes.size())) return nullptr;
  return VideoReader::OpenBytes(input.bytes.data(), input.bytes.size(), tmpdir, input.label, LimitsOf(options));
}

bool PredictFrames(ModelSession& session, FrameSource& source, const PredictOptions& options_in, size_t limit, const AbortFlag& abort,
                   std::vector<ImageResult>* out, FrameSink* sink) {
  const PredictOptions options = RunOptions(session.info(), options_in);
  for (size_t n = 0; limit == 0 || n < limit; ++n) {
    ThrowIfAborted(abort);
    const auto t0 = Clock::now();
    cv::Mat frame;
    int64_t index = 0;
    double timestamp_ms = -1;
    if (!source.Next(&frame, &index, &timestamp_ms)) return false;
    ImageResult result;
    const Staged staged = Stage(session.info(), options, frame, frame.rows, frame.cols, Ms(t0, Clock::now()), &result);
    RunStaged(session, &staged, 1, options);
    result.frame = index;
    result.timestamp_ms = timestamp_ms;
    if (options.plot.enabled || sink) {
      DrawResult(frame, result, session.info(), options.plot);  // the frame is this call's own
      if (options.plot.enabled) result.plot = EncodePicture(frame, options.plot);
      if (sink) sink->Write(frame, source.fps() / std::max(1, options.vid_stride));  // the video keeps its duration
    }
    out->push_back(std::move(result));
  }
  return true;
}

std::vector<ImageResult> Predict(ModelSession& session, const PredictRequest& request) {
  const PredictOptions& options = request.options;
  std::vector<ImageResult> results;
  std::vector<StillImage> images;                // consecutive images, predicted together
  std::vector<std::vector<uint8_t>> file_bytes;  // inputs given as paths, read here (moving the outer vector keeps each buffer)
  auto flush = [&] {
    for (auto& r : PredictImages(session, images, options, request.abort)) results.push_back(std::move(r));
    images.clear();
    file_bytes.clear();
  };
  for (const InputSource& input : request.inputs) {
    ThrowIfAborted(request.abort);
    if (!input.url.empty()) throw Error(code::kInvalidInput, input.label + " is a live source: read it with model.stream()");
    if (std::unique_ptr<FrameSource> video = OpenVideo(input, options, request.tmpdir)) {
      flush();
      PredictFrames(session, *video, options, 0, request.abort, &results);
      continue;
    }
    if (input.raw) {
      images.push_back({nullptr, 0, input.raw.get(), input.label.c_str()});
    } else if (!input.path.empty()) {
      file_bytes.push_back(ReadInputFile(input.path, input.label));
      images.push_back({file_bytes.back().data(), file_bytes.back().size(), nullptr, input.label.c_str()});
    } else {
      images.push_back({input.bytes.data(), input.bytes.size(), nullptr, input.label.c_str()});
    }
    if (images.size() >= static_cast<size_t>(std::max(1, options.batch))) flush();
  }
  flush();
  return results;
}

}  // namespace yolo
