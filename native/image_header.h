// The one gate in front of every image decoder: the format and size an encoded image declares, read from its
// header without decoding. A decoder only ever sees bytes this gate accepted, so none can allocate past the pixel
// limit: formats whose size cannot be read here are refused, never decoded.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace yolo {

enum class ImageFormat { kUnknown, kJpeg, kPng, kWebp, kTiff, kBmp, kPnm };

struct ImageHeader {
  ImageFormat format = ImageFormat::kUnknown;
  int64_t width = 0, height = 0;
  // The largest pixel buffer the decoder allocates, when more than width x height (a TIFF tile or strip larger
  // than the image); 0 when it is the image itself.
  int64_t work_pixels = 0;
  // Why the bytes cannot be accepted, when they cannot (empty: accepted). A refused header may still carry the
  // size it declares (width, height > 0): an over-limit size is then the error reported.
  std::string refusal;
};

// Reads the header. Accepted formats: JPEG (libjpeg's own header parser, so stray bytes and markers are read as the
// decoder reads them), PNG, WebP (VP8, VP8L, VP8X), TIFF and BigTIFF (first image; every ImageWidth / ImageLength /
// tile tag counts), BMP (Windows and OS/2 headers), PNM / PAM / PFM. Anything else is refused with a reason.
ImageHeader ReadImageHeader(const uint8_t* data, size_t size);

// "jpeg", "png", ... for messages.
const char* ImageFormatName(ImageFormat format);

}  // namespace yolo
