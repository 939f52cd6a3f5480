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
    x1[i] = boxes[4 * i];
    y1[i] = boxes[4 * i + 1];
    x2[i] = boxes[4 * i + 2];
    y2[i] = boxes[4 * i + 3];
    area[i] = (x2[i] - x1[i]) * (y2[i] - y1[i]);  // torchvision: no +1
  }
  std::vector<uint8_t> suppressed(n, 0);
  for (int i = 0; i < n && static_cast<int>(keep.size()) < max_keep; ++i) {
    if (suppressed[i]) continue;
    keep.push_back(i);
    if (simd) {
      SuppressByIou(x1.data(), y1.data(), x2.data(), y2.data(), area.data(), suppressed.data(), i + 1, n, x1[i], y1[i], x2[i], y2[i],
                    area[i], iou_threshold);
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

// Ultralytics nms_rotated (8.3.160, use_triu=True): "fast NMS" over batch_probiou; box j is dropped when any
// higher-scoring box i < j, kept or not, has probiou(i, j) >= iou_threshold (float32 comparison). Box j's fate
// depends only on the rows i < j, so the scan stops as soon as max_keep boxes are kept.
std::vector<int> NmsRotatedSorted(const float* boxes, int n, float iou_threshold, int max_keep, bool simd) {
  std::vector<int> keep;
  if (n <= 0 || max_keep <= 0) return keep;
  // _get_covariance_matrix, float32: a = w^2/12, b = h^2/12, then rotated by the raw angle.
  std::vector<float> x(n), y(n), a(n), b(n), c(n), det(n);
  for (int i = 0; i < n; ++i) {
    const float* r = boxes + 5 * static_cast<size_t>(i);
    x[i] = r[0];
    y[i] = r[1];
    const float ga = (r[2] * r[2]) / 12.f, gb = (r[3] * r[3]) / 12.f;
    const float cos = std::cos(r[4]), sin = std::sin(r[4]);
    const float cos2 = cos * cos, sin2 = sin * sin;
    a[i] = ga * cos2 + gb * sin2;
    b[i] = ga * sin2 + gb * cos2;
    c[i] = ((ga - gb) * cos) * sin;
    det[i] = std::max(0.f, a[i] * b[i] - c[i] * c[i]);  // (a*b - c^2).clamp_(0)
  }
  const SimdKernels& kernels = Kernels(simd);
  std::vector<uint8_t> dropped(n, 0);
  for (int i = 0; i < n; ++i) {
    if (!dropped[i]) {
      keep.push_back(i);
      if (static_cast<int>(keep.size()) >= max_keep) break;
    }
    kernels.suppress_by_probiou(x.data(), y.data(), a.data(), b.data(), c.data(), det.data(), dropped.data(), i + 1, n, x[i], y[i], a[i],
                                b[i], c[i], det[i], iou_threshold);
  }
  return keep;
}

}  // namespace yolo
