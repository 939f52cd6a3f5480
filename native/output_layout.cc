#include "output_layout.h"

#include "errors.h"

namespace yolo {

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return s + "]";
}

LayoutWidths ExpectedWidths(const ModelInfo& info, int64_t mask_coefficients) {
  int64_t extra = 0;  // values after the class scores (classic) or after score, class (rows)
  switch (info.task) {
    case Task::kDetect: extra = 0; break;
    case Task::kSegment: extra = mask_coefficients; break;
    case Task::kPose: extra = static_cast<int64_t>(info.kpt_count) * info.kpt_dims; break;
    case Task::kObb: extra = 1; break;  // the angle
    case Task::kClassify: return {};
  }
  LayoutWidths w;
  if (extra < 0) return w;
  if (!info.names.empty()) w.channels = 4 + static_cast<int64_t>(info.names.size()) + extra;
  w.row = 6 + extra;
  return w;
}

namespace {

std::string OutputsText(const ModelInfo& info, const std::vector<std::vector<int64_t>>& shapes) {
  std::string s;
  for (size_t i = 0; i < shapes.size(); ++i) {
    s +=
        (i ? ", " : "") + (i < info.output_names.size() ? info.output_names[i] : "output" + std::to_string(i)) + " " + ShapeText(shapes[i]);
  }
  return s;
}

}  // namespace

Head HeadFromShape(const ModelInfo& info, const std::vector<std::vector<int64_t>>& shapes, const std::string& where) {
  const std::vector<int64_t>& out0 = shapes.at(0);
  const int64_t nm = info.task == Task::kSegment && shapes.size() > 1 && shapes[1].size() == 4 ? shapes[1][1] : 0;
  const LayoutWidths w = ExpectedWidths(info, nm);
  auto expected = [&] {
    const std::string nc = info.names.empty() ? "nc" : std::to_string(info.names.size());
    return std::string("expected ") + TaskName(info.task) + " output0 [batch, " +
           (w.channels > 0 ? std::to_string(w.channels) : "4 + " + nc + " + extra") + ", anchors] (classic head) or [batch, max_det, " +
           (w.row > 0 ? std::to_string(w.row) : "6 + extra") + "] (end-to-end or nms=True export)";
  };
  if (out0.size() != 3) {
    throw Error(code::kModelUnsupported, where + "its outputs are " + OutputsText(info, shapes) + "; " + expected());
  }
  const int64_t axis1 = out0[1], axis2 = out0[2];
  // Each layout is confirmed by its fixed-width axis equal to the expected width, refuted by a known different one.
  const bool classic_confirmed = w.channels > 0 && axis1 == w.channels;
  const bool classic_refuted = w.channels > 0 && axis1 >= 0 && axis1 != w.channels;
  const bool rows_confirmed = w.row > 0 && axis2 == w.row;
  const bool rows_refuted = w.row > 0 && axis2 >= 0 && axis2 != w.row;
  if (classic_confirmed && rows_confirmed) {
    throw Error(code::kModelUnsupported,
                where + "its output0 " + ShapeText(out0) + " fits both the classic and the row layout; " + expected());
  }
  if (classic_confirmed) return Head::kClassic;
  if (rows_confirmed) return Head::kEnd2End;
  if (classic_refuted && rows_refuted) {
    throw Error(code::kModelUnsupported, where + "its outputs are " + OutputsText(info, shapes) + "; " + expected());
  }
  if (rows_refuted) return Head::kClassic;  // no class names: the classic width gives the class count later
  if (classic_refuted) return Head::kEnd2End;
  return Head::kAuto;
}

void ExplainTopKFailure(const std::vector<int64_t>& input_shape, const std::string& ort_message) {
  // ORT: "... running TopK node. ... k argument [300] should not be greater than specified axis dim value [21]"
  if (ort_message.find("TopK") == std::string::npos) return;
  auto bracketed = [&](const char* after) -> std::string {
    const size_t at = ort_message.find(after);
    if (at == std::string::npos) return "";
    const size_t open = ort_message.find('[', at), close = ort_message.find(']', open);
    return open == std::string::npos || close == std::string::npos ? "" : ort_message.substr(open + 1, close - open - 1);
  };
  const std::string k = bracketed("k argument"), anchors = bracketed("axis dim value");
  if (k.empty() || anchors.empty()) return;
  const std::string size = input_shape.size() == 4 ? std::to_string(input_shape[3]) + "x" + std::to_string(input_shape[2]) : "this";
  throw Error(code::kInvalidArgument,
              "this end-to-end model selects its top " + k + " boxes inside the graph, and a " + size + " input has only " + anchors +
                  " anchors: use a larger imgsz (Ultralytics fails on this input too). ONNX Runtime: " + ort_message);
}

}  // namespace yolo
