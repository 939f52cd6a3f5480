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

ImageResult RunPipeline(ModelSession& session, const cv::Mat& bgr, const PredictOptions& options, Clock::time_point t0) {
  const ModelInfo& info = session.info();
  ImageResult result;
  result.orig_h = bgr.rows;
  result.orig_w = bgr.cols;
  const InputPlan plan = PlanInput(info, options.imgsz, options.rect);

  LetterboxGeometry geometry;
  std::vector<float> tensor;
  if (info.task == Task::kClassify) {
    geometry.orig_h = bgr.rows; geometry.orig_w = bgr.cols;
    geometry.in_h = geometry.new_h = plan.target_h;
    geometry.in_w = geometry.new_w = plan.target_w;
    tensor = session.buffers().Acquire(3 * static_cast<size_t>(geometry.in_h) * geometry.in_w);
    ClassifyToTensor(bgr, geometry.in_h, geometry.in_w, tensor.data());
  } else {
    geometry = PlanLetterbox(bgr.rows, bgr.cols, plan.target_h, plan.target_w, plan.auto_pad, info.stride);
    tensor = session.buffers().Acquire(3 * static_cast<size_t>(geometry.in_h) * geometry.in_w);
    LetterboxToTensor(bgr, geometry, tensor.data());
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
  return RunPipeline(session, bgr, options, Clock::now());
}

ImageResult PredictEncoded(ModelSession& session, const uint8_t* data, size_t size, const PredictOptions& options, const char* what) {
  const auto t0 = Clock::now();
  cv::Mat bgr = DecodeImage(data, size, options.max_pixels, what);
  return RunPipeline(session, bgr, options, t0);
}

}  // namespace yolo
