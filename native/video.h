// Video input: telling a video from an image (in one place), and reading its frames one at a time through
// OpenCV videoio (FFmpeg backend) without holding the video in memory. Bytes are spilled to a private temporary
// file (mkstemp, 0600) that is unlinked as soon as FFmpeg has it open, and in any case before the reader dies.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <opencv2/core.hpp>

namespace yolo {

// True when the bytes start like a video container/stream FFmpeg demuxes: ISO-BMFF (mp4/mov/m4v/3gp, not the
// HEIF/AVIF still-image brands), RIFF AVI, EBML (mkv/webm), FLV, ASF/WMV, Ogg, MPEG-PS/ES, MPEG-TS, GIF (a
// video for Ultralytics too), raw H.264/H.265 Annex B.
bool LooksLikeVideo(const uint8_t* data, size_t size);

// A path is a video when its first bytes say so; when they look like no known format, its extension decides
// (Ultralytics' VID_FORMATS). Missing or unreadable files are not videos (the image path reports the error).
bool PathIsVideo(const std::string& path);

// Silences FFmpeg's own log lines on stderr ("moov atom not found", ...: the YoloError says what failed) unless
// the user set OPENCV_FFMPEG_LOGLEVEL / OPENCV_FFMPEG_DEBUG. Call once, on the main thread, before any video opens.
void QuietFfmpegLogs();

// Makes a frame videoio decoded 8-bit BGR in place (gray, BGRA, 16-bit); false for an empty frame or another layout.
bool DecodedFrameToBgr(cv::Mat& frame);

// The prefix of the temporary files bytes are spilled to (tests look for leftovers with it).
constexpr const char* kTempPrefix = "yolo-native-video-";

// What a reader may do: every processed frame's stride, how many to return, how large a frame may be, and how many
// processed frames a video may have at all.
struct VideoLimits {
  int vid_stride = 1;       // process frames 0, n, 2n, ...
  int64_t max_frames = 0;   // return at most this many processed frames, then end (0 = all)
  int64_t max_pixels = 0;   // refuse frames larger than this, before any is decoded (0 = no limit)
  int64_t frame_limit = 0;  // refuse a video that would give more processed frames than this (0 = no limit)
};

// Where the frames of a stream come from: a video file (VideoReader, below) or a live source (live_source.h).
class FrameSource {
 public:
  virtual ~FrameSource() = default;
  // The next processed frame (8-bit BGR), its index in the stream and its time in the stream in milliseconds (-1 when
  // unknown); false at the end.
  virtual bool Next(cv::Mat* bgr, int64_t* index, double* timestamp_ms) = 0;
  virtual double fps() const = 0;
  virtual int64_t frame_count_hint() const = 0;  // -1 when unknown (always, for a live source)
};

// Sequential frame reader. Frame indices are 0-based positions in the decoded stream; with vid_stride n only
// frames 0, n, 2n, ... are decoded (the others are only grabbed), and at most max_frames (0 = all) are returned.
class VideoReader : public FrameSource {
 public:
  // Opens a file. Throws E_FILE_NOT_FOUND / E_VIDEO_DECODE (cannot be opened or has no decodable frame), and before
  // any frame is decoded E_IMAGE_TOO_LARGE (frames over limits.max_pixels) or E_VIDEO_TOO_LONG (more processed frames
  // than limits.frame_limit, when the container says how many it has).
  static std::unique_ptr<VideoReader> OpenFile(const std::string& path, const std::string& what, const VideoLimits& limits);
  // Spills the bytes to a private temporary file in tmpdir (empty: $TMPDIR or /tmp) and opens that.
  static std::unique_ptr<VideoReader> OpenBytes(const uint8_t* data, size_t size, const std::string& tmpdir, const std::string& what,
                                                const VideoLimits& limits);
  ~VideoReader();
  VideoReader(const VideoReader&) = delete;
  VideoReader& operator=(const VideoReader&) = delete;

  // The next processed frame (8-bit BGR) and its index; false at the end (or after max_frames). Throws
  // E_VIDEO_DECODE when the video yields no frame at all, E_IMAGE_TOO_LARGE over max_pixels, E_VIDEO_TOO_LONG past
  // frame_limit (a container that did not say how long it is).
  bool Next(cv::Mat* bgr, int64_t* index, double* timestamp_ms) override;
  int64_t returned() const { return returned_; }
  double fps() const override;
  int64_t frame_count_hint() const override;  // container's frame count, -1 when unknown

  // Readers alive in this process, live sources' capture threads included (a test hook: a stream closed early must
  // release its reader).
  static int64_t Alive();
  // Live sources count themselves in Alive() through these.
  static void AddAlive(int64_t delta);

 private:
  VideoReader(const std::string& what, const VideoLimits& limits);
  void Open(const std::string& path);
  void CheckFrameSize(int64_t width, int64_t height) const;
  void RemoveTemp();

  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string what_;
  std::string temp_path_;
  VideoLimits limits_;
  int64_t next_index_ = 0;  // index of the next frame in the stream
  int64_t returned_ = 0;
  double last_ts_ = -1;  // the last returned frame's time and index
  int64_t last_ts_index_ = 0;
  bool ended_ = false;
};

}  // namespace yolo
