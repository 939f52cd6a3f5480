// Detect: the kept detections (candidates.cc) as boxes in original-image pixels; nothing else is particular to it.
#include "decoders.h"

namespace yolo {

void DecodeDetect(DecodeContext& ctx, ImageResult& out) {
  const HeadOutput head = ReadHeadOutput(ctx);
  const std::vector<Candidate> kept = KeptDetections(ctx, head);
  out.results.reserve(kept.size());
  for (const Candidate& c : kept) out.results.push_back(BoxResult(c, ctx.geometry, head.head));
}

}  // namespace yolo
