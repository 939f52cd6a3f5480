#include <algorithm>
#include <cmath>

#include "decoders.h"
#include "errors.h"
#include "nms.h"

namespace yolo {

namespace {
constexpr int kMaxNms = 30000;   // Ultralytics max_nms
constexpr float kMaxWh = 7680.f;  // Ultralytics max_wh: class offset for class-aware NMS
}  // namespace

const float* OutputPlane(DecodeContext& ctx, size_t output_index, int* channels, int* anchors) {
  if (output_index >= ctx.outputs.size()) throw Error(code::kInference, "the model returned too few outputs");
  auto& value = ctx.outputs[output_index];
  auto shape = value.GetTensorTypeAndShapeInfo().GetShape();
  if (shape.size() != 3) throw Error(code::kInference, "output" + std::to_string(output_index) + " has rank " + std::to_string(shape.size()) + ", expected 3");
  *channels = static_cast<int>(shape[1]);
  *anchors = static_cast<int>(shape[2]);
  return value.GetTensorData<float>() + static_cast<size_t>(ctx.batch_index) * shape[1] * shape[2];
}

std::vector<Candidate> SelectCandidates(const float* out, int channels, int anchors, int nc, float conf, bool keep_xywh, bool multi_label) {
  // Channel-major scan (sequential memory): running best score and class per anchor.
  std::vector<float> best(out + 4 * static_cast<size_t>(anchors), out + 5 * static_cast<size_t>(anchors));
  std::vector<int> best_cls(anchors, 0);
  for (int c = 1; c < nc; ++c) {
    const float* row = out + static_cast<size_t>(4 + c) * anchors;
    for (int a = 0; a < anchors; ++a) {
      if (row[a] > best[a]) { best[a] = row[a]; best_cls[a] = c; }
    }
  }
  std::vector<Candidate> candidates;
  for (int a = 0; a < anchors; ++a) {
    if (!(best[a] > conf)) continue;  // strictly greater, as Ultralytics
    const float cx = out[a], cy = out[anchors + a], w = out[2 * anchors + a], h = out[3 * anchors + a];
    // A hostile or broken model can emit NaN / inf boxes: they would reach integer casts (mask windows) as UB.
    if (!std::isfinite(cx) || !std::isfinite(cy) || !std::isfinite(w) || !std::isfinite(h)) continue;
    Candidate c;
    if (keep_xywh) {
      c.x1 = cx; c.y1 = cy; c.x2 = w; c.y2 = h;
    } else {
      const float dw = w / 2, dh = h / 2;  // xywh2xyxy
      c.x1 = cx - dw; c.y1 = cy - dh; c.x2 = cx + dw; c.y2 = cy + dh;
    }
    c.anchor = a;
    if (multi_label) {
      // torch.where(cls > conf): every class of the anchor above conf, in class order.
      for (int k = 0; k < nc; ++k) {
        const float score = out[static_cast<size_t>(4 + k) * anchors + a];
        if (!(score > conf)) continue;
        c.score = score;
        c.cls = k;
        candidates.push_back(c);
      }
      continue;
    }
    c.score = best[a];
    c.cls = best_cls[a];
    candidates.push_back(c);
  }
  // torchvision sorts by descending score; stable keeps anchor order on ties.
  std::stable_sort(candidates.begin(), candidates.end(), [](const Candidate& l, const Candidate& r) { return l.score > r.score; });
  if (candidates.size() > kMaxNms) candidates.resize(kMaxNms);
  (void)channels;
  return candidates;
}

std::vector<int> ClassAwareNms(const std::vector<Candidate>& candidates, float iou, int max_det, bool simd) {
  std::vector<float> boxes(candidates.size() * 4);
  for (size_t i = 0; i < candidates.size(); ++i) {
    const float offset = static_cast<float>(candidates[i].cls) * kMaxWh;  // float32, as torch adds it
    boxes[4 * i] = candidates[i].x1 + offset;
    boxes[4 * i + 1] = candidates[i].y1 + offset;
    boxes[4 * i + 2] = candidates[i].x2 + offset;
    boxes[4 * i + 3] = candidates[i].y2 + offset;
  }
  return NmsSorted(boxes.data(), static_cast<int>(candidates.size()), iou, max_det, simd);
}

void ScaleBoxToOriginal(const LetterboxGeometry& g, float box[4]) {
  const InverseLetterbox inv = InverseLetterbox::ForBoxes(g);
  box[0] = static_cast<float>((box[0] - inv.pad_x) / inv.gain);
  box[1] = static_cast<float>((box[1] - inv.pad_y) / inv.gain);
  box[2] = static_cast<float>((box[2] - inv.pad_x) / inv.gain);
  box[3] = static_cast<float>((box[3] - inv.pad_y) / inv.gain);
  box[0] = std::clamp(box[0], 0.f, static_cast<float>(g.orig_w));
  box[1] = std::clamp(box[1], 0.f, static_cast<float>(g.orig_h));
  box[2] = std::clamp(box[2], 0.f, static_cast<float>(g.orig_w));
  box[3] = std::clamp(box[3], 0.f, static_cast<float>(g.orig_h));
}

void DecodeDetect(DecodeContext& ctx, ImageResult& out) {
  int channels = 0, anchors = 0;
  const float* plane = OutputPlane(ctx, 0, &channels, &anchors);
  const int nc = static_cast<int>(ctx.info.names.size());
  if (channels != 4 + nc) {
    throw Error(code::kModelUnsupported, "detect output0 has " + std::to_string(channels) + " channels, expected 4 + " + std::to_string(nc) + " classes");
  }
  auto candidates = SelectCandidates(plane, channels, anchors, nc, ctx.options.conf, false, ctx.options.val);
  auto keep = ClassAwareNms(candidates, ctx.options.iou, ctx.options.max_det, ctx.options.simd);
  out.results.reserve(keep.size());
  for (int k : keep) {
    const Candidate& c = candidates[k];
    float box[4] = {c.x1, c.y1, c.x2, c.y2};
    ScaleBoxToOriginal(ctx.geometry, box);
    ResultItem item;
    item.cls = c.cls;
    item.conf = c.score;
    item.box.assign(box, box + 4);
    out.results.push_back(std::move(item));
  }
}

}  // namespace yolo
