#include "live_source.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include <opencv2/videoio.hpp>

#include "errors.h"

namespace yolo {
namespace {

using std::chrono::milliseconds;

struct Frame {
  cv::Mat bgr;
  int64_t index = 0;
  double timestamp_ms = -1;
};

std::atomic<int64_t> g_threads{0};  // capture threads still running

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

bool OpenCapture(cv::VideoCapture& cap, const std::string& url, const LiveOptions& o) {
  try {
    // A capture device through V4L2 when OpenCV has it; FFmpeg for everything else (and as the devices' fallback).
    if (StartsWith(url, "/dev/") && cap.open(url, cv::CAP_V4L2) && cap.isOpened()) return true;
    const std::vector<int> params{cv::CAP_PROP_OPEN_TIMEOUT_MSEC, o.open_timeout_ms, cv::CAP_PROP_READ_TIMEOUT_MSEC, o.read_timeout_ms};
    const auto t0 = std::chrono::steady_clock::now();
    if (!cap.open(url, cv::CAP_FFMPEG, params) || !cap.isOpened()) return false;
    // OpenCV 4.6 keeps its FFmpeg interrupt flag once the open timeout fired, even when the open still succeeded with
    // what it had read (stream identification cut short): every read would then fail at once. Such an open is a
    // failed one.
    if (std::chrono::steady_clock::now() - t0 >= milliseconds(o.open_timeout_ms)) {
      cap.release();
      return false;
    }
    return true;
  } catch (const cv::Exception&) {
    return false;  // OpenCV's text names its build paths: the caller's message says what matters
  }
}

std::string SizeText(int64_t w, int64_t h) { return std::to_string(w) + "x" + std::to_string(h); }

}  // namespace

struct LiveSource::Shared {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Frame> frames;
  bool finished = false;  // the capture thread has ended; error_code set when it failed
  std::string error_code, error_message;
  std::atomic<bool> stop{false};
  std::shared_ptr<std::atomic<bool>> external_stop, external_abort;
  std::atomic<int64_t> dropped{0};
  std::atomic<double> fps{0};

  bool Stopping() const { return stop.load() || (external_stop && external_stop->load()) || (external_abort && external_abort->load()); }
  void Finish(const std::string& code, const std::string& message) {
    std::lock_guard<std::mutex> lock(mu);
    finished = true;
    error_code = code;
    error_message = message;
    cv.notify_all();
  }
};

namespace {

std::mutex g_registry_mu;
std::vector<std::weak_ptr<LiveSource::Shared>> g_registry;

void Register(const std::shared_ptr<LiveSource::Shared>& shared) {
  std::lock_guard<std::mutex> lock(g_registry_mu);
  g_registry.erase(std::remove_if(g_registry.begin(), g_registry.end(), [](const auto& w) { return w.expired(); }), g_registry.end());
  g_registry.push_back(shared);
}

// Sleeps up to ms, waking early when the source is told to stop.
void Pause(LiveSource::Shared& sh, int ms) {
  const auto until = std::chrono::steady_clock::now() + milliseconds(ms);
  std::unique_lock<std::mutex> lock(sh.mu);
  while (!sh.Stopping() && std::chrono::steady_clock::now() < until) sh.cv.wait_for(lock, milliseconds(20));
}

struct CaptureArgs {
  std::string url, what;
  LiveOptions options;
  VideoLimits limits;
};

// The capture thread: reads (grabs) every frame as it arrives, decodes the processed ones (every vid_stride-th) and
// hands them over; reconnects when the source is lost. Owns the capture and releases it itself.
void CaptureLoop(std::shared_ptr<LiveSource::Shared> sh, std::unique_ptr<cv::VideoCapture> capture, CaptureArgs args) {
  cv::VideoCapture& cap = *capture;
  const LiveOptions& o = args.options;
  const int stride = std::max(1, args.limits.vid_stride);
  int64_t index = 0;    // frames read from the source so far, across reconnects
  int failures = 0;     // reconnect tries in a row
  double last_ts = -1;  // this connection's last frame time
  int64_t last_index = 0;
  auto opened_at = std::chrono::steady_clock::now();
  std::string code, message;
  while (!sh->Stopping()) {
    bool ok = false;
    try {
      ok = cap.grab();
    } catch (const cv::Exception&) {
      ok = false;
    }
    if (!ok) {
      cap.release();
      bool reopened = false;
      while (!sh->Stopping() && failures < o.reconnect) {
        const int wait = static_cast<int>(std::min<int64_t>(8000, static_cast<int64_t>(o.backoff_ms) << std::min(failures, 10)));
        ++failures;
        Pause(*sh, wait);
        if (sh->Stopping()) break;
        if (OpenCapture(cap, args.url, o)) {
          reopened = true;
          last_ts = -1;  // a new connection's clock
          opened_at = std::chrono::steady_clock::now();
          const double fps = cap.get(cv::CAP_PROP_FPS);
          if (fps > 0) sh->fps = fps;
          break;
        }
      }
      if (sh->Stopping()) break;
      if (!reopened) {
        code = code::kStreamFailed;
        message = args.what + " was lost after " + std::to_string(index) + " frames and could not be reopened (" +
                  std::to_string(o.reconnect) + (o.reconnect == 1 ? " try" : " tries") + ", " + std::to_string(o.open_timeout_ms) +
                  " ms open timeout)";
        break;
      }
      continue;
    }
    failures = 0;
    const int64_t at = index++;
    if (at % stride != 0) continue;  // grabbed (demuxed and decoded by FFmpeg) but never converted
    Frame f;
    f.index = at;
    bool got = false;
    try {
      got = cap.retrieve(f.bgr) && DecodedFrameToBgr(f.bgr);
    } catch (const cv::Exception&) {
      got = false;
    }
    if (!got) continue;
    if (args.limits.max_pixels > 0 && static_cast<int64_t>(f.bgr.cols) * f.bgr.rows > args.limits.max_pixels) {
      code = code::kImageTooLarge;
      message = args.what + " has " + SizeText(f.bgr.cols, f.bgr.rows) + " frames, over the limit of " +
                std::to_string(args.limits.max_pixels) + " pixels (maxPixels)";
      break;
    }
    f.timestamp_ms = cap.get(cv::CAP_PROP_POS_MSEC);
    if (!(f.timestamp_ms >= 0)) {
      // A stream without timestamps (MJPEG over HTTP): the frame's arrival time since the connection was opened.
      f.timestamp_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - opened_at).count();
    } else if (f.timestamp_ms <= 0 && last_ts >= 0) {
      // Frames drained from the decoder at the end of a connection carry no timestamp: continue from the last one.
      const double fps = sh->fps.load();
      f.timestamp_ms = last_ts + (fps > 0 ? 1000.0 / fps * static_cast<double>(at - last_index) : 0.0);
    }
    last_ts = f.timestamp_ms;
    last_index = at;
    std::unique_lock<std::mutex> lock(sh->mu);
    if (o.latest) {
      sh->dropped += static_cast<int64_t>(sh->frames.size());  // the consumer never saw them: only the newest counts
      sh->frames.clear();
    } else {
      while (sh->frames.size() >= kQueueFrames && !sh->Stopping()) sh->cv.wait_for(lock, milliseconds(20));
      if (sh->Stopping()) break;
    }
    sh->frames.push_back(std::move(f));
    sh->cv.notify_all();
  }
  cap.release();
  sh->Finish(code, message);
  --g_threads;
  VideoReader::AddAlive(-1);
}

}  // namespace

std::unique_ptr<LiveSource> LiveSource::Open(const std::string& url, const std::string& what, const LiveOptions& options,
                                             const VideoLimits& limits) {
  auto capture = std::make_unique<cv::VideoCapture>();
  cv::VideoCapture& cap = *capture;
  if (!OpenCapture(cap, url, options)) {
    throw Error(code::kStreamFailed,
                what + " could not be opened within " + std::to_string(options.open_timeout_ms) +
                    " ms (unreachable, refused, not a video stream, an unsupported protocol, or slower to identify than "
                    "openTimeoutMs)");
  }
  const int64_t w = static_cast<int64_t>(cap.get(cv::CAP_PROP_FRAME_WIDTH)), h = static_cast<int64_t>(cap.get(cv::CAP_PROP_FRAME_HEIGHT));
  if (limits.max_pixels > 0 && w > 0 && h > 0 && w * h > limits.max_pixels) {
    throw Error(code::kImageTooLarge, what + " has " + SizeText(w, h) + " frames, over the limit of " + std::to_string(limits.max_pixels) +
                                          " pixels (maxPixels)");
  }
  std::unique_ptr<LiveSource> source(new LiveSource());
  source->shared_ = std::make_shared<Shared>();
  source->shared_->external_stop = options.stop;
  source->shared_->external_abort = options.abort;
  source->shared_->fps = cap.get(cv::CAP_PROP_FPS);
  source->options_ = options;
  source->limits_ = limits;
  source->what_ = what;
  Register(source->shared_);
  ++g_threads;
  VideoReader::AddAlive(1);
  try {
    std::thread(CaptureLoop, source->shared_, std::move(capture), CaptureArgs{url, what, options, limits}).detach();
  } catch (...) {
    --g_threads;
    VideoReader::AddAlive(-1);
    throw Error(code::kInternal, "cannot start a capture thread for " + what);
  }
  return source;
}

LiveSource::~LiveSource() {
  if (!shared_) return;
  shared_->stop = true;  // the capture thread exits after its current read and releases the capture itself
  std::lock_guard<std::mutex> lock(shared_->mu);
  shared_->frames.clear();
  shared_->cv.notify_all();
}

bool LiveSource::Next(cv::Mat* bgr, int64_t* index, double* timestamp_ms) {
  if (limits_.max_frames > 0 && returned_ >= limits_.max_frames) return false;
  Shared& sh = *shared_;
  std::unique_lock<std::mutex> lock(sh.mu);
  for (;;) {
    if (options_.abort && options_.abort->load()) throw Error(code::kAborted, "the call was aborted before it finished");
    if (sh.stop || (options_.stop && options_.stop->load())) return false;
    if (!sh.frames.empty()) break;
    if (sh.finished) {
      if (!sh.error_code.empty()) throw Error(sh.error_code, sh.error_message);
      return false;
    }
    sh.cv.wait_for(lock, milliseconds(20));
  }
  Frame f = std::move(sh.frames.front());
  sh.frames.pop_front();
  sh.cv.notify_all();  // room in an 'all' queue
  lock.unlock();
  if (limits_.frame_limit > 0 && returned_ >= limits_.frame_limit) {
    throw Error(code::kVideoTooLong,
                what_ + " has more than " + std::to_string(limits_.frame_limit) + " frames to process, over the limit");
  }
  *bgr = std::move(f.bgr);
  *index = f.index;
  *timestamp_ms = f.timestamp_ms;
  ++returned_;
  return true;
}

double LiveSource::fps() const { return shared_->fps.load(); }

std::shared_ptr<const std::atomic<int64_t>> LiveSource::dropped_counter() const {
  return std::shared_ptr<const std::atomic<int64_t>>(shared_, &shared_->dropped);
}

void LiveSource::StopAll(int wait_ms) {
  {
    std::lock_guard<std::mutex> lock(g_registry_mu);
    for (const auto& w : g_registry) {
      if (auto sh = w.lock()) {
        sh->stop = true;
        sh->cv.notify_all();
      }
    }
  }
  const auto until = std::chrono::steady_clock::now() + milliseconds(wait_ms);
  while (g_threads.load() > 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(milliseconds(10));
}

}  // namespace yolo
