// Which layout a model's output0 has. The classic head puts 4 + nc + extra values on axis 1 and the anchors on
// axis 2; the row layouts (end-to-end, nms=True) put max_det rows on axis 1 and 6 + extra values per row on axis 2.
// A 2-class classic [1, 6, 8400] and an end-to-end [1, 300, 6] both contain a 6: only the axis tells them apart.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "types.h"

namespace yolo {

// The axis widths each layout has for this model's task, classes and extras; -1 where unknown (no class names:
// the classic width; a symbolic prototype channel count: the segment widths).
struct LayoutWidths {
  int64_t channels = -1;  // classic axis 1: 4 + nc + extra
  int64_t row = -1;       // row layouts' axis 2: 6 + extra (obb: cx, cy, w, h, score, class, angle = 7)
};
LayoutWidths ExpectedWidths(const ModelInfo& info, int64_t mask_coefficients);

// What output0's dims say (-1 = a symbolic dim, which says nothing): kClassic, kEnd2End for the row layouts, or
// kAuto when no dim decides. Throws E_MODEL_UNSUPPORTED, naming the outputs and both expected layouts, when the
// dims fit neither layout or fit both.
Head HeadFromShape(const ModelInfo& info, const std::vector<std::vector<int64_t>>& output_shapes, const std::string& where);

// Whether a head reads output0 as rows.
inline bool IsRowHead(Head head) { return head == Head::kEnd2End || head == Head::kNms; }

// ONNX Runtime failed inside an end-to-end graph's TopK: its k (the export's max_det, 300) is more than the anchors
// of this input (21 at 32x32; Ultralytics fails the same way). Throws E_INVALID_ARGUMENT saying so, naming the input
// size; returns when the failure is something else.
void ExplainTopKFailure(const std::vector<int64_t>& input_shape, const std::string& ort_message);

// "[1, 300, 6]"; a symbolic dim shows as "?".
std::string ShapeText(const std::vector<int64_t>& shape);

}  // namespace yolo
