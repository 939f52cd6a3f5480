#include "image_header.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <limits>
#include <string>

#include "jpeg_decode.h"

namespace yolo {
namespace {

constexpr const char* kSupported = "supported: jpg, png, webp, bmp, tiff, pbm/pgm/ppm/pam/pfm";

bool Has(const uint8_t* d, size_t n, size_t at, const char* magic, size_t len) {
  return n >= at + len && std::memcmp(d + at, magic, len) == 0;
}
uint32_t Be32(const uint8_t* p) { return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3]; }
uint32_t Le32(const uint8_t* p) { return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24); }
uint16_t Le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

ImageHeader Refuse(std::string why) {
  ImageHeader h;
  h.refusal = std::move(why);
  return h;
}

ImageHeader Sized(ImageFormat format, int64_t width, int64_t height) {
  if (width <= 0 || height <= 0) {
    return Refuse(std::string("has an invalid ") + ImageFormatName(format) + " header (" + std::to_string(width) + "x" +
                  std::to_string(height) + ")");
  }
  ImageHeader h;
  h.format = format;
  h.width = width;
  h.height = height;
  return h;
}

ImageHeader Png(const uint8_t* d, size_t n) {
  // IHDR must be the first chunk (libpng refuses anything else): length 13, then width and height.
  if (n < 33 || Be32(d + 8) != 13 || !Has(d, n, 12, "IHDR", 4)) return Refuse("is a PNG without an IHDR chunk first");
  return Sized(ImageFormat::kPng, Be32(d + 16), Be32(d + 20));
}

ImageHeader Webp(const uint8_t* d, size_t n) {
  if (n < 30) return Refuse("is a truncated WebP header");
  if (Has(d, n, 12, "VP8X", 4)) {  // extended: the canvas size
    const int64_t w = 1 + (d[24] | (d[25] << 8) | (d[26] << 16)), h = 1 + (d[27] | (d[28] << 8) | (d[29] << 16));
    return Sized(ImageFormat::kWebp, w, h);
  }
  if (Has(d, n, 12, "VP8L", 4)) {  // lossless: signature 0x2f, then 14-bit width - 1 and height - 1
    if (d[20] != 0x2f) return Refuse("is a WebP with a bad lossless signature");
    const uint32_t b = Le32(d + 21);
    return Sized(ImageFormat::kWebp, 1 + (b & 0x3FFF), 1 + ((b >> 14) & 0x3FFF));
  }
  if (Has(d, n, 12, "VP8 ", 4)) {  // lossy: key frame start code, then 14-bit width and height
    if (d[23] != 0x9d || d[24] != 0x01 || d[25] != 0x2a) return Refuse("is a WebP with a bad key frame start code");
    return Sized(ImageFormat::kWebp, Le16(d + 26) & 0x3FFF, Le16(d + 28) & 0x3FFF);
  }
  return Refuse("is a WebP with an unknown first chunk");
}

// TIFF and BigTIFF: the first image file directory (the one decoded). Every occurrence of a size tag counts (the
// largest wins), and a size tag whose value cannot be read makes the file unsizable, hence refused.
class TiffReader {
 public:
  TiffReader(const uint8_t* d, size_t n) : d_(d), n_(n), le_(d[0] == 'I') {}

  ImageHeader Read() {
    const uint64_t magic = U(2, 2);
    uint64_t ifd = 0, count = 0;
    size_t entry_size = 0, count_size = 0, value_at = 0;
    if (magic == 42) {
      ifd = U(4, 4);
      count_size = 2;
      entry_size = 12;
      value_at = 8;
      big_ = false;
    } else if (magic == 43) {
      if (n_ < 16 || U(4, 2) != 8 || U(6, 2) != 0) return Refuse("is a BigTIFF with an unsupported offset size");
      ifd = U(8, 8);
      count_size = 8;
      entry_size = 20;
      value_at = 12;
      big_ = true;
    } else {
      return Refuse("is a TIFF with an unknown version");
    }
    if (ifd >= n_ || n_ - ifd < count_size) return Refuse("is a TIFF whose first directory lies outside the file");
    count = U(ifd, count_size);
    const uint64_t fits = (n_ - ifd - count_size) / entry_size;
    if (count == 0 || count > fits) return Refuse("is a TIFF whose first directory is truncated");
    int64_t width = -1, height = -1, tile_w = 0, tile_h = 0, samples = 1, compression = 1;
    for (uint64_t k = 0; k < count; ++k) {
      const size_t e = ifd + count_size + k * entry_size;
      const uint32_t tag = static_cast<uint32_t>(U(e, 2));
      int64_t* slot = tag == 256   ? &width
                      : tag == 257 ? &height
                      : tag == 322 ? &tile_w
                      : tag == 323 ? &tile_h
                      : tag == 277 ? &samples
                      : tag == 259 ? &compression
                                   : nullptr;
      if (!slot) continue;
      int64_t v = 0;
      if (!Value(e, value_at, &v) || v < 0)
        return Refuse("is a TIFF with a size tag that cannot be read (tag " + std::to_string(tag) + ")");
      *slot = tag == 259 ? v : std::max(*slot, v);  // duplicates: the largest size counts
    }
    if (width < 0 || height < 0) return Refuse("is a TIFF without ImageWidth / ImageLength");
    // libtiff's codecs as built here; anything else would decode to nothing (a black image) or fail late.
    static const int64_t kCompressions[] = {1, 2, 3, 4, 5, 6, 7, 8, 32773, 32946};
    if (std::find(std::begin(kCompressions), std::end(kCompressions), compression) == std::end(kCompressions)) {
      return Refuse("is a TIFF with an unsupported compression (" + std::to_string(compression) + ")");
    }
    if (samples < 1 || samples > 4) return Refuse("is a TIFF with " + std::to_string(samples) + " samples per pixel (1 to 4 supported)");
    ImageHeader h = Sized(ImageFormat::kTiff, width, height);
    if (h.refusal.empty() && tile_w > 0 && tile_h > 0) h.work_pixels = tile_w * tile_h;  // the decoder's tile buffer
    return h;
  }

 private:
  uint64_t U(size_t at, size_t len) const {
    if (at > n_ || n_ - at < len) return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < len; ++i) v |= uint64_t(d_[at + i]) << (8 * (le_ ? i : len - 1 - i));
    return v;
  }
  // A one-element value of an integer type, inline or (8-byte types in a classic TIFF) at its offset.
  bool Value(size_t entry, size_t value_at, int64_t* out) const {
    const uint32_t type = static_cast<uint32_t>(U(entry + 2, 2));
    const uint64_t count = big_ ? U(entry + 4, 8) : U(entry + 4, 4);
    if (count != 1) return false;
    size_t at = entry + value_at;
    auto fetch = [&](size_t len, bool is_signed, int64_t* v) {
      if (at > n_ || n_ - at < len) return false;
      const uint64_t raw = U(at, len);
      if (!is_signed) {
        if (raw > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
        *v = static_cast<int64_t>(raw);
      } else {
        const int shift = 64 - 8 * static_cast<int>(len);
        *v = static_cast<int64_t>(raw << shift) >> shift;
      }
      return true;
    };
    switch (type) {
      case 1: return fetch(1, false, out);  // BYTE
      case 6: return fetch(1, true, out);   // SBYTE
      case 3: return fetch(2, false, out);  // SHORT
      case 8: return fetch(2, true, out);   // SSHORT
      case 4: return fetch(4, false, out);  // LONG
      case 9: return fetch(4, true, out);   // SLONG
      case 16:
      case 17:  // LONG8 / SLONG8: inline in BigTIFF, at an offset in a classic TIFF
        if (!big_) at = static_cast<size_t>(U(at, 4));
        return fetch(8, type == 17, out);
      default: return false;
    }
  }

  const uint8_t* d_;
  size_t n_;
  bool le_;
  bool big_ = false;
};

ImageHeader Bmp(const uint8_t* d, size_t n) {
  if (n < 26) return Refuse("is a truncated BMP header");
  const uint32_t header_size = Le32(d + 14);
  int64_t w = 0, h = 0;
  if (header_size == 12) {  // OS/2 BITMAPCOREHEADER: 16-bit unsigned sizes
    w = Le16(d + 18);
    h = Le16(d + 20);
  } else if (header_size >= 36) {  // Windows headers: 32-bit signed, a negative height means top-down
    if (n < 30) return Refuse("is a truncated BMP header");
    const int32_t sw = static_cast<int32_t>(Le32(d + 18)), sh = static_cast<int32_t>(Le32(d + 22));
    if (sh == std::numeric_limits<int32_t>::min()) return Refuse("is a BMP with an invalid height");
    w = sw;
    h = sh < 0 ? -static_cast<int64_t>(sh) : sh;
  } else {
    return Refuse("is a BMP with an unknown header size (" + std::to_string(header_size) + ")");
  }
  return Sized(ImageFormat::kBmp, w, h);
}

// PBM / PGM / PPM (P1-P6), PFM (Pf, PF): magic, then width and height as decimal text, with '#' comments between
// tokens; PAM (P7): WIDTH and HEIGHT lines up to ENDHDR.
class PnmReader {
 public:
  PnmReader(const uint8_t* d, size_t n) : d_(d), n_(std::min<size_t>(n, 4096)), at_(2) {}

  ImageHeader Read() {
    int64_t w = -1, h = -1;
    if (d_[1] == '7') {
      for (std::string token; (token = Token()) != "ENDHDR";) {
        if (token.empty()) return Refuse("is a PAM with a truncated header");
        if (token == "WIDTH")
          w = Number();
        else if (token == "HEIGHT")
          h = Number();
      }
    } else {
      w = Number();
      h = Number();
    }
    if (w < 0 || h < 0) return Refuse("is a PNM with an unreadable size");
    return Sized(ImageFormat::kPnm, w, h);
  }

 private:
  std::string Token() {
    for (;;) {
      while (at_ < n_ && std::isspace(d_[at_])) ++at_;
      if (at_ < n_ && d_[at_] == '#') {
        while (at_ < n_ && d_[at_] != '\n' && d_[at_] != '\r') ++at_;
        continue;
      }
      break;
    }
    std::string t;
    while (at_ < n_ && !std::isspace(d_[at_]) && d_[at_] != '#' && t.size() < 32) t += static_cast<char>(d_[at_++]);
    return t;
  }
  int64_t Number() {
    const std::string t = Token();
    if (t.empty() || t.size() > 10 || !std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; })) return -1;
    return std::stoll(t);
  }

  const uint8_t* d_;
  size_t n_, at_;
};

// Formats some decoder might know but whose size is not read here: named in the refusal.
const char* KnownUnsized(const uint8_t* d, size_t n) {
  if (Has(d, n, 0, "\xFF\x4F\xFF\x51", 4) || Has(d, n, 4, "jP  ", 4)) return "JPEG 2000";
  if (Has(d, n, 0, "v/1\x01", 4)) return "OpenEXR";
  if (Has(d, n, 0, "#?RADIANCE", 10) || Has(d, n, 0, "#?RGBE", 6)) return "Radiance HDR";
  if (Has(d, n, 0, "\x59\xA6\x6A\x95", 4)) return "Sun raster";
  if (Has(d, n, 0, "GIF87a", 6) || Has(d, n, 0, "GIF89a", 6)) return "GIF";
  if (Has(d, n, 4, "ftypheic", 8) || Has(d, n, 4, "ftypheix", 8) || Has(d, n, 4, "ftypmif1", 8) || Has(d, n, 4, "ftypavif", 8))
    return "HEIF / AVIF";
  return nullptr;
}

}  // namespace

const char* ImageFormatName(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg: return "JPEG";
    case ImageFormat::kPng: return "PNG";
    case ImageFormat::kWebp: return "WebP";
    case ImageFormat::kTiff: return "TIFF";
    case ImageFormat::kBmp: return "BMP";
    case ImageFormat::kPnm: return "PNM";
    case ImageFormat::kUnknown: break;
  }
  return "unknown";
}

ImageHeader ReadImageHeader(const uint8_t* d, size_t n) {
  if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) {
    int64_t w = 0, h = 0;
    bool complete = false;
    if (!ReadJpegSize(d, n, &w, &h, &complete)) return Refuse("is a JPEG without a readable frame header (corrupt or truncated)");
    ImageHeader header = Sized(ImageFormat::kJpeg, w, h);
    if (!complete && header.refusal.empty())
      header.refusal = "is a JPEG whose header ends or breaks before its image data (corrupt or truncated)";
    return header;
  }
  if (Has(d, n, 0, "\x89PNG\r\n\x1a\n", 8)) return Png(d, n);
  if (Has(d, n, 0, "RIFF", 4) && Has(d, n, 8, "WEBP", 4)) return Webp(d, n);
  if (n >= 8 && (Has(d, n, 0, "II*\0", 4) || Has(d, n, 0, "MM\0*", 4) || Has(d, n, 0, "II+\0", 4) || Has(d, n, 0, "MM\0+", 4))) {
    return TiffReader(d, n).Read();
  }
  if (Has(d, n, 0, "BM", 2)) return Bmp(d, n);
  if (n >= 3 && d[0] == 'P' && ((d[1] >= '1' && d[1] <= '7') || d[1] == 'f' || d[1] == 'F') && std::isspace(d[2]))
    return PnmReader(d, n).Read();
  if (const char* known = KnownUnsized(d, n)) {
    return Refuse(std::string("is a ") + known + " image, a format not accepted because its size cannot be checked before decoding (" +
                  kSupported + ")");
  }
  return Refuse("is not a decodable image (" + std::to_string(n) + " bytes; " + kSupported + ")");
}

}  // namespace yolo
