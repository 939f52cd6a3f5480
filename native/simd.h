// Vectorised inner loops, dispatched at run time: AVX2+FMA on x86-64 CPUs that have it, NEON on arm64 (OpenCV
// universal intrinsics), portable scalar code elsewhere. Each must equal its scalar reference bit for bit.
#pragma once
#include <cstdint>

namespace yolo {

// Sets flags[j] = 1 for j in [begin, end) where IoU(box i, box j) > threshold (same float arithmetic as the scalar
// loop in nms.cc: inter / (area_i + area_j - inter)).
void SuppressByIou(const float* x1, const float* y1, const float* x2, const float* y2, const float* area, uint8_t* flags,
                   int begin, int end, float ix1, float iy1, float ix2, float iy2, float iarea, float threshold);

// Which SIMD path is active ("avx2", "neon", "sse2", "scalar").
const char* SimdPath();

}  // namespace yolo
