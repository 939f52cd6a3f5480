// Vectorised inner loops, dispatched at run time: AVX2(+FMA CPU level) on x86-64 CPUs that have it, SSE2 otherwise
// on x86-64, NEON on arm64 (all three from one source, native/simd_kernels.inl, written with OpenCV universal
// intrinsics), and the portable scalar reference. Every SIMD kernel must equal its scalar reference BIT FOR BIT
// (the whole target builds with -ffp-contract=off; never use v_fma / v_muladd where the reference multiplies and
// adds separately; use real division). Tests compare PredictOptions.simd = false against true on the goldens.
//
// HOW TO ADD A KERNEL (example: probiou for rotated NMS)
//   1. simd.h:              add a function-pointer member to SimdKernels (document the exact arithmetic).
//   2. simd.cc:             write the scalar reference (namespace scalar) and put it in kScalar.
//   3. simd_kernels.inl:    write the universal-intrinsics version (width-agnostic: v_float32, v_float32::nlanes,
//                           vx_load / vx_setall_f32 ...; a scalar tail for the last < nlanes elements using the
//                           same formula) and add it to the kKernels table at the end of that file, in member order.
//                           Until it is vectorised, the table entry may point at the scalar reference
//                           (yolo::scalar::YourKernel, declared below).
//   4. Call it as Kernels(options.simd).your_kernel(...), so that simd=false selects the scalar reference.
//   5. test/simd.test.mjs compares both paths; add a case that reaches your kernel.
// The .inl is compiled twice on x86-64 (simd.cc: SSE2 baseline; simd_avx2.cc: -mavx2 -mfma, see CMakeLists.txt),
// each time inside its own namespace (yolo::simd_baseline / yolo::simd_avx2, and OpenCV's HAL namespace
// cv::hal_baseline / cv::hal_AVX2), so the two compilations never share an inline symbol (no ODR clash).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace yolo {

// Pillow's 8-bit resampling (Resample.c, the classify transform): weights in fixed point with this many fraction
// bits (PRECISION_BITS = 32 - 8 - 2), sums in int32 starting from half a unit, then clip8: (sum >> 22) clamped to
// 0..255. Integer sums are exact in any order (BILINEAR weights are >= 0 and sum to about 2^22, so 255 * 2^22 fits
// int32), which is why the SIMD kernels equal the scalar references by construction.
constexpr int kResamplePrecisionBits = 22;

// The taps of a horizontal resample of interleaved 3-channel pixels, laid out for the row kernels: output i reads
// source pixels start[i] + x for x < count[i] (Pillow's xmin and xmax), with tap x's weight repeated for the three
// channels and a 0 for a fourth lane at weight4[((i * span) + x) * 4 + c]. The slots from count[i] up to span hold 0,
// so a SIMD path may read taps in groups of kTapGroup (AVX2: two pixels of four int32 lanes per vector).
struct HorizontalTaps {
  static constexpr int kTapGroup = 2;
  int n = 0;               // output pixels
  int span = 0;            // weight slots per output: the largest count, rounded up to kTapGroup
  std::vector<int> start;  // non-decreasing, as is start + count
  std::vector<int> count;
  std::vector<int32_t> weight4;  // n * span * 4
  int SourceBegin() const { return start.front(); }
  int SourceEnd() const { return start.back() + count.back(); }  // one past the last source pixel read
  // Scratch the kernels need: 4 bytes per pixel from SourceBegin up to the last output's start + span.
  size_t ScratchBytes() const { return 4 * static_cast<size_t>(start.back() + span - start.front()); }
};

struct SimdKernels {
  // flags[j] = 1 for j in [begin, end) where IoU(box i, box j) > threshold, i = (ix1, iy1, ix2, iy2, iarea); flags
  // already set stay set. Float arithmetic exactly as nms.cc / torchvision: w = max(0, min(ix2,x2)-max(ix1,x1)),
  // h likewise, inter = w*h, iou = inter / ((iarea + area[j]) - inter).
  void (*suppress_by_iou)(const float* x1, const float* y1, const float* x2, const float* y2, const float* area, uint8_t* flags, int begin,
                          int end, float ix1, float iy1, float ix2, float iy2, float iarea, float threshold);

  // Mask logits of one prototype row segment: out[j] = sum_{k=0..nk-1} coeffs[k] * protos[k * plane + j] for
  // j in [0, n), accumulated from 0.f in k order, one rounded multiply and one rounded add per term (no FMA).
  void (*mask_dot)(const float* protos, size_t plane, const float* coeffs, int nk, float* out, int n);

  // Vertical half of the bilinear upsample, then the > 0 threshold: out[j] = ((r0[j] * w0) + (r1[j] * w1)) > 0.f
  // (1 or 0), j in [0, n).
  void (*blend_rows_positive)(const float* r0, const float* r1, float w0, float w1, uint8_t* out, int n);

  // Rotated NMS (Ultralytics batch_probiou, float32): flags[j] = 1 for j in [begin, end) where
  // probiou(box i, box j) >= threshold; flags already set stay set. Per box: centre (x, y), covariance (a, b, c) and
  // det = max(0, a*b - c*c); box i is (ix, iy, ia, ib, ic, idet). The algebra (vectorised):
  //   A = ia+a, B = ib+b, C = ic+c, dy = iy-y, D = A*B - C*C, den = D + 1e-7
  //   t12 = ((A*(dy*dy) + B*((ix-x)*(ix-x))) / den) * 0.25 + (((C*(x-ix))*dy) / den) * 0.5
  //   arg = D / (4*sqrt(idet*det) + 1e-7) + 1e-7
  // then scalar::ProbiouAtLeast(t12, arg, threshold) (the transcendentals, always the scalar libm ones).
  void (*suppress_by_probiou)(const float* x, const float* y, const float* a, const float* b, const float* c, const float* det,
                              uint8_t* flags, int begin, int end, float ix, float iy, float ia, float ib, float ic, float idet,
                              float threshold);

  // Letterbox tail: one row of interleaved BGR uint8 -> three float planes in RGB order, each value v / 255.f
  // (float32 division, correctly rounded, so equal to a table of i / 255.f), j in [0, n).
  void (*bgr_to_unit_rgb)(const uint8_t* bgr, int n, float* r, float* g, float* b);

  // Pillow ImagingResampleHorizontal_8bpc for one row of interleaved 3-channel pixels: for i in [0, taps.n), c < 3,
  // out[3i + c] = clip8(2^21 + sum_{x < count[i]} src[3 (start[i] + x) + c] * weight(i, x)) (see kResamplePrecisionBits).
  // `scratch` holds taps.ScratchBytes() bytes (the SIMD paths widen the pixels to 4 lanes there).
  void (*resample_horizontal_bgr)(const uint8_t* src, const HorizontalTaps& taps, uint8_t* scratch, uint8_t* out);

  // Pillow ImagingResampleVertical_8bpc for one output row: out[j] = clip8(2^21 + sum_{y < taps} rows[y][j] * weight[y])
  // for j in [0, n) (bytes, so any channel layout).
  void (*resample_vertical)(const uint8_t* const* rows, const int32_t* weight, int taps, int n, uint8_t* out);
};

// The scalar reference kernels (also what the tables point at for kernels that are not vectorised).
namespace scalar {
void SuppressByIou(const float* x1, const float* y1, const float* x2, const float* y2, const float* area, uint8_t* flags, int begin,
                   int end, float ix1, float iy1, float ix2, float iy2, float iarea, float threshold);
void MaskDot(const float* protos, size_t plane, const float* coeffs, int nk, float* out, int n);
void BlendRowsPositive(const float* r0, const float* r1, float w0, float w1, uint8_t* out, int n);
void SuppressByProbiou(const float* x, const float* y, const float* a, const float* b, const float* c, const float* det, uint8_t* flags,
                       int begin, int end, float ix, float iy, float ia, float ib, float ic, float idet, float threshold);
// The transcendental tail of batch_probiou, shared by every path (never inlined into a SIMD compilation):
// t3 = log(arg) * 0.5; bd = clamp(t12 + t3, 1e-7, 100); iou = 1 - sqrt(1 - exp(-bd) + 1e-7); returns iou >= threshold.
// Shortcut (exact): t12 >= 100 and arg >= 1 (so t3 >= 0) means bd == 100, whose answer is computed once per call.
bool ProbiouAtLeast(float t12, float arg, float threshold);
void BgrToUnitRgb(const uint8_t* bgr, int n, float* r, float* g, float* b);
void ResampleHorizontalBgr(const uint8_t* src, const HorizontalTaps& taps, uint8_t* scratch, uint8_t* out);
void ResampleHorizontalBgrPixel(const uint8_t* src, const HorizontalTaps& taps, int i, uint8_t* out);  // output i only
void ResampleVertical(const uint8_t* const* rows, const int32_t* weight, int taps, int n, uint8_t* out);
bool ProbiouFarAtLeast(float threshold);  // the answer for bd == 100
}  // namespace scalar

const SimdKernels& ScalarKernels();  // the references
const SimdKernels& ActiveKernels();  // best path for this CPU (chosen once; YOLO_NATIVE_SIMD=scalar|baseline forces one)
inline const SimdKernels& Kernels(bool simd) { return simd ? ActiveKernels() : ScalarKernels(); }

// Which SIMD path ActiveKernels() is ("avx2", "neon", "sse2", "scalar").
const char* SimdPath();

// Active-path shortcut kept for nms.cc.
void SuppressByIou(const float* x1, const float* y1, const float* x2, const float* y2, const float* area, uint8_t* flags, int begin,
                   int end, float ix1, float iy1, float ix2, float iy2, float iarea, float threshold);

// Per-compilation tables (internal to simd*.cc; nullptr where that path is not built for this target).
namespace simd_baseline {
const SimdKernels* Table();
const char* Name();
}  // namespace simd_baseline
namespace simd_avx2 {
const SimdKernels* Table();
}

}  // namespace yolo
