// OBB: Ultralytics OBBPredictor. Classic output0 [batch, 4 + nc + 1, anchors] = cx, cy, w, h (input pixels), class
// scores, angle (radians): candidates keep xywh, the class offset (ClassOffset) goes on cx, cy only, rotated fast
// NMS with probiou (nms.cc). Row output [batch, max_det, 7] = cx, cy, w, h, score, class, angle: no NMS.
// Then, as 8.3.160 for the classic head: regularize_rboxes, scale_boxes(xywh=True) (rounded pad on cx, cy; all four
// divided by gain; clip_boxes clamps cx, w to [0, W] and cy, h to [0, H]). Ultralytics 8.4, the predictor that reads
// the row layouts, no longer regularizes and no longer clips xywh. Corners by xywhr2xyxyxyxy, never clipped.
#include <algorithm>
#include <cmath>

#include "decoders.h"
#include "nms.h"
#include "output_layout.h"

namespace yolo {
namespace {

// torch.remainder on float32: the result has the sign of the divisor (floor-mod), unlike std::fmod.
float FloorMod(float v, float d) {
  float m = std::fmod(v, d);
  if (m != 0.f && ((m < 0.f) != (d < 0.f))) m += d;
  return m;
}

// Classic output: candidates with their angles through class-aware rotated NMS.
std::vector<Candidate> RotatedNms(const std::vector<Candidate>& candidates, const PredictOptions& options) {
  std::vector<float> rboxes(candidates.size() * 5);
  for (size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& c = candidates[i];
    const float offset = ClassOffset(c.cls);
    float* r = &rboxes[5 * i];
    r[0] = c.x1 + offset;
    r[1] = c.y1 + offset;
    r[2] = c.x2;
    r[3] = c.y2;
    r[4] = c.Extra(0);
  }
  std::vector<Candidate> kept;
  for (int k : NmsRotatedSorted(rboxes.data(), static_cast<int>(candidates.size()), options.iou, options.max_det, options.simd)) {
    kept.push_back(candidates[k]);
  }
  return kept;
}

}  // namespace

void DecodeObb(DecodeContext& ctx, ImageResult& out) {
  const HeadOutput head = ReadHeadOutput(ctx);
  const int nc = static_cast<int>(ctx.info.names.size());
  const bool rows = IsRowHead(head.head);
  const std::vector<Candidate> kept =
      rows ? SelectRows(head, nc, ctx.options) : RotatedNms(SelectCandidates(head, nc, ctx.options, true), ctx.options);

  const InverseLetterbox inv = BoxInverse(ctx.geometry, head.head);
  const float pad_x = static_cast<float>(inv.pad_x), pad_y = static_cast<float>(inv.pad_y), gain = static_cast<float>(inv.gain);
  const float max_x = static_cast<float>(ctx.geometry.orig_w), max_y = static_cast<float>(ctx.geometry.orig_h);
  const float pi = static_cast<float>(M_PI), half_pi = static_cast<float>(M_PI / 2);

  out.results.reserve(kept.size());
  for (const Candidate& c : kept) {
    float cx = c.x1, cy = c.y1, w = c.x2, h = c.y2, t = c.Extra(0);
    if (!rows) {  // regularize_rboxes (8.3.160)
      if (FloorMod(t, pi) >= half_pi) std::swap(w, h);
      t = FloorMod(t, half_pi);
    }
    // scale_boxes(xywh=True), + clip_boxes in 8.3.160
    cx = (cx - pad_x) / gain;
    cy = (cy - pad_y) / gain;
    w = w / gain;
    h = h / gain;
    if (!rows) {
      cx = std::clamp(cx, 0.f, max_x);
      cy = std::clamp(cy, 0.f, max_y);
      w = std::clamp(w, 0.f, max_x);
      h = std::clamp(h, 0.f, max_y);
    }
    // xywhr2xyxyxyxy: vec1 = (w/2*cos, w/2*sin), vec2 = (-h/2*sin, h/2*cos); pt1 = c+v1+v2, pt2 = c+v1-v2,
    // pt3 = c-v1-v2, pt4 = c-v1+v2, left to right.
    const float cs = std::cos(t), sn = std::sin(t);
    const float v1x = (w / 2) * cs, v1y = (w / 2) * sn;
    const float v2x = -(h / 2) * sn, v2y = (h / 2) * cs;
    const float pts[8] = {
        (cx + v1x) + v2x, (cy + v1y) + v2y, (cx + v1x) - v2x, (cy + v1y) - v2y,
        (cx - v1x) - v2x, (cy - v1y) - v2y, (cx - v1x) + v2x, (cy - v1y) + v2y,
    };
    ResultItem item;
    item.cls = c.cls;
    item.conf = c.score;
    item.box.assign(pts, pts + 8);
    out.results.push_back(std::move(item));
  }
}

}  // namespace yolo
