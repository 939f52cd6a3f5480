#include "decoders.h"
#include "errors.h"

namespace yolo {

// Not yet implemented: this task's decoder lands with the tasks issue.
void DecodeSegment(DecodeContext& ctx, ImageResult& out) {
  throw Error(code::kModelUnsupported, "task 'segment' is not implemented yet");
}

}  // namespace yolo
