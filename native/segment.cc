// Instance segmentation, as Ultralytics 8.3.160 / 8.4 with retina_masks=False (docs/ultralytics-parity.md §3-§5):
//   the kept detections as detect (classic NMS or the row selection) -> mask logits = coeffs @ protos, zeroed
//   outside the kept box scaled to proto size (crop_mask) -> bilinear upsample (align_corners=False) to the
//   input-tensor size -> > 0 -> detections with an empty mask are dropped (PredictOptions::val keeps them, with no
//   polygon, as the validator does) -> polygon = findContours(RETR_EXTERNAL, CHAIN_APPROX_SIMPLE), several contours joined by
//   merge_multi_segment -> scale_coords (unrounded pad, float32, clipped) to original pixels.
// Only what a kept box can touch is computed: the crop rectangle of the prototype plane (plus the one-pixel ring
// the interpolation reads, which is zero) and the input-size rectangle where the upsampled logit can be > 0.
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <opencv2/imgproc.hpp>

#include "decoders.h"
#include "errors.h"
#include "output_layout.h"
#include "simd.h"

namespace yolo {
namespace {

// torch upsample_bilinear2d (CPU, align_corners=False, output size given) along one axis: source indices and
// weights per output index, in float32 exactly as compute_indices_weights_linear.
struct LinearAxis {
  std::vector<int> i0, i1;
  std::vector<float> w0, w1;
  LinearAxis(int in, int out) : i0(out), i1(out), w0(out), w1(out) {
    const float scale = static_cast<float>(in) / static_cast<float>(out);
    for (int d = 0; d < out; ++d) {
      float real = scale * (static_cast<float>(d) + 0.5f) - 0.5f;
      if (real < 0.f) real = 0.f;
      const int idx = std::min(static_cast<int>(std::floor(real)), in - 1);
      const float lambda = std::min(std::max(real - static_cast<float>(idx), 0.f), 1.f);
      i0[d] = idx;
      i1[d] = idx + (idx < in - 1 ? 1 : 0);
      w1[d] = lambda;
      w0[d] = 1.f - lambda;
    }
  }
  // Output range [*lo, *hi) whose two source indices touch [src_lo, src_hi) (indices are non-decreasing).
  void Touching(int src_lo, int src_hi, int* lo, int* hi) const {
    const int n = static_cast<int>(i0.size());
    int a = 0;
    while (a < n && i1[a] < src_lo) ++a;
    int b = n;
    while (b > a && i0[b - 1] >= src_hi) --b;
    *lo = a;
    *hi = b;
  }
};

// ultralytics.data.converter.min_index: first (row-major) pair of points with the smallest squared distance.
std::pair<int, int> MinIndex(const std::vector<cv::Point>& a, const std::vector<cv::Point>& b) {
  int64_t best = -1;
  std::pair<int, int> at{0, 0};
  for (size_t i = 0; i < a.size(); ++i) {
    for (size_t j = 0; j < b.size(); ++j) {
      const int64_t dx = a[i].x - b[j].x, dy = a[i].y - b[j].y;
      const int64_t d = dx * dx + dy * dy;
      if (best < 0 || d < best) {
        best = d;
        at = {static_cast<int>(i), static_cast<int>(j)};
      }
    }
  }
  return at;
}

// ultralytics.data.converter.merge_multi_segment, literally (including the reversed-middle-segment quirk), already
// concatenated.
std::vector<cv::Point> MergeMultiSegment(std::vector<std::vector<cv::Point>> segments) {
  const int n = static_cast<int>(segments.size());
  std::vector<std::vector<int>> idx_list(n);
  for (int i = 1; i < n; ++i) {
    const auto [idx1, idx2] = MinIndex(segments[i - 1], segments[i]);
    idx_list[i - 1].push_back(idx1);
    idx_list[i].push_back(idx2);
  }
  std::vector<cv::Point> s;
  // Forward pass.
  for (int i = 0; i < n; ++i) {
    std::vector<int> idx = idx_list[i];
    std::vector<cv::Point>& seg = segments[i];
    if (idx.size() == 2 && idx[0] > idx[1]) {
      std::swap(idx[0], idx[1]);
      std::reverse(seg.begin(), seg.end());
    }
    const int len = static_cast<int>(seg.size());
    // np.roll(seg, -idx[0]) then close with the first point.
    std::vector<cv::Point> rolled(len + 1);
    const int shift = ((idx[0] % len) + len) % len;
    for (int j = 0; j < len; ++j) rolled[j] = seg[(j + shift) % len];
    rolled[len] = rolled[0];
    seg = std::move(rolled);
    if (i == 0 || i == n - 1) {
      s.insert(s.end(), seg.begin(), seg.end());
    } else {
      const int end = std::min(idx[1] - idx[0] + 1, static_cast<int>(seg.size()));
      s.insert(s.end(), seg.begin(), seg.begin() + std::max(0, end));
    }
  }
  // Backward pass over the middle segments, with the original (unswapped) index pairs.
  for (int i = n - 1; i >= 0; --i) {
    if (i == 0 || i == n - 1) continue;
    const int nidx = std::abs(idx_list[i][1] - idx_list[i][0]);
    const std::vector<cv::Point>& seg = segments[i];
    if (nidx < static_cast<int>(seg.size())) s.insert(s.end(), seg.begin() + nidx, seg.end());
  }
  return s;
}

// Where one detection's mask is computed: the output rectangle [oy0, oy1) x [ox0, ox1) (input-tensor pixels) where it
// can be non-zero, the prototype window [sr0, sr1) x [sc0, sc1) the interpolation reads for it, and the part of that
// window [kr0, kr1) x [kc0, kc1) whose logits are kept (the rest of the window is zero).
struct MaskWindow {
  int oy0, oy1, ox0, ox1;
  int sr0, sr1, sc0, sc1;
  int kr0, kr1, kc0, kc1;
};

// The prototype window an output rectangle reads.
void SourceWindow(const LinearAxis& rows, const LinearAxis& cols, MaskWindow* w) {
  w->sr0 = rows.i0[w->oy0];
  w->sr1 = rows.i1[w->oy1 - 1] + 1;
  w->sc0 = cols.i0[w->ox0];
  w->sc1 = cols.i1[w->ox1 - 1] + 1;
}

// Ultralytics 8.3.160 process_mask(upsample=True): crop_mask at proto scale (column r kept when x1 <= r < x2, a float
// compare with the integer index), then the upsample, whose bilinear reach is the output rectangle. False: empty.
bool CropThenUpsample(const Candidate& c, float width_ratio, float height_ratio, int mh, int mw, const LinearAxis& rows,
                      const LinearAxis& cols, MaskWindow* w) {
  const float bx1 = c.x1 * width_ratio, bx2 = c.x2 * width_ratio;
  const float by1 = c.y1 * height_ratio, by2 = c.y2 * height_ratio;
  const int cc0 = static_cast<int>(std::clamp(std::ceil(bx1), 0.f, static_cast<float>(mw)));
  const int cc1 = static_cast<int>(std::clamp(std::ceil(bx2), 0.f, static_cast<float>(mw)));
  const int cr0 = static_cast<int>(std::clamp(std::ceil(by1), 0.f, static_cast<float>(mh)));
  const int cr1 = static_cast<int>(std::clamp(std::ceil(by2), 0.f, static_cast<float>(mh)));
  if (cc0 >= cc1 || cr0 >= cr1) return false;
  rows.Touching(cr0, cr1, &w->oy0, &w->oy1);
  cols.Touching(cc0, cc1, &w->ox0, &w->ox1);
  if (w->oy0 >= w->oy1 || w->ox0 >= w->ox1) return false;
  SourceWindow(rows, cols, w);
  w->kr0 = std::max(cr0, w->sr0);
  w->kr1 = std::min(cr1, w->sr1);
  w->kc0 = std::max(cc0, w->sc0);
  w->kc1 = std::min(cc1, w->sc1);
  return true;
}

// Ultralytics 8.4 (the row layouts): the upsample first, then crop_mask at input resolution with the box in input
// pixels, so the output rectangle is the box itself and every logit of its window counts. False: empty.
bool UpsampleThenCrop(const Candidate& c, const LinearAxis& rows, const LinearAxis& cols, MaskWindow* w) {
  const float ih = static_cast<float>(rows.i0.size()), iw = static_cast<float>(cols.i0.size());
  w->ox0 = static_cast<int>(std::clamp(std::ceil(c.x1), 0.f, iw));
  w->ox1 = static_cast<int>(std::clamp(std::ceil(c.x2), 0.f, iw));
  w->oy0 = static_cast<int>(std::clamp(std::ceil(c.y1), 0.f, ih));
  w->oy1 = static_cast<int>(std::clamp(std::ceil(c.y2), 0.f, ih));
  if (w->oy0 >= w->oy1 || w->ox0 >= w->ox1) return false;
  SourceWindow(rows, cols, w);
  w->kr0 = w->sr0;
  w->kr1 = w->sr1;
  w->kc0 = w->sc0;
  w->kc1 = w->sc1;
  return true;
}

// Scratch buffers reused across the boxes of one image.
struct MaskScratch {
  std::vector<float> logits;  // cropped logit window (source rows x source cols), zero outside the crop
  std::vector<float> hrows;   // horizontally interpolated source rows (source rows x output cols)
  cv::Mat mask;               // uint8 0/1 over the output rectangle
};

}  // namespace

void DecodeSegment(DecodeContext& ctx, ImageResult& out) {
  const HeadOutput head = ReadHeadOutput(ctx);
  const int nm = head.extra;  // mask coefficients per detection
  if (nm <= 0) throw Error(code::kModelUnsupported, "segment output0 has no mask coefficients");
  if (ctx.outputs.size() < 2) throw Error(code::kModelUnsupported, "segment model has no prototype output (output1)");
  auto pshape = ctx.outputs[1].GetTensorTypeAndShapeInfo().GetShape();
  if (pshape.size() != 4 || pshape[1] != nm || pshape[0] <= ctx.batch_index) {
    throw Error(code::kModelUnsupported, "segment output1 must be [batch, " + std::to_string(nm) + ", mask_h, mask_w]");
  }
  const int mh = static_cast<int>(pshape[2]), mw = static_cast<int>(pshape[3]);
  const size_t proto_plane = static_cast<size_t>(mh) * mw;
  const float* protos = ctx.outputs[1].GetTensorData<float>() + static_cast<size_t>(ctx.batch_index) * nm * proto_plane;

  const SimdKernels& kernels = Kernels(ctx.options.simd);
  const std::vector<Candidate> kept = KeptDetections(ctx, head);
  if (kept.empty()) return;

  const LetterboxGeometry& g = ctx.geometry;
  const int ih = g.in_h, iw = g.in_w;
  const float width_ratio = static_cast<float>(static_cast<double>(mw) / iw);
  const float height_ratio = static_cast<float>(static_cast<double>(mh) / ih);
  const LinearAxis rows(mh, ih), cols(mw, iw);
  const InverseLetterbox inv = PointInverse(g, head.head);
  const float pad_x = static_cast<float>(inv.pad_x), pad_y = static_cast<float>(inv.pad_y);
  const float gain = static_cast<float>(inv.gain);
  const float max_x = static_cast<float>(g.orig_w), max_y = static_cast<float>(g.orig_h);

  const bool crop_at_input = IsRowHead(head.head);
  MaskScratch scratch;
  std::vector<float> coeffs(nm);
  out.results.reserve(kept.size());
  for (const Candidate& c : kept) {
    MaskWindow win;
    const bool nonempty =
        crop_at_input ? UpsampleThenCrop(c, rows, cols, &win) : CropThenUpsample(c, width_ratio, height_ratio, mh, mw, rows, cols, &win);
    // An empty mask drops the detection (the predictor's `keep`); the validator (options.val) keeps it, without a
    // polygon.
    if (!nonempty) {
      if (ctx.options.val) out.results.push_back(BoxResult(c, g, head.head));
      continue;
    }
    const int sr0 = win.sr0, sc0 = win.sc0, oy0 = win.oy0, ox0 = win.ox0;
    const int sw = win.sc1 - sc0, sh = win.sr1 - sr0, ow = win.ox1 - ox0, oh = win.oy1 - oy0;

    // Mask logits on the kept part of the window (zero elsewhere).
    for (int q = 0; q < nm; ++q) coeffs[q] = c.Extra(q);
    scratch.logits.assign(static_cast<size_t>(sh) * sw, 0.f);
    for (int r = win.kr0; r < win.kr1 && win.kc0 < win.kc1; ++r) {
      kernels.mask_dot(protos + static_cast<size_t>(r) * mw + win.kc0, proto_plane, coeffs.data(), nm,
                       scratch.logits.data() + static_cast<size_t>(r - sr0) * sw + (win.kc0 - sc0), win.kc1 - win.kc0);
    }

    // Horizontal interpolation of each source row onto the output columns: (v0 * w0) + (v1 * w1), as torch.
    scratch.hrows.resize(static_cast<size_t>(sh) * ow);
    for (int r = 0; r < sh; ++r) {
      const float* src = scratch.logits.data() + static_cast<size_t>(r) * sw;
      float* dst = scratch.hrows.data() + static_cast<size_t>(r) * ow;
      for (int x = 0; x < ow; ++x) {
        const int xo = ox0 + x;
        dst[x] = (src[cols.i0[xo] - sc0] * cols.w0[xo]) + (src[cols.i1[xo] - sc0] * cols.w1[xo]);
      }
    }

    // Vertical interpolation and > 0.
    scratch.mask.create(oh, ow, CV_8UC1);
    for (int y = 0; y < oh; ++y) {
      const int yo = oy0 + y;
      kernels.blend_rows_positive(scratch.hrows.data() + static_cast<size_t>(rows.i0[yo] - sr0) * ow,
                                  scratch.hrows.data() + static_cast<size_t>(rows.i1[yo] - sr0) * ow, rows.w0[yo], rows.w1[yo],
                                  scratch.mask.ptr<uint8_t>(y), ow);
    }
    if (cv::countNonZero(scratch.mask) == 0) {  // keep = masks.sum((-2, -1)) > 0
      if (ctx.options.val) out.results.push_back(BoxResult(c, g, head.head));
      continue;
    }

    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(scratch.mask, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE, cv::Point(ox0, oy0));

    ResultItem item = BoxResult(c, g, head.head);
    if (!contours.empty()) {
      std::vector<cv::Point> poly = contours.size() > 1 ? MergeMultiSegment(std::move(contours)) : std::move(contours[0]);
      item.seg_x.resize(poly.size());
      item.seg_y.resize(poly.size());
      for (size_t p = 0; p < poly.size(); ++p) {  // scale_coords in float32, then clip_coords
        float x = static_cast<float>(poly[p].x), y = static_cast<float>(poly[p].y);
        x = (x - pad_x) / gain;
        y = (y - pad_y) / gain;
        item.seg_x[p] = std::clamp(x, 0.f, max_x);
        item.seg_y[p] = std::clamp(y, 0.f, max_y);
      }
    }
    out.results.push_back(std::move(item));
  }
}

}  // namespace yolo
