#include "image.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "errors.h"
#include "jpeg_decode.h"
#include "simd.h"

namespace yolo {
namespace {

uint32_t Be32(const uint8_t* p) { return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3]; }
uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
uint32_t Le32(const uint8_t* p) { return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24); }
uint16_t Le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

bool IsJpeg(const uint8_t* d, size_t n) { return n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF; }

// libjpeg decodes a truncated JPEG "successfully" (grey fill + a warning); a real file ends in an EOI marker,
// possibly followed by a trailer, so require one after the first scan.
bool JpegHasEndMarker(const uint8_t* d, size_t n) {
  for (size_t i = n; i-- > 3;) {
    if (d[i - 1] == 0xFF && d[i] == 0xD9) return true;
  }
  return false;
}

}  // namespace

bool SniffImageSize(const uint8_t* d, size_t n, int64_t* w, int64_t* h) {
  if (n >= 24 && std::memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0) { *w = Be32(d + 16); *h = Be32(d + 20); return true; }
  if (n >= 10 && (std::memcmp(d, "GIF87a", 6) == 0 || std::memcmp(d, "GIF89a", 6) == 0)) { *w = Le16(d + 6); *h = Le16(d + 8); return true; }
  if (n >= 26 && d[0] == 'B' && d[1] == 'M') { *w = static_cast<int32_t>(Le32(d + 18)); *h = std::abs(static_cast<int32_t>(Le32(d + 22))); return true; }
  if (n >= 30 && std::memcmp(d, "RIFF", 4) == 0 && std::memcmp(d + 8, "WEBP", 4) == 0) {
    if (std::memcmp(d + 12, "VP8X", 4) == 0) { *w = 1 + (d[24] | (d[25] << 8) | (d[26] << 16)); *h = 1 + (d[27] | (d[28] << 8) | (d[29] << 16)); return true; }
    if (std::memcmp(d + 12, "VP8L", 4) == 0) { uint32_t b = Le32(d + 21); *w = 1 + (b & 0x3FFF); *h = 1 + ((b >> 14) & 0x3FFF); return true; }
    if (std::memcmp(d + 12, "VP8 ", 4) == 0) { *w = Le16(d + 26) & 0x3FFF; *h = Le16(d + 28) & 0x3FFF; return true; }
    return false;
  }
  const bool tiff_le = n >= 8 && std::memcmp(d, "II*\0", 4) == 0, tiff_be = n >= 8 && std::memcmp(d, "MM\0*", 4) == 0;
  if (tiff_le || tiff_be) {  // classic TIFF: ImageWidth (256) and ImageLength (257) in the first IFD
    auto u16 = [&](size_t at) { return tiff_le ? Le16(d + at) : Be16(d + at); };
    auto u32 = [&](size_t at) { return tiff_le ? Le32(d + at) : Be32(d + at); };
    const size_t ifd = u32(4);
    if (ifd > n || n - ifd < 2) return false;
    const size_t count = u16(ifd);
    int64_t tw = -1, th = -1;
    for (size_t k = 0; k < count && ifd + 2 + 12 * (k + 1) <= n; ++k) {
      const size_t e = ifd + 2 + 12 * k;
      const uint16_t tag = u16(e), type = u16(e + 2);
      const int64_t value = type == 3 ? u16(e + 8) : type == 4 ? u32(e + 8) : -1;
      if (tag == 256) tw = value;
      if (tag == 257) th = value;
    }
    if (tw < 0 || th < 0) return false;
    *w = tw; *h = th;
    return true;
  }
  if (IsJpeg(d, n)) {
    size_t i = 2;
    while (i + 9 < n) {
      if (d[i] != 0xFF) return false;
      const uint8_t marker = d[i + 1];
      if (marker == 0xFF) { ++i; continue; }
      if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
        *h = Be16(d + i + 5); *w = Be16(d + i + 7); return true;
      }
      i += 2 + Be16(d + i + 2);
    }
  }
  return false;
}

namespace {

// DecodeImage at 1/reduction scale (1, 2, 4 or 8; reduced scales apply to JPEGs only).
cv::Mat DecodeImageScaled(const uint8_t* data, size_t size, int64_t max_pixels, const char* what, int reduction) {
  if (size == 0) throw Error(code::kEmptyInput, std::string(what) + " is empty (0 bytes); expected an encoded image (jpg, png, bmp, webp, tiff)");
  int64_t w = 0, h = 0;
  if (SniffImageSize(data, size, &w, &h)) {
    if (w <= 0 || h <= 0) throw Error(code::kDecodeFailed, std::string(what) + " has an invalid header (" + std::to_string(w) + "x" + std::to_string(h) + ")");
    if (max_pixels > 0 && w * h > max_pixels) {
      throw Error(code::kImageTooLarge, std::string(what) + " is " + std::to_string(w) + "x" + std::to_string(h) + " = " +
                                            std::to_string(w * h) + " pixels, over the limit of " + std::to_string(max_pixels) + " (maxPixels)");
    }
  }
  if (IsJpeg(data, size) && !JpegHasEndMarker(data, size)) {
    throw Error(code::kDecodeFailed, std::string(what) + " is a truncated JPEG (no end-of-image marker in " + std::to_string(size) + " bytes)");
  }
  cv::Mat image;
  try {
    // JPEGs go straight from libjpeg into BGR rows (same pixels as imdecode, twice as fast) unless it declines.
    image = DecodeColor(data, size, reduction, DirectJpegEnabled());
  } catch (const cv::Exception& e) {
    throw Error(code::kDecodeFailed, std::string(what) + " could not be decoded as an image: " + e.what());
  }
  if (image.empty() || image.cols <= 0 || image.rows <= 0) {
    throw Error(code::kDecodeFailed, std::string(what) + " is not a decodable image (" + std::to_string(size) +
                                         " bytes; supported: jpg, png, bmp, webp, tiff and the other formats of OpenCV imgcodecs)");
  }
  if (max_pixels > 0 && static_cast<int64_t>(image.cols) * image.rows > max_pixels) {
    throw Error(code::kImageTooLarge, std::string(what) + " is " + std::to_string(image.cols) + "x" + std::to_string(image.rows) +
                                          " pixels, over the limit of " + std::to_string(max_pixels) + " (maxPixels)");
  }
  return image;
}

}  // namespace

cv::Mat DecodeImage(const uint8_t* data, size_t size, int64_t max_pixels, const char* what) {
  return DecodeImageScaled(data, size, max_pixels, what, 1);
}

DecodedImage DecodeForInference(const uint8_t* data, size_t size, int64_t max_pixels, const char* what, const ResizeTarget& resize_target) {
  int reduction = 1;
  int64_t w = 0, h = 0;
  if (resize_target && IsJpeg(data, size) && SniffImageSize(data, size, &w, &h) && w > 0 && h > 0 && w <= INT32_MAX && h <= INT32_MAX) {
    // The resize target is symmetric in (h, w) for the square targets used here, so the factor does not depend on
    // whether EXIF orientation later swaps the axes.
    const cv::Size need = resize_target(static_cast<int>(h), static_cast<int>(w));
    for (int k : {8, 4, 2}) {
      if ((w + k - 1) / k >= need.width && (h + k - 1) / k >= need.height) { reduction = k; break; }
    }
  }
  DecodedImage out;
  out.bgr = DecodeImageScaled(data, size, max_pixels, what, reduction);
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

void LetterboxToTensor(const cv::Mat& bgr, const LetterboxGeometry& g, float* dst, bool simd) {
  // The resized image is at most imgsz^2 pixels: one scratch per worker thread, reused call after call.
  thread_local cv::Mat resized_scratch;
  const cv::Mat* resized = &bgr;
  if (bgr.cols != g.new_w || bgr.rows != g.new_h) {
    cv::resize(bgr, resized_scratch, cv::Size(g.new_w, g.new_h), 0, 0, cv::INTER_LINEAR);
    resized = &resized_scratch;
  }
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
    to_planes(resized->ptr<uint8_t>(sy), g.new_w, r_plane + at, g_plane + at, b_plane + at);  // BGR -> RGB planes
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
