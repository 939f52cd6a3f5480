#include "simd.h"

#include <algorithm>

namespace yolo {

// Portable path (the SIMD variants replace this; see docs).
void SuppressByIou(const float* x1, const float* y1, const float* x2, const float* y2, const float* area, uint8_t* flags,
                   int begin, int end, float ix1, float iy1, float ix2, float iy2, float iarea, float threshold) {
  for (int j = begin; j < end; ++j) {
    const float w = std::max(0.f, std::min(ix2, x2[j]) - std::max(ix1, x1[j]));
    const float h = std::max(0.f, std::min(iy2, y2[j]) - std::max(iy1, y1[j]));
    const float inter = w * h;
    if (inter / (iarea + area[j] - inter) > threshold) flags[j] = 1;
  }
}

const char* SimdPath() { return "scalar"; }

}  // namespace yolo
