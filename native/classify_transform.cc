// Ultralytics classify_transforms(S) on a PIL image: torchvision Resize(S) (short side -> S, long side ->
// int(S * long / short)), CenterCrop(S), ToTensor(). For a PIL image that Resize is Pillow's
// Image.resize(BILINEAR): a separable triangle filter whose support widens with the downscale factor (so it
// antialiases), with 22-bit fixed-point weights, the horizontal pass first into an 8-bit image, then the vertical
// pass. cv::resize computes something else, so this reproduces Pillow's Resample.c bit for bit
// (docs/ultralytics-parity.md §7), computing only the pixels that survive the centre crop: every output pixel
// depends only on its own taps, so skipping the cropped-away ones changes nothing. The two passes and the float
// conversion are SIMD kernels (simd.h) over exact integer sums: PredictOptions.simd on and off give the same bytes.
#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "errors.h"
#include "image.h"
#include "simd.h"

namespace yolo {
namespace {

inline double Triangle(double x) {  // Pillow bilinear_filter
  if (x < 0.0) x = -x;
  return x < 1.0 ? 1.0 - x : 0.0;
}

// The filter taps of the outputs [first, first + count) of one axis, exactly as Pillow's precompute_coeffs +
// normalize_coeffs_8bpc compute them for BILINEAR with the default box (0, 0, in, in). An output's taps depend
// only on its own index, so a sub-range equals those rows of Pillow's full table.
struct AxisTaps {
  int ksize = 0;
  std::vector<int> start;       // first source index of each output
  std::vector<int> count;       // taps used from `start`
  std::vector<int32_t> weight;  // ksize per output, fixed point
  int SourceBegin() const { return start.front(); }
  int SourceEnd() const { return start.back() + count.back(); }
};

AxisTaps BilinearTaps(int in_size, int64_t out_size, int64_t first, int count) {
  // The box edges are floats in Pillow: (double)(in1 - in0) / outSize.
  const double scale = static_cast<double>(static_cast<float>(in_size)) / static_cast<double>(out_size);
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = 1.0 * filterscale;  // BILINEAR support 1.0, widened when downscaling (antialias)
  const double ss = 1.0 / filterscale;
  AxisTaps t;
  t.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  t.start.resize(count);
  t.count.resize(count);
  t.weight.assign(static_cast<size_t>(count) * t.ksize, 0);
  std::vector<double> k(t.ksize);
  for (int i = 0; i < count; ++i) {
    const double center = 0.0 + (static_cast<double>(first + i) + 0.5) * scale;
    int xmin = static_cast<int>(center - support + 0.5);  // "+ 0.5 then truncate", as Pillow >= 7
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      const double w = Triangle((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    int32_t* out = &t.weight[static_cast<size_t>(i) * t.ksize];
    for (int x = 0; x < xmax; ++x) {
      const double w = ww != 0.0 ? k[x] / ww : k[x];
      out[x] = static_cast<int32_t>(w < 0 ? -0.5 + w * (1 << kResamplePrecisionBits) : 0.5 + w * (1 << kResamplePrecisionBits));
    }
    t.start[i] = xmin;
    t.count[i] = xmax;
  }
  return t;
}

// The horizontal taps in the layout of the row kernels (simd.h): each weight repeated for B, G, R (0 for the fourth
// lane), zero slots up to span.
HorizontalTaps ForRowKernels(const AxisTaps& t) {
  HorizontalTaps h;
  h.n = static_cast<int>(t.start.size());
  const int widest = std::max(1, *std::max_element(t.count.begin(), t.count.end()));
  h.span = (widest + HorizontalTaps::kTapGroup - 1) / HorizontalTaps::kTapGroup * HorizontalTaps::kTapGroup;
  h.start = t.start;
  h.count = t.count;
  h.weight4.assign(static_cast<size_t>(h.n) * h.span * 4, 0);
  for (int i = 0; i < h.n; ++i) {
    for (int x = 0; x < t.count[i]; ++x) {
      int32_t* slot = &h.weight4[(static_cast<size_t>(i) * h.span + x) * 4];
      slot[0] = slot[1] = slot[2] = t.weight[static_cast<size_t>(i) * t.ksize + x];
    }
  }
  return h;
}

// Rows per parallel stripe: enough work per task that scheduling stays negligible.
double Stripes(int64_t rows, int64_t bytes_per_row) { return std::max<double>(1.0, static_cast<double>(rows * bytes_per_row) / (1 << 18)); }

}  // namespace

ClassifyGeometry PlanClassify(int orig_h, int orig_w, int height, int width) {
  ClassifyGeometry g;
  g.height = height;
  g.width = width;
  if (height == width) {
    // torchvision Resize(int): short side -> S, long side -> int(S * long / short) (exact product, one division).
    const int64_t s = height;
    if (orig_w <= orig_h) {
      g.resized_w = s;
      g.resized_h = static_cast<int64_t>(static_cast<double>(s * orig_h) / orig_w);
    } else {
      g.resized_h = s;
      g.resized_w = static_cast<int64_t>(static_cast<double>(s * orig_w) / orig_h);
    }
  } else {
    g.resized_h = height;  // Resize((h, w)) for a non-square size: a plain stretch, and the crop is a no-op
    g.resized_w = width;
  }
  // CenterCrop: int(round(d / 2.0)), Python's half-to-even round (= nearbyint in the default rounding mode).
  g.top = static_cast<int64_t>(std::nearbyint(static_cast<double>(g.resized_h - height) / 2.0));
  g.left = static_cast<int64_t>(std::nearbyint(static_cast<double>(g.resized_w - width) / 2.0));
  return g;
}

void ClassifyToTensor(const cv::Mat& bgr, int height, int width, float* dst, bool simd) {
  if (bgr.type() != CV_8UC3 || bgr.rows <= 0 || bgr.cols <= 0 || height <= 0 || width <= 0) {
    throw Error(code::kInternal, "classify preprocessing needs a non-empty 8-bit BGR image and a positive size");
  }
  const ClassifyGeometry g = PlanClassify(bgr.rows, bgr.cols, height, width);
  const SimdKernels& kernels = Kernels(simd);
  const int row_bytes = 3 * width;
  // Pillow skips the pass of an unchanged axis (and torchvision the whole resize when neither changes).
  const bool resize_x = g.resized_w != bgr.cols;
  const bool resize_y = g.resized_h != bgr.rows;

  // The source rows the cropped output reads: the vertical taps' span (Pillow's ybox_first..ybox_last, narrowed
  // to the crop), or the cropped rows themselves when there is no vertical pass.
  AxisTaps taps_y;
  int src_begin = static_cast<int>(g.top), src_end = static_cast<int>(g.top) + height;
  if (resize_y) {
    taps_y = BilinearTaps(bgr.rows, g.resized_h, g.top, height);
    src_begin = taps_y.SourceBegin();
    src_end = taps_y.SourceEnd();
  }

  // Horizontal pass first, into 8-bit rows (only the cropped columns); without one, the source columns themselves.
  std::vector<uint8_t> horizontal;
  std::vector<const uint8_t*> rows(bgr.rows, nullptr);  // row y of the horizontally resampled image
  if (resize_x) {
    const HorizontalTaps taps_x = ForRowKernels(BilinearTaps(bgr.cols, g.resized_w, g.left, width));
    horizontal.resize(static_cast<size_t>(src_end - src_begin) * row_bytes);
    cv::parallel_for_(
        cv::Range(src_begin, src_end),
        [&](const cv::Range& range) {
          std::vector<uint8_t> scratch(taps_x.ScratchBytes());
          for (int y = range.start; y < range.end; ++y) {
            kernels.resample_horizontal_bgr(bgr.ptr<uint8_t>(y), taps_x, scratch.data(),
                                            &horizontal[static_cast<size_t>(y - src_begin) * row_bytes]);
          }
        },
        Stripes(src_end - src_begin, row_bytes * taps_x.span));
    for (int y = src_begin; y < src_end; ++y) rows[y] = &horizontal[static_cast<size_t>(y - src_begin) * row_bytes];
  } else {
    for (int y = src_begin; y < src_end; ++y) rows[y] = bgr.ptr<uint8_t>(y) + 3 * g.left;
  }

  // Vertical pass (or the rows as they are), straight into the R, G, B planes.
  const size_t plane = static_cast<size_t>(height) * width;
  cv::parallel_for_(
      cv::Range(0, height),
      [&](const cv::Range& range) {
        std::vector<uint8_t> line(resize_y ? row_bytes : 0);
        for (int i = range.start; i < range.end; ++i) {
          // Without a vertical pass the resized rows are the source rows; with one, output row i is computed from its
          // taps (rows[] is indexed in source coordinates, so g.top + i may lie past it when upscaling).
          const uint8_t* out = nullptr;
          if (resize_y) {
            kernels.resample_vertical(&rows[taps_y.start[i]], &taps_y.weight[static_cast<size_t>(i) * taps_y.ksize], taps_y.count[i],
                                      row_bytes, line.data());
            out = line.data();
          } else {
            out = rows[g.top + i];
          }
          // ToTensor: v / 255 in float32, BGR -> RGB planes.
          const size_t offset = static_cast<size_t>(i) * width;
          kernels.bgr_to_unit_rgb(out, width, dst + offset, dst + plane + offset, dst + 2 * plane + offset);
        }
      },
      Stripes(height, row_bytes * (resize_y ? taps_y.ksize : 1)));
}

}  // namespace yolo
