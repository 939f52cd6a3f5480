#include "video.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "errors.h"
#include "input_file.h"

namespace yolo {
namespace {

std::atomic<int64_t> g_alive{0};

bool Has(const uint8_t* d, size_t n, size_t at, const char* magic, size_t len) {
  return n >= at + len && std::memcmp(d + at, magic, len) == 0;
}

// HEIF / AVIF still images are ISO-BMFF too; they are images (not decodable by OpenCV 4.6 imgcodecs, but not videos).
bool IsStillImageBrand(const uint8_t* brand) {
  static const char* kBrands[] = {"heic", "heix", "heim", "heis", "mif1", "mif2", "avif"};
  for (const char* b : kBrands) {
    if (std::memcmp(brand, b, 4) == 0) return true;
  }
  return false;
}

bool LooksLikeImage(const uint8_t* d, size_t n) {
  return (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) || Has(d, n, 0, "\x89PNG", 4) || Has(d, n, 0, "BM", 2) ||
         (Has(d, n, 0, "RIFF", 4) && Has(d, n, 8, "WEBP", 4)) || Has(d, n, 0, "II*\0", 4) || Has(d, n, 0, "MM\0*", 4);
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool HasVideoExtension(const std::string& path) {
  const size_t dot = path.find_last_of('.');
  const size_t slash = path.find_last_of('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return false;
  const std::string ext = Lower(path.substr(dot + 1));
  // Ultralytics VID_FORMATS, plus a few more containers FFmpeg reads.
  static const char* kExt[] = {"asf",  "avi", "gif", "m4v", "mkv",  "mov", "mp4",  "mpeg", "mpg",  "ts",  "wmv",
                               "webm", "flv", "3gp", "ogv", "m2ts", "mts", "h264", "264",  "h265", "265", "hevc"};
  for (const char* e : kExt) {
    if (ext == e) return true;
  }
  return false;
}

std::string TempDir(const std::string& preferred) {
  if (!preferred.empty()) return preferred;
  const char* env = std::getenv("TMPDIR");
  return env && *env ? std::string(env) : std::string("/tmp");
}

}  // namespace

bool DecodedFrameToBgr(cv::Mat& frame) {
  if (frame.empty()) return false;
  if (frame.type() == CV_8UC3) return true;
  cv::Mat converted;
  if (frame.channels() == 1)
    cv::cvtColor(frame, converted, cv::COLOR_GRAY2BGR);
  else if (frame.channels() == 4)
    cv::cvtColor(frame, converted, cv::COLOR_BGRA2BGR);
  else
    return false;
  if (converted.depth() != CV_8U) converted.convertTo(converted, CV_8U);
  frame = converted;
  return true;
}

void QuietFfmpegLogs() {
  if (!std::getenv("OPENCV_FFMPEG_DEBUG")) ::setenv("OPENCV_FFMPEG_LOGLEVEL", "-8", /*overwrite=*/0);  // AV_LOG_QUIET
}

bool LooksLikeVideo(const uint8_t* d, size_t n) {
  // An image's own signature wins: a JPEG whose bytes 4-7 happen to read "ftyp" is still a JPEG.
  if (n < 4 || LooksLikeImage(d, n)) return false;
  if (Has(d, n, 4, "ftyp", 4)) return n >= 12 && !IsStillImageBrand(d + 8);
  for (const char* atom : {"moov", "mdat", "free", "skip", "wide", "pnot"}) {
    if (Has(d, n, 4, atom, 4) && n >= 8) return true;  // QuickTime without an ftyp atom
  }
  if (Has(d, n, 0, "RIFF", 4) && Has(d, n, 8, "AVI ", 4)) return true;
  if (Has(d, n, 0, "\x1A\x45\xDF\xA3", 4)) return true;  // EBML: Matroska / WebM
  if (Has(d, n, 0, "FLV\x01", 4)) return true;
  if (Has(d, n, 0, "\x30\x26\xB2\x75\x8E\x66\xCF\x11", 8)) return true;  // ASF / WMV
  if (Has(d, n, 0, "OggS", 4)) return true;
  if (Has(d, n, 0, "GIF87a", 6) || Has(d, n, 0, "GIF89a", 6)) return true;                 // Ultralytics reads GIFs as videos
  if (d[0] == 0 && d[1] == 0 && d[2] == 1 && (d[3] == 0xBA || d[3] == 0xB3)) return true;  // MPEG program / elementary stream
  if (n > 376 && d[0] == 0x47 && d[188] == 0x47 && d[376] == 0x47) return true;            // MPEG transport stream
  if (n >= 5 && d[0] == 0 && d[1] == 0 && d[2] == 0 && d[3] == 1) {                        // Annex B H.264 / H.265
    const int h264 = d[4] & 0x1F, h265 = (d[4] >> 1) & 0x3F;
    if (h264 == 7 || h264 == 9 || h265 == 32 || h265 == 33 || h265 == 35) return true;
  }
  return false;
}

bool PathIsVideo(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return false;
  }
  uint8_t head[512];
  ssize_t got = 0;
  while (got < static_cast<ssize_t>(sizeof(head))) {
    const ssize_t r = ::read(fd, head + got, sizeof(head) - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += r;
  }
  ::close(fd);
  const size_t n = static_cast<size_t>(got);
  if (LooksLikeVideo(head, n)) return true;
  return n > 0 && !LooksLikeImage(head, n) && HasVideoExtension(path);
}

struct VideoReader::Impl {
  cv::VideoCapture capture;
};

VideoReader::VideoReader(const std::string& what, const VideoLimits& limits) : impl_(new Impl), what_(what), limits_(limits) {
  limits_.vid_stride = std::max(1, limits_.vid_stride);
  ++g_alive;
}

VideoReader::~VideoReader() {
  impl_->capture.release();
  RemoveTemp();
  --g_alive;
}

int64_t VideoReader::Alive() { return g_alive.load(); }
void VideoReader::AddAlive(int64_t delta) { g_alive += delta; }

void VideoReader::RemoveTemp() {
  if (!temp_path_.empty()) {
    ::unlink(temp_path_.c_str());
    temp_path_.clear();
  }
}

void VideoReader::CheckFrameSize(int64_t width, int64_t height) const {
  if (limits_.max_pixels > 0 && width > 0 && height > 0 && width * height > limits_.max_pixels) {
    throw Error(code::kImageTooLarge, what_ + " has " + std::to_string(width) + "x" + std::to_string(height) +
                                          " frames, over the limit of " + std::to_string(limits_.max_pixels) + " pixels (maxPixels)");
  }
}

void VideoReader::Open(const std::string& path) {
  // A GIF's decoder allocates its logical screen whatever the frames hold: checked before FFmpeg sees the file.
  uint8_t head[10] = {};
  if (const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
    const ssize_t got = ::read(fd, head, sizeof head);
    ::close(fd);
    if (got == static_cast<ssize_t>(sizeof head) && (std::memcmp(head, "GIF87a", 6) == 0 || std::memcmp(head, "GIF89a", 6) == 0)) {
      CheckFrameSize(head[6] | (head[7] << 8), head[8] | (head[9] << 8));
    }
  }
  bool opened = false;
  try {
    opened = impl_->capture.open(path, cv::CAP_FFMPEG);
  } catch (const cv::Exception&) {
    opened = false;  // OpenCV's text names its build paths: the message below says what matters
  }
  // FFmpeg holds its own descriptor now: the spilled file can leave the directory at once, so nothing is left
  // behind even if the process dies mid-video.
  RemoveTemp();
  if (!opened || !impl_->capture.isOpened()) {
    throw Error(code::kVideoDecode, what_ + " could not be opened as a video (corrupt, truncated or an unsupported container/codec)");
  }
  // The stream's declared frame size and length, before the first frame is decoded.
  CheckFrameSize(static_cast<int64_t>(impl_->capture.get(cv::CAP_PROP_FRAME_WIDTH)),
                 static_cast<int64_t>(impl_->capture.get(cv::CAP_PROP_FRAME_HEIGHT)));
  const int64_t count = frame_count_hint();
  if (limits_.frame_limit > 0 && count > 0) {
    int64_t processed = (count + limits_.vid_stride - 1) / limits_.vid_stride;
    if (limits_.max_frames > 0) processed = std::min(processed, limits_.max_frames);
    if (processed > limits_.frame_limit) {
      throw Error(code::kVideoTooLong, what_ + " has " + std::to_string(count) + " frames (" + std::to_string(processed) +
                                           " to process), over the limit of " + std::to_string(limits_.frame_limit) + " frames");
    }
  }
}

std::unique_ptr<VideoReader> VideoReader::OpenFile(const std::string& path, const std::string& what, const VideoLimits& limits) {
  CheckInputFile(path, what);
  std::unique_ptr<VideoReader> reader(new VideoReader(what, limits));
  reader->Open(path);
  return reader;
}

std::unique_ptr<VideoReader> VideoReader::OpenBytes(const uint8_t* data, size_t size, const std::string& tmpdir, const std::string& what,
                                                    const VideoLimits& limits) {
  if (size == 0) throw Error(code::kEmptyInput, what + " is empty (0 bytes); expected an encoded image or video");
  std::unique_ptr<VideoReader> reader(new VideoReader(what, limits));
  std::string templ = TempDir(tmpdir) + "/" + kTempPrefix + "XXXXXX";
  std::vector<char> name(templ.begin(), templ.end());
  name.push_back('\0');
  const int fd = ::mkstemp(name.data());  // O_EXCL, mode 0600
  if (fd < 0)
    throw Error(code::kInternal, "cannot create a temporary file for the video in '" + TempDir(tmpdir) + "': " + std::strerror(errno));
  reader->temp_path_ = name.data();  // from here on the reader's destructor removes it
  size_t written = 0;
  while (written < size) {
    const ssize_t w = ::write(fd, data + written, size - written);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const int err = errno;
      ::close(fd);
      throw Error(code::kInternal, "cannot write the video to a temporary file: " + std::string(std::strerror(err)));
    }
    written += static_cast<size_t>(w);
  }
  if (::close(fd) != 0) throw Error(code::kInternal, "cannot write the video to a temporary file: " + std::string(std::strerror(errno)));
  reader->Open(reader->temp_path_);
  return reader;
}

bool VideoReader::Next(cv::Mat* bgr, int64_t* index, double* timestamp_ms) {
  if (ended_) return false;
  if (limits_.max_frames > 0 && returned_ >= limits_.max_frames) {
    ended_ = true;
    return false;
  }
  cv::VideoCapture& cap = impl_->capture;
  cv::Mat frame;
  bool ok = true;
  try {
    while (next_index_ % limits_.vid_stride != 0) {  // skipped frames are only demuxed / grabbed, never converted
      if (!cap.grab()) {
        ok = false;
        break;
      }
      ++next_index_;
    }
    ok = ok && cap.read(frame) && !frame.empty();
  } catch (const cv::Exception& e) {
    ok = false;
  }
  if (!ok) {
    ended_ = true;
    cap.release();
    if (returned_ == 0) throw Error(code::kVideoDecode, what_ + " has no decodable video frame (corrupt, truncated or not a video)");
    return false;
  }
  CheckFrameSize(frame.cols, frame.rows);  // a stream whose size changed midway
  if (limits_.frame_limit > 0 && returned_ >= limits_.frame_limit) {
    throw Error(code::kVideoTooLong,
                what_ + " has more than " + std::to_string(limits_.frame_limit) + " frames to process, over the limit");
  }
  if (!DecodedFrameToBgr(frame)) throw Error(code::kVideoDecode, what_ + " decodes to an unsupported pixel format");
  *bgr = frame;
  double ts = cap.get(cv::CAP_PROP_POS_MSEC);  // the decoded frame's presentation time
  if (ts <= 0 && last_ts_ >= 0) {
    // Frames drained from the decoder at the end of the file carry no timestamp: continue from the last one.
    const double rate = fps();
    ts = last_ts_ + (rate > 0 ? 1000.0 / rate * static_cast<double>(next_index_ - last_ts_index_) : 0.0);
  }
  last_ts_ = ts;
  last_ts_index_ = next_index_;
  *timestamp_ms = ts;
  *index = next_index_++;
  ++returned_;
  return true;
}

double VideoReader::fps() const { return impl_->capture.isOpened() ? impl_->capture.get(cv::CAP_PROP_FPS) : 0.0; }

int64_t VideoReader::frame_count_hint() const {
  if (!impl_->capture.isOpened()) return -1;
  const double n = impl_->capture.get(cv::CAP_PROP_FRAME_COUNT);
  return n > 0 ? static_cast<int64_t>(n) : -1;
}

}  // namespace yolo
