// The pixel layouts a raw frame may come in (8 bits per channel, interleaved), and the one-row conversion every
// consumer shares. BGR is what Ultralytics sees after cv2.imread, so it is the reference layout.
#pragma once
#include <cstdint>
#include <string>

namespace yolo {

enum class PixelFormat { kBgr, kRgb, kBgra, kRgba, kGray };

inline int ChannelsOf(PixelFormat f) {
  switch (f) {
    case PixelFormat::kGray: return 1;
    case PixelFormat::kBgra:
    case PixelFormat::kRgba: return 4;
    default: return 3;
  }
}

inline const char* PixelFormatName(PixelFormat f) {
  switch (f) {
    case PixelFormat::kBgr: return "bgr";
    case PixelFormat::kRgb: return "rgb";
    case PixelFormat::kBgra: return "bgra";
    case PixelFormat::kRgba: return "rgba";
    case PixelFormat::kGray: return "gray";
  }
  return "?";
}

// False for a name that is none of bgr, rgb, bgra, rgba, gray.
inline bool ParsePixelFormat(const std::string& name, PixelFormat* out) {
  for (PixelFormat f : {PixelFormat::kBgr, PixelFormat::kRgb, PixelFormat::kBgra, PixelFormat::kRgba, PixelFormat::kGray}) {
    if (name == PixelFormatName(f)) {
      *out = f;
      return true;
    }
  }
  return false;
}

// One row of n pixels in `format` -> n interleaved BGR pixels (alpha dropped, gray replicated). Exact byte moves.
inline void RowToBgr(const uint8_t* src, int n, PixelFormat format, uint8_t* bgr) {
  switch (format) {
    case PixelFormat::kBgr:
      for (int i = 0; i < 3 * n; ++i) bgr[i] = src[i];
      break;
    case PixelFormat::kRgb:
      for (int i = 0; i < n; ++i) bgr[3 * i] = src[3 * i + 2], bgr[3 * i + 1] = src[3 * i + 1], bgr[3 * i + 2] = src[3 * i];
      break;
    case PixelFormat::kBgra:
      for (int i = 0; i < n; ++i) bgr[3 * i] = src[4 * i], bgr[3 * i + 1] = src[4 * i + 1], bgr[3 * i + 2] = src[4 * i + 2];
      break;
    case PixelFormat::kRgba:
      for (int i = 0; i < n; ++i) bgr[3 * i] = src[4 * i + 2], bgr[3 * i + 1] = src[4 * i + 1], bgr[3 * i + 2] = src[4 * i];
      break;
    case PixelFormat::kGray:
      for (int i = 0; i < n; ++i) bgr[3 * i] = bgr[3 * i + 1] = bgr[3 * i + 2] = src[i];
      break;
  }
}

}  // namespace yolo
