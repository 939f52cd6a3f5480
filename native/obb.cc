// OBB: Ultralytics 8.3.160 OBBPredictor. Output0 [batch, 4 + nc + 1, anchors] = cx, cy, w, h (input pixels), class
// scores, angle (radians). Candidates keep xywh; the class offset (cls * 7680) goes on cx, cy only; rotated fast NMS
// with probiou (nms.cc); then regularize_rboxes, scale_boxes(xywh=True) (rounded pad on cx, cy; all four divided by
// gain; clip_boxes clamps cx, w to [0, W] and cy, h to [0, H]) and xywhr2xyxyxyxy corners, not clipped.
#include <algorithm>
#include <cmath>
#include <string>

#include "decoders.h"
#include "errors.h"
#include "nms.h"

namespace yolo {
namespace {

constexpr float kMaxWh = 7680.f;

// torch.remainder on float32: the result has the sign of the divisor (floor-mod), unlike std::fmod.
float FloorMod(float v, float d) {
  float m = std::fmod(v, d);
  if (m != 0.f && ((m < 0.f) != (d < 0.f))) m += d;
  return m;
}

}  // namespace

void DecodeObb(DecodeContext& ctx, ImageResult& out) {
  int channels = 0, anchors = 0;
  const float* plane = OutputPlane(ctx, 0, &channels, &anchors);
  const int nc = static_cast<int>(ctx.info.names.size());
  if (channels != 4 + nc + 1) {
    throw Error(code::kModelUnsupported, "obb output0 has " + std::to_string(channels) + " channels, expected 4 + " + std::to_string(nc) + " classes + 1 angle");
  }
  const float* angles = plane + static_cast<size_t>(4 + nc) * anchors;
  auto candidates = SelectCandidates(plane, channels, anchors, nc, ctx.options.conf, true, ctx.options.val);

  std::vector<float> rboxes(candidates.size() * 5);
  for (size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& c = candidates[i];
    const float offset = static_cast<float>(c.cls) * kMaxWh;
    float* r = &rboxes[5 * i];
    r[0] = c.x1 + offset;
    r[1] = c.y1 + offset;
    r[2] = c.x2;
    r[3] = c.y2;
    r[4] = angles[c.anchor];
  }
  auto keep = NmsRotatedSorted(rboxes.data(), static_cast<int>(candidates.size()), ctx.options.iou, ctx.options.max_det, ctx.options.simd);

  const InverseLetterbox inv = InverseLetterbox::ForBoxes(ctx.geometry);
  const float pad_x = static_cast<float>(inv.pad_x), pad_y = static_cast<float>(inv.pad_y), gain = static_cast<float>(inv.gain);
  const float max_x = static_cast<float>(ctx.geometry.orig_w), max_y = static_cast<float>(ctx.geometry.orig_h);
  const float pi = static_cast<float>(M_PI), half_pi = static_cast<float>(M_PI / 2);

  out.results.reserve(keep.size());
  for (int k : keep) {
    const Candidate& c = candidates[k];
    float cx = c.x1, cy = c.y1, w = c.x2, h = c.y2, t = angles[c.anchor];
    // regularize_rboxes
    if (FloorMod(t, pi) >= half_pi) std::swap(w, h);
    t = FloorMod(t, half_pi);
    // scale_boxes(xywh=True) + clip_boxes
    cx = (cx - pad_x) / gain;
    cy = (cy - pad_y) / gain;
    w = w / gain;
    h = h / gain;
    cx = std::clamp(cx, 0.f, max_x);
    cy = std::clamp(cy, 0.f, max_y);
    w = std::clamp(w, 0.f, max_x);
    h = std::clamp(h, 0.f, max_y);
    // xywhr2xyxyxyxy: vec1 = (w/2*cos, w/2*sin), vec2 = (-h/2*sin, h/2*cos); pt1 = c+v1+v2, pt2 = c+v1-v2,
    // pt3 = c-v1-v2, pt4 = c-v1+v2, left to right.
    const float cs = std::cos(t), sn = std::sin(t);
    const float v1x = (w / 2) * cs, v1y = (w / 2) * sn;
    const float v2x = -(h / 2) * sn, v2y = (h / 2) * cs;
    const float pts[8] = {
        (cx + v1x) + v2x, (cy + v1y) + v2y,
        (cx + v1x) - v2x, (cy + v1y) - v2y,
        (cx - v1x) - v2x, (cy - v1y) - v2y,
        (cx - v1x) + v2x, (cy - v1y) + v2y,
    };
    ResultItem item;
    item.cls = c.cls;
    item.conf = c.score;
    item.box.assign(pts, pts + 8);
    out.results.push_back(std::move(item));
  }
}

}  // namespace yolo
