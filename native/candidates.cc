// What every box decoder shares: output0 in its layout, candidate selection (classic head or rows), class-aware
// NMS, and the way back to original-image pixels.
#include <algorithm>
#include <cmath>
#include <string>

#include "decoders.h"
#include "errors.h"
#include "nms.h"
#include "output_layout.h"

namespace yolo {

namespace {
constexpr int kMaxNms = 30000;    // Ultralytics max_nms
constexpr float kMaxWh = 7680.f;  // Ultralytics max_wh

bool WantedClass(const PredictOptions& options, int cls) {
  return options.classes.empty() || std::find(options.classes.begin(), options.classes.end(), cls) != options.classes.end();
}
}  // namespace

HeadOutput ReadHeadOutput(DecodeContext& ctx) {
  const ModelInfo& info = ctx.info;
  if (ctx.outputs.empty()) throw Error(code::kInference, "the model returned no outputs");
  std::vector<std::vector<int64_t>> shapes;
  for (auto& value : ctx.outputs)
    shapes.push_back(value.IsTensor() ? value.GetTensorTypeAndShapeInfo().GetShape() : std::vector<int64_t>{});
  const std::vector<int64_t>& shape = shapes[0];
  if (shape.size() != 3 || shape[0] <= ctx.batch_index) {
    throw Error(code::kInference, "output0 has shape " + ShapeText(shape) +
                                      ", expected [batch, channels, anchors] or [batch, rows, values] for image " +
                                      std::to_string(ctx.batch_index) + " of the batch");
  }
  HeadOutput out;
  out.head = info.head == Head::kAuto ? HeadFromShape(info, shapes, "the model's output does not fit its task: ") : info.head;
  const int64_t nm = info.task == Task::kSegment && shapes.size() > 1 && shapes[1].size() == 4 ? shapes[1][1] : 0;
  const LayoutWidths expected = ExpectedWidths(info, nm);
  const bool rows = IsRowHead(out.head);
  const int64_t width = rows ? shape[2] : shape[1];
  const int64_t want = rows ? expected.row : expected.channels;
  if (width != want) {
    throw Error(code::kModelUnsupported,
                std::string(TaskName(info.task)) + " output0 is " + ShapeText(shape) + ", expected " +
                    (rows ? "[batch, max_det, " + std::to_string(want) + "] (" + HeadName(out.head) + " rows)"
                          : "[batch, " + std::to_string(want) + ", anchors] (4 box + " + std::to_string(info.names.size()) + " classes + " +
                                std::to_string(want - 4 - static_cast<int64_t>(info.names.size())) + " extra)"));
  }
  out.width = static_cast<int>(width);
  out.count = static_cast<int>(rows ? shape[1] : shape[2]);
  out.extra = static_cast<int>(rows ? width - 6 : width - 4 - static_cast<int64_t>(info.names.size()));
  out.data = ctx.outputs[0].GetTensorData<float>() + static_cast<size_t>(ctx.batch_index) * shape[1] * shape[2];
  return out;
}

std::vector<Candidate> SelectCandidates(const HeadOutput& head, int nc, const PredictOptions& options, bool keep_xywh) {
  const float* out = head.data;
  const int anchors = head.count;
  // Channel-major scan (sequential memory): running best score and class per anchor.
  std::vector<float> best(out + 4 * static_cast<size_t>(anchors), out + 5 * static_cast<size_t>(anchors));
  std::vector<int> best_cls(anchors, 0);
  for (int c = 1; c < nc; ++c) {
    const float* row = out + static_cast<size_t>(4 + c) * anchors;
    for (int a = 0; a < anchors; ++a) {
      if (row[a] > best[a]) {
        best[a] = row[a];
        best_cls[a] = c;
      }
    }
  }
  std::vector<Candidate> candidates;
  const float* extra = out + static_cast<size_t>(4 + nc) * anchors;
  for (int a = 0; a < anchors; ++a) {
    if (!(best[a] > options.conf)) continue;                           // strictly greater, as Ultralytics
    if (!options.val && !WantedClass(options, best_cls[a])) continue;  // the class filter comes before NMS on this path
    const float cx = out[a], cy = out[anchors + a], w = out[2 * anchors + a], h = out[3 * anchors + a];
    // A hostile or broken model can emit NaN / inf boxes: they would reach integer casts (mask windows) as UB.
    if (!std::isfinite(cx) || !std::isfinite(cy) || !std::isfinite(w) || !std::isfinite(h)) continue;
    Candidate c;
    if (keep_xywh) {
      c.x1 = cx;
      c.y1 = cy;
      c.x2 = w;
      c.y2 = h;
    } else {
      const float dw = w / 2, dh = h / 2;  // xywh2xyxy
      c.x1 = cx - dw;
      c.y1 = cy - dh;
      c.x2 = cx + dw;
      c.y2 = cy + dh;
    }
    c.extra = extra + a;
    c.extra_stride = static_cast<size_t>(anchors);
    if (options.val) {
      // The validator's multi-label NMS: torch.where(cls > conf), every class of the anchor above conf, in class
      // order (the best one passed above, so at least one).
      for (int k = 0; k < nc; ++k) {
        const float score = out[static_cast<size_t>(4 + k) * anchors + a];
        if (!(score > options.conf) || !WantedClass(options, k)) continue;
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
  return candidates;
}

std::vector<Candidate> SelectRows(const HeadOutput& head, int nc, const PredictOptions& options) {
  std::vector<Candidate> kept;
  int passed = 0;  // rows over conf so far: max_det truncates before the class filter, as `[...][:max_det]` does
  for (int r = 0; r < head.count; ++r) {
    const float* row = head.data + static_cast<size_t>(r) * head.width;
    if (!(row[4] > options.conf)) continue;  // strictly greater; also drops NaN scores and nms=True's zero padding
    if (passed++ == options.max_det) break;
    // The class column holds an integer as a float. A row whose class is NaN or no class of the model has nothing
    // to name (Ultralytics would fail looking it up): it is not reported.
    if (!(row[5] >= 0.f && row[5] < static_cast<float>(nc))) continue;
    const int cls = static_cast<int>(row[5]);
    if (!WantedClass(options, cls)) continue;
    Candidate c;
    c.x1 = row[0];
    c.y1 = row[1];
    c.x2 = row[2];
    c.y2 = row[3];
    c.score = row[4];
    c.cls = cls;
    c.extra = row + 6;
    c.extra_stride = 1;
    kept.push_back(c);
  }
  return kept;
}

float ClassOffset(int cls) { return static_cast<float>(cls) * kMaxWh; }  // float32, as torch adds it

std::vector<int> ClassAwareNms(const std::vector<Candidate>& candidates, float iou, int max_det, bool simd) {
  std::vector<float> boxes(candidates.size() * 4);
  for (size_t i = 0; i < candidates.size(); ++i) {
    const float offset = ClassOffset(candidates[i].cls);
    boxes[4 * i] = candidates[i].x1 + offset;
    boxes[4 * i + 1] = candidates[i].y1 + offset;
    boxes[4 * i + 2] = candidates[i].x2 + offset;
    boxes[4 * i + 3] = candidates[i].y2 + offset;
  }
  return NmsSorted(boxes.data(), static_cast<int>(candidates.size()), iou, max_det, simd);
}

std::vector<Candidate> KeptDetections(DecodeContext& ctx, const HeadOutput& out) {
  const int nc = static_cast<int>(ctx.info.names.size());
  if (IsRowHead(out.head)) return SelectRows(out, nc, ctx.options);
  const std::vector<Candidate> candidates = SelectCandidates(out, nc, ctx.options, false);
  std::vector<Candidate> kept;
  for (int k : ClassAwareNms(candidates, ctx.options.iou, ctx.options.max_det, ctx.options.simd)) kept.push_back(candidates[k]);
  return kept;
}

namespace {

// Ultralytics 8.4 scale_boxes and scale_coords alike: pad = round((W1 - round(W0 * gain)) / 2 - 0.1), the offset the
// letterbox really applied (Python round, half to even, as std::nearbyint).
InverseLetterbox LetterboxOffset84(const LetterboxGeometry& g) {
  InverseLetterbox inv;
  inv.gain = std::min(static_cast<double>(g.in_h) / g.orig_h, static_cast<double>(g.in_w) / g.orig_w);
  inv.pad_x = std::nearbyint((g.in_w - std::nearbyint(g.orig_w * inv.gain)) / 2 - 0.1);
  inv.pad_y = std::nearbyint((g.in_h - std::nearbyint(g.orig_h * inv.gain)) / 2 - 0.1);
  return inv;
}

}  // namespace

// The classic head follows 8.3.160, which recomputes the pad from the unrounded W0 * gain (scale_boxes: rounded,
// so it can be one pixel off the letterbox's; scale_coords: not rounded at all). The row layouts are read by
// Ultralytics 8.4 only, which uses the letterbox's own offset for both (the 8.4 goldens show it: at gain 1 their
// mask polygons sit on whole pixels).
// The validator's geometry (PredictOptions::val) maps back with its own ratio_pad, whatever the head.
InverseLetterbox BoxInverse(const LetterboxGeometry& g, Head head) {
  return IsRowHead(head) && !g.val_ratio_pad ? LetterboxOffset84(g) : InverseLetterbox::ForBoxes(g);
}

InverseLetterbox PointInverse(const LetterboxGeometry& g, Head head) {
  return IsRowHead(head) && !g.val_ratio_pad ? LetterboxOffset84(g) : InverseLetterbox::ForCoords(g);
}

void ScaleBoxToOriginal(const LetterboxGeometry& g, Head head, float box[4]) {
  const InverseLetterbox inv = BoxInverse(g, head);
  box[0] = static_cast<float>((box[0] - inv.pad_x) / inv.gain);
  box[1] = static_cast<float>((box[1] - inv.pad_y) / inv.gain);
  box[2] = static_cast<float>((box[2] - inv.pad_x) / inv.gain);
  box[3] = static_cast<float>((box[3] - inv.pad_y) / inv.gain);
  box[0] = std::clamp(box[0], 0.f, static_cast<float>(g.orig_w));
  box[1] = std::clamp(box[1], 0.f, static_cast<float>(g.orig_h));
  box[2] = std::clamp(box[2], 0.f, static_cast<float>(g.orig_w));
  box[3] = std::clamp(box[3], 0.f, static_cast<float>(g.orig_h));
}

ResultItem BoxResult(const Candidate& c, const LetterboxGeometry& g, Head head) {
  float box[4] = {c.x1, c.y1, c.x2, c.y2};
  ScaleBoxToOriginal(g, head, box);
  ResultItem item;
  item.cls = c.cls;
  item.conf = c.score;
  item.box.assign(box, box + 4);
  return item;
}

}  // namespace yolo
