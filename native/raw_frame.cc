#include "raw_frame.h"

#include <cmath>
#include <cstring>

#include "errors.h"

namespace yolo {
namespace {

std::string Num(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9.007199254740992e15) return std::to_string(static_cast<int64_t>(v));
  char text[64];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

// A positive integer no larger than `max`.
int64_t Size(double v, const char* field, int64_t max, const std::string& what) {
  if (!std::isfinite(v) || v != std::floor(v) || v < 1 || v > static_cast<double>(max)) {
    throw Error(code::kInvalidInput, what + ": " + field + " must be an integer in [1, " + std::to_string(max) + "]; received " + Num(v));
  }
  return static_cast<int64_t>(v);
}

}  // namespace

cv::Mat RawFrame::View() const {
  return cv::Mat(height, width, CV_8UC(ChannelsOf(format)), pixels.get(), static_cast<size_t>(width) * ChannelsOf(format));
}

std::shared_ptr<const RawFrame> CopyRawFrame(const RawFrameSpec& spec, int64_t max_pixels, const std::string& what) {
  const int channels = ChannelsOf(spec.format);
  constexpr int64_t kMaxSide = 1 << 20;  // a row of 4-channel pixels stays far inside cv::Mat's int sizes
  const int64_t width = Size(spec.width, "width", kMaxSide, what);
  const int64_t height = Size(spec.height, "height", kMaxSide, what);
  const int64_t row = width * channels;
  if (max_pixels > 0 && width * height > max_pixels) {
    throw Error(code::kImageTooLarge, what + " is " + std::to_string(width) + "x" + std::to_string(height) + " = " +
                                          std::to_string(width * height) + " pixels, over the limit of " + std::to_string(max_pixels) +
                                          " (maxPixels)");
  }
  int64_t stride = row;
  if (spec.stride != 0) {
    if (!std::isfinite(spec.stride) || spec.stride != std::floor(spec.stride) || spec.stride < static_cast<double>(row) ||
        spec.stride > 4.0 * kMaxSide * 4) {
      throw Error(code::kInvalidInput, what + ": stride must be an integer of at least width * channels = " + std::to_string(width) +
                                           " * " + std::to_string(channels) + " = " + std::to_string(row) + " bytes (" +
                                           PixelFormatName(spec.format) + "); received " + Num(spec.stride));
    }
    stride = static_cast<int64_t>(spec.stride);
  }
  const int64_t needed = stride * height;  // < 2^63: stride <= 2^24, height <= 2^20
  if (static_cast<uint64_t>(needed) > spec.size) {
    throw Error(code::kInvalidInput, what + ": data is " + std::to_string(spec.size) +
                                         " bytes, shorter than stride * height = " + std::to_string(stride) + " * " +
                                         std::to_string(height) + " = " + std::to_string(needed) + " bytes (" + std::to_string(width) +
                                         "x" + std::to_string(height) + " " + PixelFormatName(spec.format) + ")");
  }
  auto frame = std::make_shared<RawFrame>();
  frame->width = static_cast<int>(width);
  frame->height = static_cast<int>(height);
  frame->format = spec.format;
  frame->pixels.reset(new uint8_t[static_cast<size_t>(row * height)]);
  if (stride == row) {
    std::memcpy(frame->pixels.get(), spec.data, static_cast<size_t>(row * height));
  } else {
    for (int64_t y = 0; y < height; ++y) std::memcpy(frame->pixels.get() + y * row, spec.data + y * stride, static_cast<size_t>(row));
  }
  return frame;
}

cv::Mat RawFrameToBgr(const RawFrame& frame) {
  if (frame.format == PixelFormat::kBgr) return frame.View().clone();
  cv::Mat bgr(frame.height, frame.width, CV_8UC3);
  const cv::Mat view = frame.View();
  for (int y = 0; y < frame.height; ++y) RowToBgr(view.ptr<uint8_t>(y), frame.width, frame.format, bgr.ptr<uint8_t>(y));
  return bgr;
}

}  // namespace yolo
