// Pose: Ultralytics 8.3.160 / 8.4 PosePredictor. The keypoints are the K*D extra values of each detection (after the
// class scores of a classic output, after score and class in a row); they ride along with their box through NMS
// (classic) or the row selection. The box goes through scale_boxes, the keypoints through scale_coords + clip_coords.
// Keypoints.__init__ in 8.3.160 no longer zeroes x, y where conf < 0.5 (PR #21165; the goldens confirm it: every
// low-confidence keypoint keeps its coordinates).
#include <algorithm>

#include "decoders.h"

namespace yolo {

void DecodePose(DecodeContext& ctx, ImageResult& out) {
  const HeadOutput head = ReadHeadOutput(ctx);
  const int K = ctx.info.kpt_count, D = ctx.info.kpt_dims;  // checked when the model loaded (metadata.cc)
  const std::vector<Candidate> kept = KeptDetections(ctx, head);

  // scale_coords: gain and pad are Python doubles applied to a float32 tensor (cast to float32).
  const InverseLetterbox inv = PointInverse(ctx.geometry, head.head);
  const float pad_x = static_cast<float>(inv.pad_x), pad_y = static_cast<float>(inv.pad_y), gain = static_cast<float>(inv.gain);
  const float max_x = static_cast<float>(ctx.geometry.orig_w), max_y = static_cast<float>(ctx.geometry.orig_h);

  out.results.reserve(kept.size());
  for (const Candidate& c : kept) {
    ResultItem item = BoxResult(c, ctx.geometry, head.head);
    item.kpt_x.resize(K);
    item.kpt_y.resize(K);
    if (D == 3) item.kpt_v.resize(K);  // D == 2: no confidence column, nothing to report
    for (int j = 0; j < K; ++j) {
      const float x = (c.Extra(j * D) - pad_x) / gain;
      const float y = (c.Extra(j * D + 1) - pad_y) / gain;
      item.kpt_x[j] = std::clamp(x, 0.f, max_x);
      item.kpt_y[j] = std::clamp(y, 0.f, max_y);
      if (D == 3) item.kpt_v[j] = c.Extra(j * D + 2);
    }
    out.results.push_back(std::move(item));
  }
}

}  // namespace yolo
