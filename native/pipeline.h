// The whole path for one image: decode -> preprocess -> run -> task decoder, timed per stage. Runs on a worker
// thread (never the JS thread).
#pragma once
#include <cstddef>
#include <cstdint>

#include <opencv2/core.hpp>

#include "image.h"
#include "model_session.h"
#include "types.h"

namespace yolo {

// The network input size for a request: a static model's own size, else imgsz rounded up to the stride
// (Ultralytics check_imgsz), letterboxed "rect" (auto padding) for dynamic models.
struct InputPlan {
  int target_h = 0, target_w = 0;
  bool auto_pad = false;
};
InputPlan PlanInput(const ModelInfo& info, int imgsz, bool rect);

// The size an image is resized to before inference, for the fastDecode JPEG reduction (image.h).
ResizeTarget ResizeTargetFor(const ModelInfo& info, const PredictOptions& options);

ImageResult PredictDecoded(ModelSession& session, const cv::Mat& bgr, const PredictOptions& options);
ImageResult PredictEncoded(ModelSession& session, const uint8_t* data, size_t size, const PredictOptions& options, const char* what);

}  // namespace yolo
