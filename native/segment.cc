// Instance segmentation, as Ultralytics 8.3.160 with retina_masks=False (docs/ultralytics-parity.md §3, §4, §5):
//   NMS as detect -> mask logits = coeffs @ protos, zeroed outside the NMS box scaled to proto size (crop_mask)
//   -> bilinear upsample (align_corners=False) to the input-tensor size -> > 0 -> detections with an empty mask
//   are dropped (PredictOptions::val keeps them, with no polygon, as the validator does) -> polygon = findContours(RETR_EXTERNAL, CHAIN_APPROX_SIMPLE), several contours joined by
//   merge_multi_segment -> scale_coords (unrounded pad, float32, clipped) to original pixels.
// Only what a kept box can touch is computed: the crop rectangle of the prototype plane (plus the one-pixel ring
// the interpolation reads, which is zero) and the input-size rectangle where the upsampled logit can be > 0.
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <opencv2/imgproc.hpp>

#include "decoders.h"
#include "errors.h"
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
      if (best < 0 || d < best) { best = d; at = {static_cast<int>(i), static_cast<int>(j)}; }
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

// Scratch buffers reused across the boxes of one image.
struct MaskScratch {
  std::vector<float> logits;  // cropped logit window (source rows x source cols), zero outside the crop
  std::vector<float> hrows;   // horizontally interpolated source rows (source rows x output cols)
  cv::Mat mask;               // uint8 0/1 over the output rectangle
};

}  // namespace

void DecodeSegment(DecodeContext& ctx, ImageResult& out) {
  int channels = 0, anchors = 0;
  const float* plane = OutputPlane(ctx, 0, &channels, &anchors);
  const int nc = static_cast<int>(ctx.info.names.size());
  const int nm = channels - 4 - nc;
  if (nm <= 0) {
    throw Error(code::kModelUnsupported, "segment output0 has " + std::to_string(channels) + " channels, expected 4 + " + std::to_string(nc) + " classes + mask coefficients");
  }
  if (ctx.outputs.size() < 2) throw Error(code::kModelUnsupported, "segment model has no prototype output (output1)");
  auto pshape = ctx.outputs[1].GetTensorTypeAndShapeInfo().GetShape();
  if (pshape.size() != 4 || pshape[1] != nm) {
    throw Error(code::kModelUnsupported, "segment output1 must be [batch, " + std::to_string(nm) + ", mask_h, mask_w]");
  }
  const int mh = static_cast<int>(pshape[2]), mw = static_cast<int>(pshape[3]);
  const size_t proto_plane = static_cast<size_t>(mh) * mw;
  const float* protos = ctx.outputs[1].GetTensorData<float>() + static_cast<size_t>(ctx.batch_index) * nm * proto_plane;

  const SimdKernels& kernels = Kernels(ctx.options.simd);
  auto candidates = SelectCandidates(plane, channels, anchors, nc, ctx.options.conf, false, ctx.options.val);
  auto keep = ClassAwareNms(candidates, ctx.options.iou, ctx.options.max_det, ctx.options.simd);
  if (keep.empty()) return;

  const LetterboxGeometry& g = ctx.geometry;
  const int ih = g.in_h, iw = g.in_w;
  const float width_ratio = static_cast<float>(static_cast<double>(mw) / iw);
  const float height_ratio = static_cast<float>(static_cast<double>(mh) / ih);
  const LinearAxis rows(mh, ih), cols(mw, iw);
  const InverseLetterbox inv = InverseLetterbox::ForCoords(g);
  const float pad_x = static_cast<float>(inv.pad_x), pad_y = static_cast<float>(inv.pad_y);
  const float gain = static_cast<float>(inv.gain);
  const float max_x = static_cast<float>(g.orig_w), max_y = static_cast<float>(g.orig_h);

  MaskScratch scratch;
  std::vector<float> coeffs(nm);
  out.results.reserve(keep.size());
  // An empty mask drops the detection (the predictor's `keep`); the validator keeps it, with no polygon.
  auto empty_mask = [&](const Candidate& c) {
    if (!ctx.options.val) return;
    ResultItem item;
    item.cls = c.cls;
    item.conf = c.score;
    float box[4] = {c.x1, c.y1, c.x2, c.y2};
    ScaleBoxToOriginal(g, box);
    item.box.assign(box, box + 4);
    out.results.push_back(std::move(item));
  };
  for (int k : keep) {
    const Candidate& c = candidates[k];
    // crop_mask at proto scale: column r kept when x1 <= r < x2 (float compare with the integer index).
    const float bx1 = c.x1 * width_ratio, bx2 = c.x2 * width_ratio;
    const float by1 = c.y1 * height_ratio, by2 = c.y2 * height_ratio;
    const int cc0 = static_cast<int>(std::clamp(std::ceil(bx1), 0.f, static_cast<float>(mw)));
    const int cc1 = static_cast<int>(std::clamp(std::ceil(bx2), 0.f, static_cast<float>(mw)));
    const int cr0 = static_cast<int>(std::clamp(std::ceil(by1), 0.f, static_cast<float>(mh)));
    const int cr1 = static_cast<int>(std::clamp(std::ceil(by2), 0.f, static_cast<float>(mh)));
    if (cc0 >= cc1 || cr0 >= cr1) { empty_mask(c); continue; }  // empty mask: Ultralytics drops the detection

    // Output rectangle where the upsampled logit can be non-zero, and the source window it reads.
    int oy0, oy1, ox0, ox1;
    rows.Touching(cr0, cr1, &oy0, &oy1);
    cols.Touching(cc0, cc1, &ox0, &ox1);
    if (oy0 >= oy1 || ox0 >= ox1) { empty_mask(c); continue; }
    const int sr0 = rows.i0[oy0], sr1 = rows.i1[oy1 - 1] + 1;  // source rows [sr0, sr1)
    const int sc0 = cols.i0[ox0], sc1 = cols.i1[ox1 - 1] + 1;  // source cols [sc0, sc1)
    const int sw = sc1 - sc0, sh = sr1 - sr0, ow = ox1 - ox0, oh = oy1 - oy0;

    // Mask logits on the crop (zero elsewhere in the window).
    for (int q = 0; q < nm; ++q) coeffs[q] = plane[static_cast<size_t>(4 + nc + q) * anchors + c.anchor];
    scratch.logits.assign(static_cast<size_t>(sh) * sw, 0.f);
    const int kc0 = std::max(cc0, sc0), kc1 = std::min(cc1, sc1);
    for (int r = std::max(cr0, sr0); r < std::min(cr1, sr1) && kc0 < kc1; ++r) {
      kernels.mask_dot(protos + static_cast<size_t>(r) * mw + kc0, proto_plane, coeffs.data(), nm,
                       scratch.logits.data() + static_cast<size_t>(r - sr0) * sw + (kc0 - sc0), kc1 - kc0);
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
                                  scratch.hrows.data() + static_cast<size_t>(rows.i1[yo] - sr0) * ow, rows.w0[yo],
                                  rows.w1[yo], scratch.mask.ptr<uint8_t>(y), ow);
    }
    if (cv::countNonZero(scratch.mask) == 0) { empty_mask(c); continue; }  // keep = masks.sum((-2, -1)) > 0

    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(scratch.mask, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE, cv::Point(ox0, oy0));

    ResultItem item;
    item.cls = c.cls;
    item.conf = c.score;
    float box[4] = {c.x1, c.y1, c.x2, c.y2};
    ScaleBoxToOriginal(g, box);
    item.box.assign(box, box + 4);
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
