// The AVX2 compilation of simd_kernels.inl (CMakeLists.txt adds -mavx2 -mfma -mf16c to this file only). Its OpenCV
// universal intrinsics live in cv::hal_AVX2 (CV_CPU_DISPATCH_MODE) and our kernels in yolo::simd_avx2, so nothing
// compiled here with AVX2 can be picked by the linker for the baseline code. Used only when the CPU has AVX2 + FMA.
#include "simd.h"

#if (defined(__x86_64__) || defined(_M_X64)) && defined(__AVX2__)
#define CV_CPU_DISPATCH_MODE AVX2
#include <opencv2/core/simd_intrinsics.hpp>
#if !CV_SIMD256
#error "simd_avx2.cc: OpenCV universal intrinsics did not select 256-bit vectors"
#endif
#define YOLO_SIMD_NS simd_avx2
#include "simd_kernels.inl"
#else
namespace yolo {
namespace simd_avx2 {
const SimdKernels* Table() { return nullptr; }
}  // namespace simd_avx2
}  // namespace yolo
#endif
