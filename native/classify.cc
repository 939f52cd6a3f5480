#include "decoders.h"
#include "errors.h"

namespace yolo {

// Not yet implemented: this task's decoder lands with the tasks issue.
void DecodeClassify(DecodeContext& ctx, ImageResult& out) {
  throw Error(code::kModelUnsupported, "task 'classify' is not implemented yet");
}

}  // namespace yolo

#include <opencv2/imgproc.hpp>
namespace yolo {
void ClassifyToTensor(const cv::Mat& bgr, int size, float* dst) {
  throw Error(code::kModelUnsupported, "classify preprocessing is not implemented yet");
}
}  // namespace yolo
