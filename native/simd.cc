// Scalar reference kernels, the baseline compilation of simd_kernels.inl (SSE2 on x86-64, NEON on arm64; none
// elsewhere) and the run-time choice of the active path. See simd.h.
#include "simd.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace yolo {
namespace scalar {

void SuppressByIou(const float* x1, const float* y1, const float* x2, const float* y2, const float* area, uint8_t* flags, int begin,
                   int end, float ix1, float iy1, float ix2, float iy2, float iarea, float threshold) {
  for (int j = begin; j < end; ++j) {
    const float w = std::max(0.f, std::min(ix2, x2[j]) - std::max(ix1, x1[j]));
    const float h = std::max(0.f, std::min(iy2, y2[j]) - std::max(iy1, y1[j]));
    const float inter = w * h;
    if (inter / ((iarea + area[j]) - inter) > threshold) flags[j] = 1;
  }
}

void MaskDot(const float* protos, size_t plane, const float* coeffs, int nk, float* out, int n) {
  for (int j = 0; j < n; ++j) out[j] = 0.f;
  for (int k = 0; k < nk; ++k) {
    const float c = coeffs[k];
    const float* p = protos + k * plane;
    for (int j = 0; j < n; ++j) out[j] = out[j] + c * p[j];
  }
}

void BlendRowsPositive(const float* r0, const float* r1, float w0, float w1, uint8_t* out, int n) {
  for (int j = 0; j < n; ++j) out[j] = ((r0[j] * w0) + (r1[j] * w1)) > 0.f ? 1 : 0;
}

namespace {
constexpr float kProbiouEps = 1e-7f;

bool ProbiouFromBd(float bd, float threshold) {
  bd = std::min(std::max(bd, kProbiouEps), 100.f);  // torch clamp(eps, 100)
  const float hd = std::sqrt((1.f - std::exp(-bd)) + kProbiouEps);
  return 1.f - hd >= threshold;
}
}  // namespace

bool ProbiouFarAtLeast(float threshold) { return ProbiouFromBd(100.f, threshold); }

bool ProbiouAtLeast(float t12, float arg, float threshold) {
  if (t12 >= 100.f && arg >= 1.f) return ProbiouFarAtLeast(threshold);
  const float t3 = std::log(arg) * 0.5f;
  return ProbiouFromBd(t12 + t3, threshold);
}

void SuppressByProbiou(const float* x, const float* y, const float* a, const float* b, const float* c, const float* det, uint8_t* flags,
                       int begin, int end, float ix, float iy, float ia, float ib, float ic, float idet, float threshold) {
  for (int j = begin; j < end; ++j) {
    if (flags[j]) continue;  // already dropped: the answer cannot change
    const float A = ia + a[j], B = ib + b[j], C = ic + c[j];
    const float dy = iy - y[j], dx = ix - x[j], dx2 = x[j] - ix;
    const float D = A * B - C * C;
    const float den = D + kProbiouEps;
    const float t1 = ((A * (dy * dy) + B * (dx * dx)) / den) * 0.25f;
    const float t2 = (((C * dx2) * dy) / den) * 0.5f;
    const float arg = D / (4.f * std::sqrt(idet * det[j]) + kProbiouEps) + kProbiouEps;
    if (ProbiouAtLeast(t1 + t2, arg, threshold)) flags[j] = 1;
  }
}

void BgrToUnitRgb(const uint8_t* bgr, int n, float* r, float* g, float* b) {
  for (int j = 0; j < n; ++j) {
    b[j] = static_cast<float>(bgr[3 * j]) / 255.f;
    g[j] = static_cast<float>(bgr[3 * j + 1]) / 255.f;
    r[j] = static_cast<float>(bgr[3 * j + 2]) / 255.f;
  }
}

namespace {
constexpr int32_t kResampleBias = 1 << (kResamplePrecisionBits - 1);

// Pillow clip8 (a table over -640..639, which a BILINEAR sum never leaves): the integer part, clamped to 0..255.
inline uint8_t Clip8(int32_t sum) {
  const int32_t v = sum >> kResamplePrecisionBits;
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}
}  // namespace

void ResampleHorizontalBgrPixel(const uint8_t* src, const HorizontalTaps& taps, int i, uint8_t* out) {
  const uint8_t* p = src + 3 * static_cast<size_t>(taps.start[i]);
  const int32_t* k = &taps.weight4[static_cast<size_t>(i) * taps.span * 4];
  int32_t s0 = kResampleBias, s1 = kResampleBias, s2 = kResampleBias;
  for (int x = 0; x < taps.count[i]; ++x) {
    const int32_t w = k[4 * x];
    s0 += p[3 * x] * w;
    s1 += p[3 * x + 1] * w;
    s2 += p[3 * x + 2] * w;
  }
  out[3 * i] = Clip8(s0);
  out[3 * i + 1] = Clip8(s1);
  out[3 * i + 2] = Clip8(s2);
}

void ResampleHorizontalBgr(const uint8_t* src, const HorizontalTaps& taps, uint8_t* scratch, uint8_t* out) {
  for (int i = 0; i < taps.n; ++i) ResampleHorizontalBgrPixel(src, taps, i, out);
}

// Row by row over chunks of the output (the sums are exact, so this is Pillow's pixel-by-pixel result).
void ResampleVertical(const uint8_t* const* rows, const int32_t* weight, int taps, int n, uint8_t* out) {
  constexpr int kChunk = 512;
  int32_t sum[kChunk];
  for (int j0 = 0; j0 < n; j0 += kChunk) {
    const int m = std::min(kChunk, n - j0);
    std::fill(sum, sum + m, kResampleBias);
    for (int y = 0; y < taps; ++y) {
      const uint8_t* row = rows[y] + j0;
      const int32_t w = weight[y];
      for (int j = 0; j < m; ++j) sum[j] += row[j] * w;
    }
    for (int j = 0; j < m; ++j) out[j0 + j] = Clip8(sum[j]);
  }
}

}  // namespace scalar
}  // namespace yolo

// Baseline compilation of the universal-intrinsics kernels (whatever the target's default flags enable).
#include <opencv2/core/simd_intrinsics.hpp>
#define YOLO_SIMD_NS simd_baseline
#include "simd_kernels.inl"
#undef YOLO_SIMD_NS

namespace yolo {
namespace simd_baseline {
const char* Name() {
#if CV_SIMD && CV_NEON
  return "neon";
#elif CV_SIMD && CV_SSE2
  return "sse2";
#elif CV_SIMD
  return "simd128";
#else
  return "scalar";
#endif
}
}  // namespace simd_baseline

namespace {

const SimdKernels kScalar = {
    &scalar::SuppressByIou,     &scalar::MaskDot,      &scalar::BlendRowsPositive,
    &scalar::SuppressByProbiou, &scalar::BgrToUnitRgb, &scalar::ResampleHorizontalBgr,
    &scalar::ResampleVertical,
};

struct Active {
  const SimdKernels* table = &kScalar;
  const char* name = "scalar";
};

// Chosen once. YOLO_NATIVE_SIMD=scalar forces the references, =baseline skips AVX2 (for benchmarks / debugging).
const Active& Choose() {
  static const Active active = [] {
    Active a;
    const char* env = std::getenv("YOLO_NATIVE_SIMD");
    const bool force_scalar = env && std::strcmp(env, "scalar") == 0;
    const bool no_avx2 = env && std::strcmp(env, "baseline") == 0;
    if (force_scalar) return a;
#if defined(__x86_64__) || defined(_M_X64)
#if defined(__GNUC__)
    if (!no_avx2 && simd_avx2::Table() && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
      a.table = simd_avx2::Table();
      a.name = "avx2";
      return a;
    }
#endif
#endif
    (void)no_avx2;
    if (simd_baseline::Table()) {
      a.table = simd_baseline::Table();
      a.name = simd_baseline::Name();
    }
    return a;
  }();
  return active;
}

}  // namespace

const SimdKernels& ScalarKernels() { return kScalar; }
const SimdKernels& ActiveKernels() { return *Choose().table; }
const char* SimdPath() { return Choose().name; }

void SuppressByIou(const float* x1, const float* y1, const float* x2, const float* y2, const float* area, uint8_t* flags, int begin,
                   int end, float ix1, float iy1, float ix2, float iy2, float iarea, float threshold) {
  ActiveKernels().suppress_by_iou(x1, y1, x2, y2, area, flags, begin, end, ix1, iy1, ix2, iy2, iarea, threshold);
}

}  // namespace yolo
