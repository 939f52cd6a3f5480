#include "decoders.h"
#include "errors.h"

namespace yolo {

// Not yet implemented: this task's decoder lands with the tasks issue.
void DecodePose(DecodeContext& ctx, ImageResult& out) {
  throw Error(code::kModelUnsupported, "task 'pose' is not implemented yet");
}

}  // namespace yolo
