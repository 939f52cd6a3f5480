// Raw pixel frames (camera frames, sharp's raw output, canvas ImageData, OpenCV Mats: lib/raw-frame.ts recognises
// the JS shapes and names the layout). The pixels are copied here, on the JS thread while the call is made, into
// memory the worker owns, row padding dropped: N-API has no way to pin an ArrayBuffer against being detached or
// transferred while a worker reads it, and camera pipelines reuse their frame buffers, so reading the caller's memory
// later could read freed memory or a torn frame. One memcpy (one per row when strided); no conversion happens here:
// the letterbox reads the layout as it is (image.h), so a frame is converted into the network input in one pass.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "pixel_format.h"

namespace yolo {

struct RawFrame {
  std::unique_ptr<uint8_t[]> pixels;  // height rows of width * channels bytes (never zero-filled first: copied into)
  int width = 0, height = 0;
  PixelFormat format = PixelFormat::kBgr;
  // A CV_8UC(channels) header over `pixels` (no copy).
  cv::Mat View() const;
};

// The caller's description of a frame, as it arrived from JS (numbers unchecked).
struct RawFrameSpec {
  const uint8_t* data = nullptr;
  size_t size = 0;
  double width = 0, height = 0;
  double stride = 0;  // bytes per row; 0 = width * channels (no padding)
  PixelFormat format = PixelFormat::kBgr;
};

// Checks the sizes before anything is allocated (E_INVALID_INPUT naming the field and the numbers: a size that is not
// a positive integer, a stride shorter than a row, data shorter than stride * height; E_IMAGE_TOO_LARGE when
// width * height is over max_pixels, 0 = no limit), then copies the rows.
std::shared_ptr<const RawFrame> CopyRawFrame(const RawFrameSpec& spec, int64_t max_pixels, const std::string& what);

// The frame as 8-bit BGR (a copy when it is not BGR already): for the classify transform and for drawing.
cv::Mat RawFrameToBgr(const RawFrame& frame);

}  // namespace yolo
