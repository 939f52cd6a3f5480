#include "image.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "errors.h"
#include "image_header.h"
#include "jpeg_decode.h"
#include "simd.h"

namespace yolo {
namespace {

// libjpeg decodes a truncated JPEG "successfully" (grey fill + a warning); a real file ends in an EOI marker,
// possibly followed by a trailer, so require one after the first scan.
bool JpegHasEndMarker(const uint8_t* d, size_t n) {
  for (size_t i = n; i-- > 3;) {
    if (d[i - 1] == 0xFF && d[i] == 0xD9) return true;
  }
  return false;
}

// The header, checked: the format is one the gate accepts (image_header.h), and neither the image nor any buffer
// its decoder sizes from the header is over max_pixels (0 = no limit). Throws E_DECODE_FAILED / E_IMAGE_TOO_LARGE.
ImageHeader CheckedHeader(const uint8_t* data, size_t size, int64_t max_pixels, const char* what) {
  if (size == 0)
    throw Error(code::kEmptyInput, std::string(what) + " is empty (0 bytes); expected an encoded image (jpg, png, bmp, webp, tiff)");
  ImageHeader header = ReadImageHeader(data, size);
  int64_t pixels = 0;
  if (__builtin_mul_overflow(header.width, header.height, &pixels)) pixels = INT64_MAX;
  if (max_pixels > 0 && (pixels > max_pixels || header.work_pixels > max_pixels)) {
    const std::string size_text = std::to_string(header.width) + "x" + std::to_string(header.height);
    if (pixels > max_pixels) {
      throw Error(code::kImageTooLarge, std::string(what) + " is " + size_text + " = " +
                                            (pixels == INT64_MAX ? std::string("more than 2^63") : std::to_string(pixels)) +
                                            " pixels, over the limit of " + std::to_string(max_pixels) + " (maxPixels)");
    }
    throw Error(code::kImageTooLarge, std::string(what) + " is a " + size_text + " " + ImageFormatName(header.format) +
                                          " whose decoder buffer holds " + std::to_string(header.work_pixels) +
                                          " pixels, over the limit of " + std::to_string(max_pixels) + " (maxPixels)");
  }
  if (!header.refusal.empty()) throw Error(code::kDecodeFailed, std::string(what) + " " + header.refusal);
  return header;
}

// DecodeImage at 1/reduction scale (1, 2, 4 or 8; reduced scales apply to JPEGs only), once the header passed.
cv::Mat DecodeChecked(const uint8_t* data, size_t size, const ImageHeader& header, int64_t max_pixels, const char* what, int reduction) {
  if (header.format == ImageFormat::kJpeg && !JpegHasEndMarker(data, size)) {
    throw Error(code::kDecodeFailed,
                std::string(what) + " is a truncated JPEG (no end-of-image marker in " + std::to_string(size) + " bytes)");
  }
  cv::Mat image;
  try {
    // JPEGs go straight from libjpeg into BGR rows (same pixels as imdecode, twice as fast) unless it declines.
    image = DecodeColor(data, size, reduction, DirectJpegEnabled());
  } catch (const cv::Exception&) {
    // OpenCV's text names its own build paths and version: the caller only needs to know which input failed.
    image.release();
  }
  if (image.empty() || image.cols <= 0 || image.rows <= 0) {
    throw Error(code::kDecodeFailed, std::string(what) + " is a " + ImageFormatName(header.format) +
                                         " that could not be decoded (corrupt or truncated data, " + std::to_string(size) + " bytes)");
  }
  if (max_pixels > 0 && static_cast<int64_t>(image.cols) * image.rows > max_pixels) {  // belt and braces
    throw Error(code::kImageTooLarge, std::string(what) + " is " + std::to_string(image.cols) + "x" + std::to_string(image.rows) +
                                          " pixels, over the limit of " + std::to_string(max_pixels) + " (maxPixels)");
  }
  return image;
}

}  // namespace

cv::Mat DecodeImage(const uint8_t* data, size_t size, int64_t max_pixels, const char* what) {
  const ImageHeader header = CheckedHeader(data, size, max_pixels, what);
  return DecodeChecked(data, size, header, max_pixels, what, 1);
}

DecodedImage DecodeForInference(const uint8_t* data, size_t size, int64_t max_pixels, const char* what, const ResizeTarget& resize_target) {
  const ImageHeader header = CheckedHeader(data, size, max_pixels, what);
  const int64_t w = header.width, h = header.height;
  int reduction = 1;
  if (resize_target && header.format == ImageFormat::kJpeg && w <= INT32_MAX && h <= INT32_MAX) {
    // The resize target is symmetric in (h, w) for the square targets used here, so the factor does not depend on
    // whether EXIF orientation later swaps the axes.
    const cv::Size need = resize_target(static_cast<int>(h), static_cast<int>(w));
    for (int k : {8, 4, 2}) {
      if ((w + k - 1) / k >= need.width && (h + k - 1) / k >= need.height) {
        reduction = k;
        break;
      }
    }
  }
  DecodedImage out;
  out.bgr = DecodeChecked(data, size, header, max_pixels, what, reduction);
  out.orig_w = out.bgr.cols;
  out.orig_h = out.bgr.rows;
  if (reduction > 1) {
    // libjpeg's scaled size is ceil(full / k); an EXIF rotation by 90 degrees swaps the axes.
    const bool swapped = !(out.bgr.cols == (w + reduction - 1) / reduction && out.bgr.rows == (h + reduction - 1) / reduction);
    out.orig_w = static_cast<int>(swapped ? h : w);
    out.orig_h = static_cast<int>(swapped ? w : h);
  }
  return out;
}

LetterboxGeometry PlanLetterbox(int orig_h, int orig_w, int target_h, int target_w, bool auto_pad, int stride) {
  LetterboxGeometry g;
  g.orig_h = orig_h;
  g.orig_w = orig_w;
  const double r = std::min(static_cast<double>(target_h) / orig_h, static_cast<double>(target_w) / orig_w);
  // Python's round() is round-half-to-even: nearbyint under the default rounding mode is the same.
  g.new_w = std::max(1, static_cast<int>(std::nearbyint(orig_w * r)));
  g.new_h = std::max(1, static_cast<int>(std::nearbyint(orig_h * r)));
  int dw = target_w - g.new_w, dh = target_h - g.new_h;
  if (auto_pad) {
    dw = ((dw % stride) + stride) % stride;  // np.mod: non-negative
    dh = ((dh % stride) + stride) % stride;
  }
  const double half_w = dw / 2.0, half_h = dh / 2.0;
  g.top = static_cast<int>(std::nearbyint(half_h - 0.1));
  const int bottom = static_cast<int>(std::nearbyint(half_h + 0.1));
  g.left = static_cast<int>(std::nearbyint(half_w - 0.1));
  const int right = static_cast<int>(std::nearbyint(half_w + 0.1));
  g.in_h = g.new_h + g.top + bottom;
  g.in_w = g.new_w + g.left + right;
  return g;
}

LetterboxGeometry PlanValLetterbox(int orig_h, int orig_w, int imgsz, int target_h, int target_w) {
  LetterboxGeometry g;
  g.orig_h = orig_h;
  g.orig_w = orig_w;
  g.val_ratio_pad = true;
  // load_image(rect_mode=True): float64 r = imgsz / max(h0, w0), sides ceil(side * r) capped at imgsz.
  int h = orig_h, w = orig_w;
  const double r = static_cast<double>(imgsz) / std::max(orig_h, orig_w);
  if (r != 1) {
    w = std::min(static_cast<int>(std::ceil(orig_w * r)), imgsz);
    h = std::min(static_cast<int>(std::ceil(orig_h * r)), imgsz);
  }
  // LetterBox(scaleup=False): only ever shrinks, Python-rounded.
  const double r2 = std::min(1.0, std::min(static_cast<double>(target_h) / h, static_cast<double>(target_w) / w));
  g.new_w = std::max(1, static_cast<int>(std::nearbyint(w * r2)));
  g.new_h = std::max(1, static_cast<int>(std::nearbyint(h * r2)));
  const double half_w = (target_w - g.new_w) / 2.0, half_h = (target_h - g.new_h) / 2.0;
  g.top = static_cast<int>(std::nearbyint(half_h - 0.1));
  g.left = static_cast<int>(std::nearbyint(half_w - 0.1));
  g.in_h = g.new_h + g.top + static_cast<int>(std::nearbyint(half_h + 0.1));
  g.in_w = g.new_w + g.left + static_cast<int>(std::nearbyint(half_w + 0.1));
  return g;
}

void LetterboxToTensor(const cv::Mat& image, const LetterboxGeometry& g, float* dst, bool simd, PixelFormat format) {
  // The resized image is at most imgsz^2 pixels: one scratch per worker thread, reused call after call.
  thread_local cv::Mat resized_scratch;
  thread_local std::vector<uint8_t> row_scratch;  // one row as BGR, for the 4-channel and gray layouts
  const cv::Mat* resized = &image;
  if (image.cols != g.new_w || image.rows != g.new_h) {
    cv::resize(image, resized_scratch, cv::Size(g.new_w, g.new_h), 0, 0, cv::INTER_LINEAR);
    resized = &resized_scratch;
  }
  if (format != PixelFormat::kBgr && format != PixelFormat::kRgb) row_scratch.resize(3 * static_cast<size_t>(g.new_w));
  const auto to_planes = Kernels(simd).bgr_to_unit_rgb;
  const size_t plane = static_cast<size_t>(g.in_h) * g.in_w;
  float* r_plane = dst;
  float* g_plane = dst + plane;
  float* b_plane = dst + 2 * plane;
  const float pad = 114.f / 255.f;  // Ultralytics pads with 114 before the float32 /255
  auto fill3 = [&](size_t from, size_t to) {
    std::fill(r_plane + from, r_plane + to, pad);
    std::fill(g_plane + from, g_plane + to, pad);
    std::fill(b_plane + from, b_plane + to, pad);
  };
  fill3(0, static_cast<size_t>(g.top) * g.in_w);  // top band
  for (int sy = 0; sy < g.new_h; ++sy) {
    const size_t row = static_cast<size_t>(sy + g.top) * g.in_w;
    fill3(row, row + g.left);
    const size_t at = row + g.left;
    const uint8_t* src = resized->ptr<uint8_t>(sy);
    if (format == PixelFormat::kBgr) {
      to_planes(src, g.new_w, r_plane + at, g_plane + at, b_plane + at);  // BGR -> RGB planes
    } else if (format == PixelFormat::kRgb) {
      to_planes(src, g.new_w, b_plane + at, g_plane + at, r_plane + at);  // the same kernel, planes swapped
    } else {
      RowToBgr(src, g.new_w, format, row_scratch.data());
      to_planes(row_scratch.data(), g.new_w, r_plane + at, g_plane + at, b_plane + at);
    }
    fill3(at + g.new_w, row + g.in_w);
  }
  fill3(static_cast<size_t>(g.top + g.new_h) * g.in_w, plane);  // bottom band
}

namespace {

// The validator's ratio_pad: ((resized_h / orig_h, ...), (left, top)); scale_boxes and scale_coords use gain = [0][0].
InverseLetterbox ValRatioPad(const LetterboxGeometry& g) {
  InverseLetterbox inv;
  inv.gain = static_cast<double>(g.new_h) / g.orig_h;
  inv.pad_x = g.left;
  inv.pad_y = g.top;
  return inv;
}

}  // namespace

InverseLetterbox InverseLetterbox::ForBoxes(const LetterboxGeometry& g) {
  if (g.val_ratio_pad) return ValRatioPad(g);
  InverseLetterbox inv;
  inv.gain = std::min(static_cast<double>(g.in_h) / g.orig_h, static_cast<double>(g.in_w) / g.orig_w);
  inv.pad_x = std::nearbyint((g.in_w - g.orig_w * inv.gain) / 2 - 0.1);
  inv.pad_y = std::nearbyint((g.in_h - g.orig_h * inv.gain) / 2 - 0.1);
  return inv;
}

InverseLetterbox InverseLetterbox::ForCoords(const LetterboxGeometry& g) {
  if (g.val_ratio_pad) return ValRatioPad(g);
  InverseLetterbox inv;
  inv.gain = std::min(static_cast<double>(g.in_h) / g.orig_h, static_cast<double>(g.in_w) / g.orig_w);
  inv.pad_x = (g.in_w - g.orig_w * inv.gain) / 2;
  inv.pad_y = (g.in_h - g.orig_h * inv.gain) / 2;
  return inv;
}

}  // namespace yolo
