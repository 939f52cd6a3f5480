#include "decoders.h"
#include "errors.h"
#include "nms.h"

namespace yolo {

// Not yet implemented: this task's decoder lands with the tasks issue.
void DecodeObb(DecodeContext& ctx, ImageResult& out) {
  throw Error(code::kModelUnsupported, "task 'obb' is not implemented yet");
}

std::vector<int> NmsRotatedSorted(const float* boxes, int n, float iou_threshold, int max_keep, bool simd) {
  throw Error(code::kModelUnsupported, "rotated NMS is not implemented yet");
}

}  // namespace yolo
