// Pose: Ultralytics 8.3.160 PosePredictor. Output0 [batch, 4 + nc + K*D, anchors]; the keypoints ride along with
// their box through the class-aware NMS, the box goes through scale_boxes (rounded pad), the keypoints through
// scale_coords (unrounded pad) + clip_coords. Keypoints.__init__ in 8.3.160 no longer zeroes x, y where
// conf < 0.5 (PR #21165; the goldens confirm it: every low-confidence keypoint keeps its coordinates).
#include <algorithm>
#include <string>

#include "decoders.h"
#include "errors.h"

namespace yolo {

void DecodePose(DecodeContext& ctx, ImageResult& out) {
  int channels = 0, anchors = 0;
  const float* plane = OutputPlane(ctx, 0, &channels, &anchors);
  const int nc = static_cast<int>(ctx.info.names.size());
  const int K = ctx.info.kpt_count, D = ctx.info.kpt_dims;
  if (K <= 0 || (D != 2 && D != 3)) throw Error(code::kModelUnsupported, "pose model has no usable kpt_shape in its metadata");
  if (channels != 4 + nc + K * D) {
    throw Error(code::kModelUnsupported, "pose output0 has " + std::to_string(channels) + " channels, expected 4 + " + std::to_string(nc) +
                                             " classes + " + std::to_string(K) + "x" + std::to_string(D) + " keypoints");
  }
  auto candidates = SelectCandidates(plane, channels, anchors, nc, ctx.options.conf, false, ctx.options.val);
  auto keep = ClassAwareNms(candidates, ctx.options.iou, ctx.options.max_det, ctx.options.simd);

  // scale_coords: gain and the unrounded pad are Python doubles applied to a float32 tensor (cast to float32).
  const InverseLetterbox inv = InverseLetterbox::ForCoords(ctx.geometry);
  const float pad_x = static_cast<float>(inv.pad_x), pad_y = static_cast<float>(inv.pad_y), gain = static_cast<float>(inv.gain);
  const float max_x = static_cast<float>(ctx.geometry.orig_w), max_y = static_cast<float>(ctx.geometry.orig_h);
  const float* kpts = plane + static_cast<size_t>(4 + nc) * anchors;

  out.results.reserve(keep.size());
  for (int k : keep) {
    const Candidate& c = candidates[k];
    float box[4] = {c.x1, c.y1, c.x2, c.y2};
    ScaleBoxToOriginal(ctx.geometry, box);
    ResultItem item;
    item.cls = c.cls;
    item.conf = c.score;
    item.box.assign(box, box + 4);
    item.kpt_x.resize(K);
    item.kpt_y.resize(K);
    if (D == 3) item.kpt_v.resize(K);  // D == 2: no confidence column, nothing to report
    for (int j = 0; j < K; ++j) {
      const size_t row = static_cast<size_t>(j) * D;
      float x = kpts[row * anchors + c.anchor];
      float y = kpts[(row + 1) * anchors + c.anchor];
      x = (x - pad_x) / gain;
      y = (y - pad_y) / gain;
      item.kpt_x[j] = std::clamp(x, 0.f, max_x);
      item.kpt_y[j] = std::clamp(y, 0.f, max_y);
      if (D == 3) item.kpt_v[j] = kpts[(row + 2) * anchors + c.anchor];
    }
    out.results.push_back(std::move(item));
  }
}

}  // namespace yolo
