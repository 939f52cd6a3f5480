#include "jpeg_decode.h"

#include <algorithm>
#include <csetjmp>
#include <cstdio>  // jpeglib.h uses FILE without including stdio.h
#include <cstdlib>
#include <cstring>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

extern "C" {
#include <jpeglib.h>
}

namespace yolo {
namespace {

// cv::imdecode's size check (validateInputImageSize in loadsave.cpp, on the scaled size): past it OpenCV throws,
// so such images are left to it. These are its defaults; the OPENCV_IO_MAX_IMAGE_* variables change them.
constexpr uint64_t kOpenCvMaxSide = uint64_t(1) << 20;
constexpr uint64_t kOpenCvMaxPixels = uint64_t(1) << 30;

bool OpenCvSizeLimitsOverridden() {
  static const bool overridden =
      std::getenv("OPENCV_IO_MAX_IMAGE_WIDTH") || std::getenv("OPENCV_IO_MAX_IMAGE_HEIGHT") || std::getenv("OPENCV_IO_MAX_IMAGE_PIXELS");
  return overridden;
}

// ---- EXIF orientation, as OpenCV 4.6 reads it (grfmt_jpeg.cpp, exif.cpp, loadsave.cpp) ----

// OpenCV takes the first saved APP1 marker, whatever it holds, and hands its payload after 6 bytes ("Exif\0\0")
// to ExifReader::parseExif. That reads the TIFF header (byte order "II" = little endian, anything else big
// endian; 0x2A; the IFD0 offset), then IFD0's 12-byte entries in order, decoding the value of each tag it knows.
// Every read is bounds-checked and the first one out of bounds ends the parse, keeping the entries read before
// it; an entry is kept only if its tag was not seen yet. This view reproduces exactly which reads fail.
class ExifView {
 public:
  ExifView(const uint8_t* data, size_t size) : d_(data), n_(size), intel_(size >= 1 && data[0] == 'I' && (size == 1 || data[1] == 'I')) {}

  bool U16(size_t at, uint32_t* v) const {
    if (at + 1 >= n_) return false;
    *v = intel_ ? d_[at] | (d_[at + 1] << 8) : (d_[at] << 8) | d_[at + 1];
    return true;
  }
  bool U32(size_t at, uint32_t* v) const {
    if (at + 3 >= n_) return false;
    *v = intel_ ? uint32_t(d_[at]) | (uint32_t(d_[at + 1]) << 8) | (uint32_t(d_[at + 2]) << 16) | (uint32_t(d_[at + 3]) << 24)
                : (uint32_t(d_[at]) << 24) | (uint32_t(d_[at + 1]) << 16) | (uint32_t(d_[at + 2]) << 8) | uint32_t(d_[at + 3]);
    return true;
  }
  // ExifReader::getString: a count at +4; the text inline at offset 8 *of the TIFF data* (OpenCV's quirk) when it
  // fits in 4 bytes, else at the offset stored at +8.
  bool String(size_t entry) const {
    uint32_t count = 0, at = 8;
    if (!U32(entry + 4, &count)) return false;
    if (count > 4 && !U32(entry + 8, &at)) return false;
    return size_t(at) <= n_ && size_t(at) + count <= n_;
  }
  // `count` unsigned rationals (two u32 each) at the offset stored at +8 (getResolution, getWhitePoint, ...).
  bool Rationals(size_t entry, int count) const {
    uint32_t at = 0, v = 0;
    if (!U32(entry + 8, &at)) return false;
    for (int i = 0; i < count; ++i, at += 8) {
      if (!U32(at, &v) || !U32(size_t(at) + 4, &v)) return false;
    }
    return true;
  }

 private:
  const uint8_t* d_;
  size_t n_;
  bool intel_;
};

// The orientation tag cv::imdecode acts on for this APP1 payload (the bytes after "Exif\0\0"), or 0 for none.
unsigned ExifOrientation(const uint8_t* tiff, size_t size) {
  ExifView exif(tiff, size);
  uint32_t mark = 0, offset = 0, entries = 0, tag = 0, v = 0;
  if (!exif.U16(2, &mark) || mark != 0x2A || !exif.U32(4, &offset) || !exif.U16(offset, &entries)) return 0;
  offset += 2;
  for (uint32_t k = 0; k < entries; ++k, offset += 12) {
    if (!exif.U16(offset, &tag)) return 0;
    bool ok = true;
    switch (tag) {
      case 0x0112:  // Orientation: the first one read is the one kept
        return exif.U16(size_t(offset) + 8, &v) ? v : 0;
      case 0x010E:
      case 0x010F:
      case 0x0110:
      case 0x0131:
      case 0x0132:
      case 0x8298:  // description, make, model,
        // software, date and time, copyright
        ok = exif.String(offset);
        break;
      case 0x011A:
      case 0x011B:  // X / Y resolution
        ok = exif.Rationals(offset, 1);
        break;
      case 0x013E:  // white point
        ok = exif.Rationals(offset, 2);
        break;
      case 0x013F:
      case 0x0214:  // primary chromaticities, reference black / white
        ok = exif.Rationals(offset, 6);
        break;
      case 0x0211:  // YCbCr coefficients
        ok = exif.Rationals(offset, 3);
        break;
      case 0x0128:
      case 0x0213:  // resolution unit, YCbCr positioning
        ok = exif.U16(size_t(offset) + 8, &v);
        break;
      default:  // unknown tags (and the Exif sub-IFD offset) are not read
        break;
    }
    if (!ok) return 0;
  }
  return 0;
}

unsigned FirstApp1Orientation(const jpeg_decompress_struct& cinfo) {
  for (jpeg_saved_marker_ptr m = cinfo.marker_list; m; m = m->next) {
    if (m->marker != JPEG_APP0 + 1) continue;
    return m->data_length > 6 ? ExifOrientation(m->data + 6, m->data_length - 6) : 0;
  }
  return 0;
}

// OpenCV's ExifTransform (loadsave.cpp), with the same calls so the pixels are the same.
void ApplyOrientation(unsigned orientation, cv::Mat& img) {
  switch (orientation) {
    case 2: cv::flip(img, img, 1); break;
    case 3: cv::flip(img, img, -1); break;
    case 4: cv::flip(img, img, 0); break;
    case 5: cv::transpose(img, img); break;
    case 6:
      cv::transpose(img, img);
      cv::flip(img, img, 1);
      break;
    case 7:
      cv::transpose(img, img);
      cv::flip(img, img, -1);
      break;
    case 8:
      cv::transpose(img, img);
      cv::flip(img, img, 0);
      break;
    default: break;  // 1 and anything unknown: as stored
  }
}

// ---- libjpeg plumbing ----

// OpenCV's memory source (grfmt_jpeg.cpp): the whole buffer up front and nothing more, so running out of data
// suspends the decoder (jpeg_mem_src would invent an EOI and decode on: a different result); we decline then.
void SourceNoop(j_decompress_ptr) {}
boolean SourceExhausted(j_decompress_ptr) { return FALSE; }
void SourceSkip(j_decompress_ptr cinfo, long num_bytes) {
  jpeg_source_mgr* src = cinfo->src;
  if (num_bytes <= 0) return;  // libjpeg never asks for that
  if (static_cast<unsigned long>(num_bytes) > src->bytes_in_buffer) {
    src->next_input_byte += src->bytes_in_buffer;
    src->bytes_in_buffer = 0;  // the next read suspends
  } else {
    src->next_input_byte += num_bytes;
    src->bytes_in_buffer -= num_bytes;
  }
}

struct ErrorManager {
  jpeg_error_mgr pub;
  jmp_buf jump;
};

// Errors unwind to the setjmp of the step running (never exit()); warnings are not printed.
void JumpOnError(j_common_ptr cinfo) { longjmp(reinterpret_cast<ErrorManager*>(cinfo->err)->jump, 1); }
void SilentMessage(j_common_ptr) {}

// Plain C data only: longjmp skips destructors, so the steps below that setjmp hold nothing that has one.
struct JpegState {
  jpeg_decompress_struct cinfo;
  ErrorManager error;
  jpeg_source_mgr source;
};

// Points the decompressor at the whole buffer through OpenCV's source manager (suspends when the data runs out).
void AttachSource(JpegState* s, const uint8_t* data, size_t size) {
  s->source.init_source = SourceNoop;
  s->source.fill_input_buffer = SourceExhausted;
  s->source.skip_input_data = SourceSkip;
  s->source.resync_to_restart = jpeg_resync_to_restart;
  s->source.term_source = SourceNoop;
  s->source.next_input_byte = data;
  s->source.bytes_in_buffer = size;
  s->cinfo.src = &s->source;
}

// Zeroed state with errors that jump back (never exit()) and silent warnings; the caller destroys it.
void InitState(JpegState* s) {
  std::memset(s, 0, sizeof *s);
  s->cinfo.err = jpeg_std_error(&s->error.pub);
  s->error.pub.error_exit = JumpOnError;
  s->error.pub.output_message = SilentMessage;
}

struct DestroyOnExit {  // safe on the zeroed state too, should jpeg_create_decompress itself fail
  JpegState* s;
  ~DestroyOnExit() { jpeg_destroy_decompress(&s->cinfo); }
};

// jpeg_read_header alone: the frame size exactly as the decoder will see it. False on error or suspension.
bool ReadFrameSize(JpegState* s, const uint8_t* data, size_t size) {
  if (setjmp(s->error.jump)) return false;
  jpeg_create_decompress(&s->cinfo);
  AttachSource(s, data, size);
  return jpeg_read_header(&s->cinfo, TRUE) == JPEG_HEADER_OK;
}

// OpenCV's readHeader, plus the cases left to it. False on error, suspension or such a case.
bool ReadHeader(JpegState* s, const uint8_t* data, size_t size, int reduction) {
  if (setjmp(s->error.jump)) return false;
  jpeg_create_decompress(&s->cinfo);
  AttachSource(s, data, size);
  jpeg_save_markers(&s->cinfo, JPEG_APP0 + 1, 0xffff);
  if (jpeg_read_header(&s->cinfo, TRUE) != JPEG_HEADER_OK) return false;
  jpeg_decompress_struct& c = s->cinfo;
  // An MJPEG frame has no Huffman tables and OpenCV loads its own; CMYK / YCCK it converts itself.
  if (!c.ac_huff_tbl_ptrs[0] && !c.ac_huff_tbl_ptrs[1] && !c.dc_huff_tbl_ptrs[0] && !c.dc_huff_tbl_ptrs[1]) return false;
  if (c.num_components == 4) return false;
  c.scale_num = 1;
  c.scale_denom = static_cast<unsigned>(reduction);
  // OpenCV asks for JCS_RGB (grey replicated, RGB or YCbCr converted) and swaps; the BGR extension gives the same
  // bytes in the other order.
  c.out_color_space = JCS_EXT_BGR;
  jpeg_calc_output_dimensions(&c);
  return true;
}

// OpenCV's readData for the colour case, into rows at `pixels` (`step` bytes apart). False on error or suspension.
bool ReadPixels(JpegState* s, uint8_t* pixels, size_t step) {
  if (setjmp(s->error.jump)) return false;
  if (!jpeg_start_decompress(&s->cinfo)) return false;
  while (s->cinfo.output_scanline < s->cinfo.output_height) {
    JSAMPROW row = pixels + static_cast<size_t>(s->cinfo.output_scanline) * step;
    if (jpeg_read_scanlines(&s->cinfo, &row, 1) != 1) return false;
  }
  return jpeg_finish_decompress(&s->cinfo);
}

}  // namespace

bool DirectJpegEnabled() {
  static const bool enabled = [] {
    const char* mode = std::getenv("YOLO_NATIVE_JPEG");
    return !(mode && std::strcmp(mode, "opencv") == 0);
  }();
  return enabled;
}

bool DecodeJpegDirect(const uint8_t* data, size_t size, int reduction, cv::Mat* bgr) {
#ifndef JCS_EXTENSIONS
  return false;  // not libjpeg-turbo: no BGR output
#else
  if (reduction != 1 && reduction != 2 && reduction != 4 && reduction != 8) return false;
  // cv::imdecode sees at most INT32_MAX bytes (DecodeColor wraps the buffer in a one-row Mat).
  if (size < 3 || size > INT32_MAX || OpenCvSizeLimitsOverridden()) return false;
  if (data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) return false;  // OpenCV's JPEG signature
  JpegState state;
  InitState(&state);
  DestroyOnExit destroy{&state};

  if (!ReadHeader(&state, data, size, reduction)) return false;
  const uint64_t w = state.cinfo.output_width, h = state.cinfo.output_height;
  if (w == 0 || h == 0 || w > kOpenCvMaxSide || h > kOpenCvMaxSide || w * h > kOpenCvMaxPixels) return false;
  const unsigned orientation = FirstApp1Orientation(state.cinfo);
  bgr->create(static_cast<int>(h), static_cast<int>(w), CV_8UC3);
  if (!ReadPixels(&state, bgr->data, bgr->step[0])) return false;
  ApplyOrientation(orientation, *bgr);
  return true;
#endif
}

bool ReadJpegSize(const uint8_t* data, size_t size, int64_t* width, int64_t* height, bool* complete) {
  if (size < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) return false;
  JpegState state;
  InitState(&state);
  DestroyOnExit destroy{&state};
  *complete = ReadFrameSize(&state, data, size);
  // A frame header read before the parse failed still says what a decoder would have allocated.
  *width = state.cinfo.image_width;
  *height = state.cinfo.image_height;
  return *complete || (*width > 0 && *height > 0);
}

cv::Mat DecodeColor(const uint8_t* data, size_t size, int reduction, bool direct_jpeg, bool* used_direct) {
  cv::Mat image;
  const bool direct = direct_jpeg && DecodeJpegDirect(data, size, reduction, &image);
  if (used_direct) *used_direct = direct;
  if (direct) return image;
  // imdecode never writes to the buffer; the const_cast only satisfies the Mat constructor.
  const cv::Mat raw(1, static_cast<int>(std::min<size_t>(size, INT32_MAX)), CV_8UC1, const_cast<uint8_t*>(data));
  const int flags = reduction == 8   ? cv::IMREAD_REDUCED_COLOR_8
                    : reduction == 4 ? cv::IMREAD_REDUCED_COLOR_4
                    : reduction == 2 ? cv::IMREAD_REDUCED_COLOR_2
                                     : cv::IMREAD_COLOR;
  return cv::imdecode(raw, flags);
}

}  // namespace yolo
