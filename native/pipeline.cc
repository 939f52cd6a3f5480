#include "pipeline.h"

#include <chrono>
#include <cmath>

#include "decoders.h"
#include "errors.h"
#include "image.h"

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

// `bgr` may be smaller than the original image (fastDecode); orig_h x orig_w is the size results are mapped to.
ImageResult RunPipeline(ModelSession& session, const cv::Mat& bgr, int orig_h, int orig_w, const PredictOptions& options,
                        Clock::time_point t0) {
  const ModelInfo& info = session.info();
  ImageResult result;
  result.orig_h = orig_h;
  result.orig_w = orig_w;
  const InputPlan plan = PlanInput(info, options.imgsz, options.rect);

  LetterboxGeometry geometry;
  std::vector<float> tensor;
  if (info.task == Task::kClassify) {
    geometry.orig_h = orig_h; geometry.orig_w = orig_w;
    geometry.in_h = geometry.new_h = plan.target_h;
    geometry.in_w = geometry.new_w = plan.target_w;
    tensor = session.buffers().Acquire(3 * static_cast<size_t>(geometry.in_h) * geometry.in_w);
    ClassifyToTensor(bgr, geometry.in_h, geometry.in_w, tensor.data());
  } else {
    geometry = PlanLetterbox(orig_h, orig_w, plan.target_h, plan.target_w, plan.auto_pad, info.stride);
    tensor = session.buffers().Acquire(3 * static_cast<size_t>(geometry.in_h) * geometry.in_w);
    LetterboxToTensor(bgr, geometry, tensor.data(), options.simd);
  }
  result.input_h = geometry.in_h;
  result.input_w = geometry.in_w;
  const auto t1 = Clock::now();

  std::vector<Ort::Value> outputs;
  try {
    outputs = session.Run(tensor.data(), {1, 3, geometry.in_h, geometry.in_w});
  } catch (...) {
    session.buffers().Release(std::move(tensor));
    throw;
  }
  session.buffers().Release(std::move(tensor));
  const auto t2 = Clock::now();

  DecodeContext ctx{info, options, geometry, outputs, 0};
  switch (info.task) {
    case Task::kDetect: DecodeDetect(ctx, result); break;
    case Task::kSegment: DecodeSegment(ctx, result); break;
    case Task::kPose: DecodePose(ctx, result); break;
    case Task::kObb: DecodeObb(ctx, result); break;
    case Task::kClassify: DecodeClassify(ctx, result); break;
  }
  const auto t3 = Clock::now();
  result.t_pre = Ms(t0, t1);
  result.t_inf = Ms(t1, t2);
  result.t_post = Ms(t2, t3);
  return result;
}

}  // namespace

ImageResult PredictDecoded(ModelSession& session, const cv::Mat& bgr, const PredictOptions& options) {
  return RunPipeline(session, bgr, bgr.rows, bgr.cols, options, Clock::now());
}

ResizeTarget ResizeTargetFor(const ModelInfo& info, const PredictOptions& options) {
  const InputPlan plan = PlanInput(info, options.imgsz, options.rect);
  if (info.task == Task::kClassify) {
    return [plan](int h, int w) {
      const ClassifyGeometry g = PlanClassify(h, w, plan.target_h, plan.target_w);
      return cv::Size(static_cast<int>(g.resized_w), static_cast<int>(g.resized_h));
    };
  }
  const int stride = info.stride;
  return [plan, stride](int h, int w) {
    const LetterboxGeometry g = PlanLetterbox(h, w, plan.target_h, plan.target_w, plan.auto_pad, stride);
    return cv::Size(g.new_w, g.new_h);
  };
}

ImageResult PredictEncoded(ModelSession& session, const uint8_t* data, size_t size, const PredictOptions& options, const char* what) {
  const auto t0 = Clock::now();
  const DecodedImage image = DecodeForInference(data, size, options.max_pixels, what,
                                                options.fast_decode ? ResizeTargetFor(session.info(), options) : ResizeTarget());
  return RunPipeline(session, image.bgr, image.orig_h, image.orig_w, options, t0);
}

}  // namespace yolo
