// Non-maximum suppression, as torchvision.ops.nms (axis-aligned) and Ultralytics' nms_rotated (probiou).
// Every entry point has a scalar reference and a SIMD path that must give identical results (tests compare them).
#pragma once
#include <vector>

namespace yolo {

// boxes: n x 4 (x1, y1, x2, y2), already sorted by descending score. A box is suppressed when its IoU with a
// kept box is > iou_threshold. Returns the kept indices in order, at most max_keep of them.
std::vector<int> NmsSorted(const float* boxes, int n, float iou_threshold, int max_keep, bool simd);

// boxes: n x 5 (cx, cy, w, h, angle in radians), sorted by descending score. A box is dropped when any
// higher-scoring box (kept or not) has probiou >= iou_threshold. Returns kept indices in order.
std::vector<int> NmsRotatedSorted(const float* boxes, int n, float iou_threshold, int max_keep, bool simd);

}  // namespace yolo
