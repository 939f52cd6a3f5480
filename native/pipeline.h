// The whole path for images: decode -> preprocess -> run (batched where the model allows) -> task decoder, timed
// per stage. Runs on a worker thread (never the JS thread).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

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

// One decoded frame (video) end to end.
ImageResult PredictDecoded(ModelSession& session, const cv::Mat& bgr, const PredictOptions& options);

// One encoded image: bytes the caller keeps alive, and how errors name it ("input buffer #2").
struct EncodedImage {
  const uint8_t* data = nullptr;
  size_t size = 0;
  const char* what = "";
};

// Encoded images end to end, one result each, in order. On a dynamic-batch model, up to options.batch consecutive
// images of equal input size run as one batch.
std::vector<ImageResult> PredictEncoded(ModelSession& session, const std::vector<EncodedImage>& images, const PredictOptions& options);

}  // namespace yolo
