// Image decode and the two preprocessing paths Ultralytics uses: letterbox (detect / segment / pose / obb) and
// the classify transform (short-side resize + centre crop).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>

#include <opencv2/core.hpp>

#include "pixel_format.h"

namespace yolo {

// Decodes to 8-bit BGR exactly as cv2.imdecode(IMREAD_COLOR) does (EXIF orientation applied, alpha dropped), once
// the header gate (image_header.h) has accepted the bytes: no decoder runs on a format whose size it cannot read or
// on an image (or decoder buffer) over max_pixels (0 = no limit). Throws E_EMPTY_INPUT, E_IMAGE_TOO_LARGE or
// E_DECODE_FAILED.
cv::Mat DecodeImage(const uint8_t* data, size_t size, int64_t max_pixels, const char* what);

// The size (width, height) an image of the given full size is resized to before inference.
using ResizeTarget = std::function<cv::Size(int height, int width)>;

// An image decoded for inference: `bgr` may be smaller than the original (fastDecode), `orig_h` x `orig_w` is the
// full-resolution size (EXIF orientation applied) that results are reported in.
struct DecodedImage {
  cv::Mat bgr;
  int orig_h = 0, orig_w = 0;
};

// DecodeImage, plus the opt-in fast path: a JPEG at least 2x larger than `resize_target` in both dimensions is
// decoded at a reduced DCT scale (1/2, 1/4 or 1/8: libjpeg computes the smaller image directly, several times
// faster) that still holds the resized size, so the letterbox only ever shrinks. The pixels differ slightly
// from a full decode + resize, which is why it is opt-in. A null resize_target means a full decode.
DecodedImage DecodeForInference(const uint8_t* data, size_t size, int64_t max_pixels, const char* what, const ResizeTarget& resize_target);

// Ultralytics LetterBox geometry (augment.py): scale r = min(th/h, tw/w), Python-rounded new size, padding split
// round(d/2 - 0.1) / round(d/2 + 0.1); with auto_pad the padding is only up to a multiple of stride.
struct LetterboxGeometry {
  int orig_h = 0, orig_w = 0;
  int new_h = 0, new_w = 0;  // resized image before padding
  int top = 0, left = 0;
  int in_h = 0, in_w = 0;  // network input size
  // Set by PlanValLetterbox: results map back with the validator's ratio_pad (gain new_h / orig_h, pad left / top)
  // instead of the gain and pad scale_boxes derives from the input and original sizes.
  bool val_ratio_pad = false;
};
LetterboxGeometry PlanLetterbox(int orig_h, int orig_w, int target_h, int target_w, bool auto_pad, int stride);

// Ultralytics' validation letterbox (data/base.py load_image, then augment.py LetterBox(scaleup=False, center=True)
// into target_h x target_w): the long side resized to imgsz, each side ceil(side * imgsz / long side) capped at
// imgsz, then centred with round(d/2 -+ 0.1) padding. One resize: when the target is smaller than that size (a static
// non-square model), LetterBox's second downscale is folded into it.
LetterboxGeometry PlanValLetterbox(int orig_h, int orig_w, int imgsz, int target_h, int target_w);

// Resize (cv::resize INTER_LINEAR, as Ultralytics), pad with 114 and write float32 RGB/255 NCHW into dst.
// simd = false converts with the scalar reference kernel (identical output). `image` is in `format` (a raw frame's
// layout: BGR for decoded images): it is resized as it is (cv::resize treats channels independently, so the values
// equal those of its BGR conversion) and each resized row is read into the planes in its own channel order.
void LetterboxToTensor(const cv::Mat& image, const LetterboxGeometry& geometry, float* dst, bool simd = true,
                       PixelFormat format = PixelFormat::kBgr);

// Ultralytics classify_transforms([height, width]) (native/classify_transform.cc). Square: torchvision Resize(S)
// (short side -> S, long side -> int(S * long / short)) then CenterCrop(S); non-square: a stretch to height x width.
struct ClassifyGeometry {
  int64_t resized_h = 0, resized_w = 0;  // the resized image before the crop
  int64_t top = 0, left = 0;             // crop offsets: int(round(d / 2.0)), half to even
  int height = 0, width = 0;             // network input size
};
ClassifyGeometry PlanClassify(int orig_h, int orig_w, int height, int width);

// Pillow's antialiased BILINEAR resize (8-bit fixed point, bit-exact), centre crop, RGB /255 NCHW into dst
// (3 * height * width floats). simd = false runs the scalar reference kernels (identical output).
void ClassifyToTensor(const cv::Mat& bgr, int height, int width, float* dst, bool simd = true);

// Maps a point of the network input back to original-image pixels the way scale_boxes does (rounded padding).
// A val_ratio_pad geometry maps both ways with its ratio_pad (scale_boxes / scale_coords given ratio_pad).
struct InverseLetterbox {
  double gain = 1, pad_x = 0, pad_y = 0;
  static InverseLetterbox ForBoxes(const LetterboxGeometry& g);   // scale_boxes: pad = round(... - 0.1)
  static InverseLetterbox ForCoords(const LetterboxGeometry& g);  // scale_coords: unrounded pad
};

}  // namespace yolo
