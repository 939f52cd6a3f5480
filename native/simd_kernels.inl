// SIMD kernels written once with OpenCV universal intrinsics (width-agnostic: 128-bit SSE2 / NEON, 256-bit AVX2).
// NOT a standalone header: included by simd.cc (baseline) and simd_avx2.cc (AVX2), each after choosing the ISA
// (CV_CPU_DISPATCH_MODE / compiler flags) and defining YOLO_SIMD_NS to its own namespace. See simd.h for the
// contract (bit-identical to the scalar references in simd.cc) and for how to add a kernel.
#ifndef YOLO_SIMD_NS
#error "define YOLO_SIMD_NS before including simd_kernels.inl"
#endif

#include <cstring>

#include "simd.h"

namespace yolo {
namespace YOLO_SIMD_NS {
namespace {

using namespace cv;  // the universal intrinsics of this compilation (cv::hal_baseline or cv::hal_AVX2)

#if CV_SIMD
constexpr int kLanes = v_float32::nlanes;

void SuppressByIou(const float* x1, const float* y1, const float* x2, const float* y2, const float* area, uint8_t* flags, int begin,
                   int end, float ix1, float iy1, float ix2, float iy2, float iarea, float threshold) {
  int j = begin;
  const v_float32 vx1 = vx_setall_f32(ix1), vy1 = vx_setall_f32(iy1), vx2 = vx_setall_f32(ix2), vy2 = vx_setall_f32(iy2);
  const v_float32 varea = vx_setall_f32(iarea), vthr = vx_setall_f32(threshold), zero = vx_setzero_f32();
  for (; j + kLanes <= end; j += kLanes) {
    const v_float32 w = v_max(zero, v_min(vx2, vx_load(x2 + j)) - v_max(vx1, vx_load(x1 + j)));
    const v_float32 h = v_max(zero, v_min(vy2, vx_load(y2 + j)) - v_max(vy1, vx_load(y1 + j)));
    const v_float32 inter = w * h;
    const v_float32 iou = inter / ((varea + vx_load(area + j)) - inter);
    unsigned m = static_cast<unsigned>(v_signmask(iou > vthr));
    while (m) {
      flags[j + __builtin_ctz(m)] = 1;
      m &= m - 1;
    }
  }
  if (j < end) scalar::SuppressByIou(x1, y1, x2, y2, area, flags, j, end, ix1, iy1, ix2, iy2, iarea, threshold);
}

void MaskDot(const float* protos, size_t plane, const float* coeffs, int nk, float* out, int n) {
  int j = 0;
  // Four independent accumulators (4 vectors of output) per pass: the k chain is serial per element.
  for (; j + 4 * kLanes <= n; j += 4 * kLanes) {
    v_float32 a0 = vx_setzero_f32(), a1 = vx_setzero_f32(), a2 = vx_setzero_f32(), a3 = vx_setzero_f32();
    const float* p = protos + j;
    for (int k = 0; k < nk; ++k, p += plane) {
      const v_float32 c = vx_setall_f32(coeffs[k]);
      a0 = a0 + c * vx_load(p);
      a1 = a1 + c * vx_load(p + kLanes);
      a2 = a2 + c * vx_load(p + 2 * kLanes);
      a3 = a3 + c * vx_load(p + 3 * kLanes);
    }
    v_store(out + j, a0);
    v_store(out + j + kLanes, a1);
    v_store(out + j + 2 * kLanes, a2);
    v_store(out + j + 3 * kLanes, a3);
  }
  for (; j + kLanes <= n; j += kLanes) {
    v_float32 a0 = vx_setzero_f32();
    const float* p = protos + j;
    for (int k = 0; k < nk; ++k, p += plane) a0 = a0 + vx_setall_f32(coeffs[k]) * vx_load(p);
    v_store(out + j, a0);
  }
  if (j < n) scalar::MaskDot(protos + j, plane, coeffs, nk, out + j, n - j);
}

void BlendRowsPositive(const float* r0, const float* r1, float w0, float w1, uint8_t* out, int n) {
  int j = 0;
  const v_float32 vw0 = vx_setall_f32(w0), vw1 = vx_setall_f32(w1), zero = vx_setzero_f32();
  const v_int32 one = vx_setall_s32(1);
  for (; j + 4 * kLanes <= n; j += 4 * kLanes) {
    v_int32 b[4];
    for (int q = 0; q < 4; ++q) {
      const int o = j + q * kLanes;
      const v_float32 v = (vx_load(r0 + o) * vw0) + (vx_load(r1 + o) * vw1);
      b[q] = v_reinterpret_as_s32(v > zero) & one;
    }
    v_store(out + j, v_pack_u(v_pack(b[0], b[1]), v_pack(b[2], b[3])));
  }
  if (j < n) scalar::BlendRowsPositive(r0 + j, r1 + j, w0, w1, out + j, n - j);
}

void SuppressByProbiou(const float* x, const float* y, const float* a, const float* b, const float* c, const float* det, uint8_t* flags,
                       int begin, int end, float ix, float iy, float ia, float ib, float ic, float idet, float threshold) {
  // The algebra of scalar::SuppressByProbiou lane-wise (same operations in the same order; v_sqrt is the correctly
  // rounded IEEE sqrt like std::sqrt), the log / exp tail through the scalar scalar::ProbiouAtLeast, except for the
  // common "far apart" lanes (t12 >= 100 and arg >= 1), whose answer is the same constant on both paths.
  int j = begin;
  const v_float32 vx = vx_setall_f32(ix), vy = vx_setall_f32(iy), va = vx_setall_f32(ia), vb = vx_setall_f32(ib);
  const v_float32 vc = vx_setall_f32(ic), vdet = vx_setall_f32(idet), eps = vx_setall_f32(1e-7f);
  const v_float32 quarter = vx_setall_f32(0.25f), half = vx_setall_f32(0.5f), four = vx_setall_f32(4.f);
  const v_float32 hundred = vx_setall_f32(100.f), one = vx_setall_f32(1.f);
  const bool far_answer = scalar::ProbiouFarAtLeast(threshold);
  alignas(64) float t12_buf[kLanes], arg_buf[kLanes];
  for (; j + kLanes <= end; j += kLanes) {
    const v_float32 xj = vx_load(x + j), yj = vx_load(y + j);
    const v_float32 A = va + vx_load(a + j), B = vb + vx_load(b + j), C = vc + vx_load(c + j);
    const v_float32 dy = vy - yj, dx = vx - xj, dx2 = xj - vx;
    const v_float32 D = (A * B) - (C * C);
    const v_float32 den = D + eps;
    const v_float32 t1 = (((A * (dy * dy)) + (B * (dx * dx))) / den) * quarter;
    const v_float32 t2 = (((C * dx2) * dy) / den) * half;
    const v_float32 t12 = t1 + t2;
    const v_float32 arg = (D / ((four * v_sqrt(vdet * vx_load(det + j))) + eps)) + eps;
    const unsigned far = static_cast<unsigned>(v_signmask((t12 >= hundred) & (arg >= one)));
    constexpr unsigned all = kLanes >= 32 ? ~0u : (1u << kLanes) - 1u;
    if (far == all) {
      if (far_answer) {
        for (int q = 0; q < kLanes; ++q) flags[j + q] = 1;
      }
      continue;
    }
    v_store_aligned(t12_buf, t12);
    v_store_aligned(arg_buf, arg);
    for (int q = 0; q < kLanes; ++q) {
      if (flags[j + q]) continue;
      const bool hit = (far >> q) & 1u ? far_answer : scalar::ProbiouAtLeast(t12_buf[q], arg_buf[q], threshold);
      if (hit) flags[j + q] = 1;
    }
  }
  if (j < end) scalar::SuppressByProbiou(x, y, a, b, c, det, flags, j, end, ix, iy, ia, ib, ic, idet, threshold);
}

// Stores the 4 float32 vectors of one u8 vector's lanes, each divided by 255.
inline void StoreUnit(const v_uint8& v, const v_float32& d255, float* out) {
  v_uint16 lo, hi;
  v_expand(v, lo, hi);
  v_uint32 q0, q1, q2, q3;
  v_expand(lo, q0, q1);
  v_expand(hi, q2, q3);
  v_store(out, v_cvt_f32(v_reinterpret_as_s32(q0)) / d255);
  v_store(out + kLanes, v_cvt_f32(v_reinterpret_as_s32(q1)) / d255);
  v_store(out + 2 * kLanes, v_cvt_f32(v_reinterpret_as_s32(q2)) / d255);
  v_store(out + 3 * kLanes, v_cvt_f32(v_reinterpret_as_s32(q3)) / d255);
}

void BgrToUnitRgb(const uint8_t* bgr, int n, float* r, float* g, float* b) {
  constexpr int kBytes = v_uint8::nlanes;
  const v_float32 d255 = vx_setall_f32(255.f);
  int j = 0;
  for (; j + kBytes <= n; j += kBytes) {
    v_uint8 vb, vg, vr;
    v_load_deinterleave(bgr + 3 * j, vb, vg, vr);
    StoreUnit(vb, d255, b + j);
    StoreUnit(vg, d255, g + j);
    StoreUnit(vr, d255, r + j);
  }
  if (j < n) scalar::BgrToUnitRgb(bgr + 3 * j, n - j, r + j, g + j, b + j);
}

// Pillow clip8 of four int32 sum vectors into one u8 vector: the arithmetic shift, then the saturating packs
// (int32 -> int16 -> u8) clamp to 0..255 exactly as clip8 does.
template <typename VInt32>
inline auto Clip8(const VInt32& a, const VInt32& b, const VInt32& c, const VInt32& d) {
  constexpr int kBits = kResamplePrecisionBits;
  return v_pack_u(v_pack(v_shr<kBits>(a), v_shr<kBits>(b)), v_pack(v_shr<kBits>(c), v_shr<kBits>(d)));
}

// The horizontal pass widens the source row to 4 bytes per pixel (B, G, R, 0) in scratch, so that one int32 vector
// holds the three channels of kTapsPerVector consecutive taps (one per 128 bits) and every kTapsPerVector taps are
// a load, a multiply and an add on the weight4 slots; 256-bit vectors then fold the two taps' halves, two outputs
// at a time (v_recombine). Every output runs the same number of steps (span / kTapsPerVector: the zero slots past
// its count add nothing), a compile-time count for the usual spans. HorizontalTaps pads for at most two taps per
// vector, so this pass stays at 256 bits even where the build has wider vectors.
#if CV_SIMD256
using TapInt32 = v_int32x8;
using TapBytes = v_uint8x32;
inline TapInt32 TapLoad(const int32_t* p) { return v256_load(p); }
inline TapInt32 TapPixels(const uint8_t* p) { return v_reinterpret_as_s32(v256_load_expand_q(p)); }
inline TapInt32 TapSplat(int32_t v) { return v256_setall_s32(v); }
inline TapBytes TapZeroBytes() { return v256_setzero_u8(); }
#else
using TapInt32 = v_int32x4;
using TapBytes = v_uint8x16;
inline TapInt32 TapLoad(const int32_t* p) { return v_load(p); }
inline TapInt32 TapPixels(const uint8_t* p) { return v_reinterpret_as_s32(v_load_expand_q(p)); }
inline TapInt32 TapSplat(int32_t v) { return v_setall_s32(v); }
inline TapBytes TapZeroBytes() { return v_setzero_u8(); }
#endif
constexpr int kTapsPerVector = TapInt32::nlanes / 4;
static_assert(HorizontalTaps::kTapGroup % kTapsPerVector == 0, "weight4 is not padded for this vector width");

template <int kSteps>  // 0: `steps` at run time
inline TapInt32 TapSum(const uint8_t* px, const int32_t* w, int steps) {
  constexpr int kStride = 4 * kTapsPerVector;
  const int n = kSteps ? kSteps : steps;
  TapInt32 s0 = TapPixels(px) * TapLoad(w), s1 = TapSplat(0);
  int x = 1;
  for (; x + 1 < n; x += 2) {  // two chains
    s1 += TapPixels(px + kStride * x) * TapLoad(w + kStride * x);
    s0 += TapPixels(px + kStride * (x + 1)) * TapLoad(w + kStride * (x + 1));
  }
  if (x < n) s1 += TapPixels(px + kStride * x) * TapLoad(w + kStride * x);
  return s0 + s1;
}

template <int kSteps>
void ResampleHorizontalSteps(const uint8_t* src, const HorizontalTaps& taps, const uint8_t* bgrx, uint8_t* out) {
  constexpr int kBytes = TapBytes::nlanes;
  constexpr int kOut = kBytes / 4;  // outputs per packed u8 vector
  const int steps = taps.span / kTapsPerVector, begin = taps.SourceBegin();
  const size_t wstride = static_cast<size_t>(taps.span) * 4;
  const auto sum = [&](int i) {
    return TapSum<kSteps>(bgrx + 4 * static_cast<size_t>(taps.start[i] - begin), &taps.weight4[i * wstride], steps);
  };
  const TapInt32 bias = TapSplat(1 << (kResamplePrecisionBits - 1));
  int i = 0;
  for (; i + kOut <= taps.n; i += kOut) {
    TapInt32 t0, t1, t2, t3;
    if constexpr (kTapsPerVector == 1) {
      t0 = sum(i), t1 = sum(i + 1), t2 = sum(i + 2), t3 = sum(i + 3);
    } else {
      TapInt32 lo, hi;
      v_recombine(sum(i), sum(i + 1), lo, hi);
      t0 = lo + hi;
      v_recombine(sum(i + 2), sum(i + 3), lo, hi);
      t1 = lo + hi;
      v_recombine(sum(i + 4), sum(i + 5), lo, hi);
      t2 = lo + hi;
      v_recombine(sum(i + 6), sum(i + 7), lo, hi);
      t3 = lo + hi;
    }
    const TapBytes bgr = v_pack_triplets(Clip8(t0 + bias, t1 + bias, t2 + bias, t3 + bias));  // B, G, R, 0 -> B, G, R
    if (3 * (i + kOut) + kBytes / 4 <= 3 * taps.n) {
      v_store(out + 3 * static_cast<size_t>(i), bgr);  // its last quarter is junk, rewritten by the next outputs
    } else {
      alignas(64) uint8_t packed[kBytes];
      v_store(packed, bgr);
      std::memcpy(out + 3 * static_cast<size_t>(i), packed, 3 * kOut);
    }
  }
  for (; i < taps.n; ++i) scalar::ResampleHorizontalBgrPixel(src, taps, i, out);
}

void ResampleHorizontalBgr(const uint8_t* src, const HorizontalTaps& taps, uint8_t* scratch, uint8_t* out) {
  constexpr int kBytes = TapBytes::nlanes;
  const int begin = taps.SourceBegin(), pixels = taps.SourceEnd() - begin;
  const uint8_t* row = src + 3 * static_cast<size_t>(begin);
  int p = 0;
  for (const TapBytes zero = TapZeroBytes(); p + kBytes <= pixels; p += kBytes) {
    TapBytes b, g, r;
    v_load_deinterleave(row + 3 * p, b, g, r);
    v_store_interleave(scratch + 4 * p, b, g, r, zero);
  }
  for (; p < pixels; ++p) {
    scratch[4 * p] = row[3 * p];
    scratch[4 * p + 1] = row[3 * p + 1];
    scratch[4 * p + 2] = row[3 * p + 2];
    scratch[4 * p + 3] = 0;
  }
  std::memset(scratch + 4 * static_cast<size_t>(pixels), 0, taps.ScratchBytes() - 4 * static_cast<size_t>(pixels));
  switch (taps.span / kTapsPerVector) {
    case 1: return ResampleHorizontalSteps<1>(src, taps, scratch, out);
    case 2: return ResampleHorizontalSteps<2>(src, taps, scratch, out);
    case 3: return ResampleHorizontalSteps<3>(src, taps, scratch, out);
    case 4: return ResampleHorizontalSteps<4>(src, taps, scratch, out);
    case 5: return ResampleHorizontalSteps<5>(src, taps, scratch, out);
    case 6: return ResampleHorizontalSteps<6>(src, taps, scratch, out);
    case 8: return ResampleHorizontalSteps<8>(src, taps, scratch, out);
    default: return ResampleHorizontalSteps<0>(src, taps, scratch, out);
  }
}

// Four vectors of bytes (one u8 vector of output) per pass, the taps' rows streamed in turn.
void ResampleVertical(const uint8_t* const* rows, const int32_t* weight, int taps, int n, uint8_t* out) {
  constexpr int kBytes = v_uint8::nlanes;
  if (n < kBytes) return scalar::ResampleVertical(rows, weight, taps, n, out);
  const v_int32 bias = vx_setall_s32(1 << (kResamplePrecisionBits - 1));
  for (int j = 0; j < n; j += kBytes) {
    if (j + kBytes > n) j = n - kBytes;  // the last block overlaps the previous one (same values rewritten)
    v_int32 s0 = bias, s1 = bias, s2 = bias, s3 = bias;
    for (int y = 0; y < taps; ++y) {
      const uint8_t* p = rows[y] + j;
      const v_int32 w = vx_setall_s32(weight[y]);
      s0 += v_reinterpret_as_s32(vx_load_expand_q(p)) * w;
      s1 += v_reinterpret_as_s32(vx_load_expand_q(p + kLanes)) * w;
      s2 += v_reinterpret_as_s32(vx_load_expand_q(p + 2 * kLanes)) * w;
      s3 += v_reinterpret_as_s32(vx_load_expand_q(p + 3 * kLanes)) * w;
    }
    v_store(out + j, Clip8(s0, s1, s2, s3));
  }
}

const SimdKernels kKernels = {
    &SuppressByIou, &MaskDot, &BlendRowsPositive, &SuppressByProbiou, &BgrToUnitRgb, &ResampleHorizontalBgr, &ResampleVertical,
};
#endif  // CV_SIMD

}  // namespace

const SimdKernels* Table() {
#if CV_SIMD
  return &kKernels;
#else
  return nullptr;
#endif
}

}  // namespace YOLO_SIMD_NS
}  // namespace yolo
