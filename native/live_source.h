// Live sources: rtsp://, rtmp://, http(s):// streams (MJPEG, MPEG-TS, HLS, ...) and capture devices (/dev/video0),
// read through OpenCV videoio (FFmpeg; V4L2 first for devices) on a capture thread of their own, so that a source
// keeps being read while the model works:
// - buffer 'latest' (the default for live sources): one slot holding the newest frame; frames that arrive while
//   inference is busy replace it (dropped), so each prediction is of the newest frame, as a camera user expects.
// - buffer 'all': a bounded queue (kQueueFrames); when it is full the capture thread waits, which pushes back on the
//   source (TCP) instead of dropping frames.
// Opening is bounded by open_timeout_ms and each read by read_timeout_ms (CAP_PROP_OPEN_TIMEOUT_MSEC /
// CAP_PROP_READ_TIMEOUT_MSEC). When the source is lost (a read fails or times out) the capture thread reopens it up to
// `reconnect` times in a row, waiting backoff_ms, then twice that, ... (at most 8 s) between tries; a frame read
// resets the count. When every try has failed the stream fails with E_STREAM_FAILED. The first open is not retried: a
// wrong URL fails at once. Stopping (close(), break, abort) never waits for the capture thread: it is told to stop and
// exits after its current read (at most read_timeout_ms, or open_timeout_ms while reopening), releasing the capture
// itself. VideoReader::Alive() counts capture threads too.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <opencv2/core.hpp>

#include "video.h"

namespace yolo {

struct LiveOptions {
  bool latest = true;       // buffer 'latest' (drop to the newest) or 'all'
  int open_timeout_ms = 0;  // connecting and identifying the stream (FFmpeg reads a second or two of a live stream)
  int read_timeout_ms = 0;  // waiting for the next frame
  int reconnect = 0;        // tries after the source is lost
  int backoff_ms = 0;       // wait before the first try (doubling, at most 8 s)
  // Set by the stream's owner: `stop` ends the stream quietly (close(), break), `abort` fails it with E_ABORTED.
  std::shared_ptr<std::atomic<bool>> stop, abort;
};

// Frames a 'all' queue holds at most.
constexpr size_t kQueueFrames = 32;

class LiveSource : public FrameSource {
 public:
  // Opens the source (once, bounded by options.open_timeout_ms) and starts the capture thread. Throws E_STREAM_FAILED when
  // it cannot be opened, E_IMAGE_TOO_LARGE when its frames are over limits.max_pixels.
  static std::unique_ptr<LiveSource> Open(const std::string& url, const std::string& what, const LiveOptions& options,
                                          const VideoLimits& limits);
  ~LiveSource() override;  // tells the capture thread to stop; never waits for it
  LiveSource(const LiveSource&) = delete;
  LiveSource& operator=(const LiveSource&) = delete;

  // Waits for the next frame (the newest with 'latest'). False when the stream was stopped or max_frames reached;
  // throws E_STREAM_FAILED when the source was lost for good, E_ABORTED when aborted.
  bool Next(cv::Mat* bgr, int64_t* index, double* timestamp_ms) override;
  double fps() const override;
  int64_t frame_count_hint() const override { return -1; }
  // Frames the capture thread dropped so far ('latest' only), readable from any thread for as long as it is held.
  std::shared_ptr<const std::atomic<int64_t>> dropped_counter() const;

  // Asks every capture thread of this process to stop and waits up to wait_ms for them to finish (process exit).
  static void StopAll(int wait_ms);

  struct Shared;

 private:
  LiveSource() = default;
  std::shared_ptr<Shared> shared_;
  LiveOptions options_;
  VideoLimits limits_;
  std::string what_;
  int64_t returned_ = 0;
};

}  // namespace yolo
