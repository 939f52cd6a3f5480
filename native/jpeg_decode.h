// JPEG decode with libjpeg(-turbo) called directly: the pixels of cv::imdecode, about twice as fast.
#pragma once
#include <cstddef>
#include <cstdint>

#include <opencv2/core.hpp>

namespace yolo {

// Decodes a JPEG into 8-bit BGR exactly as cv::imdecode(ImdecodeColorFlags(reduction)) does with OpenCV 4.6 over the
// same libjpeg.so.62, EXIF orientation included, but straight into the Mat's rows (OpenCV decodes to RGB in a
// scratch row and swaps each one). Returns false, with *bgr unspecified, whenever it cannot promise the same pixels:
// CMYK / YCCK, MJPEG frames without Huffman tables, data that runs out, any libjpeg error, OpenCV's size limits
// overridden by environment. The caller then decodes with cv::imdecode, which also reports any error.
bool DecodeJpegDirect(const uint8_t* data, size_t size, int reduction, cv::Mat* bgr);

// Decodes any encoded image to 8-bit BGR at 1/reduction scale (1, 2, 4 or 8; a reduced scale only applies to
// JPEGs): with DecodeJpegDirect when `direct_jpeg` and it accepts, else with cv::imdecode(IMREAD_COLOR or
// IMREAD_REDUCED_COLOR_<reduction>), which may throw cv::Exception or return an empty Mat. *used_direct says which.
cv::Mat DecodeColor(const uint8_t* data, size_t size, int reduction, bool direct_jpeg, bool* used_direct = nullptr);

// The frame size libjpeg reads from the header (the size any decoder of these bytes allocates for), without
// decoding; false when libjpeg finds no frame header. *complete: the header parse reached the first scan (false:
// the size was read, but the data ends or breaks before any image data).
bool ReadJpegSize(const uint8_t* data, size_t size, int64_t* width, int64_t* height, bool* complete);

// False when YOLO_NATIVE_JPEG=opencv, to send every JPEG through cv::imdecode (for comparison); read once.
bool DirectJpegEnabled();

}  // namespace yolo
