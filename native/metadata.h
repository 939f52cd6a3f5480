// Reads Ultralytics' ONNX export metadata (Python-repr strings such as names="{0: 'person', ...}") and checks
// that the graph's outputs fit the task it names.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "types.h"

namespace yolo {

// Parses "{0: 'person', 1: \"o'clock\"}" into names indexed by key. Throws yolo::Error on malformed text.
std::vector<std::string> ParsePythonNames(const std::string& text);

// Fills task, names, stride, imgsz, kpt_shape and the output layout (head: metadata end2end / args nms first, then
// the declared shapes, output_layout.h) from info.metadata, and validates them against the output shapes; refuses
// a 'channels' other than 3.
void ApplyUltralyticsMetadata(ModelInfo& info, const std::vector<std::vector<int64_t>>& output_shapes, const std::string& where);

}  // namespace yolo
