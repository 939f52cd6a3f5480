#include "nms.h"

#include <algorithm>
#include <cmath>

#include "simd.h"

namespace yolo {

std::vector<int> NmsSorted(const float* boxes, int n, float iou_threshold, int max_keep, bool simd) {
  std::vector<int> keep;
  if (n <= 0) return keep;
  std::vector<float> x1(n), y1(n), x2(n), y2(n), area(n);
  for (int i = 0; i < n; ++i) {
    x1[i] = boxes[4 * i]; y1[i] = boxes[4 * i + 1]; x2[i] = boxes[4 * i + 2]; y2[i] = boxes[4 * i + 3];
    area[i] = (x2[i] - x1[i]) * (y2[i] - y1[i]);  // torchvision: no +1
  }
  std::vector<uint8_t> suppressed(n, 0);
  for (int i = 0; i < n && static_cast<int>(keep.size()) < max_keep; ++i) {
    if (suppressed[i]) continue;
    keep.push_back(i);
    if (simd) {
      SuppressByIou(x1.data(), y1.data(), x2.data(), y2.data(), area.data(), suppressed.data(), i + 1, n, x1[i], y1[i], x2[i], y2[i], area[i], iou_threshold);
      continue;
    }
    for (int j = i + 1; j < n; ++j) {
      if (suppressed[j]) continue;
      const float w = std::max(0.f, std::min(x2[i], x2[j]) - std::max(x1[i], x1[j]));
      const float h = std::max(0.f, std::min(y2[i], y2[j]) - std::max(y1[i], y1[j]));
      const float inter = w * h;
      const float iou = inter / (area[i] + area[j] - inter);
      if (iou > iou_threshold) suppressed[j] = 1;
    }
  }
  return keep;
}

}  // namespace yolo
