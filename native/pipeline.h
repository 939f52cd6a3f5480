// The whole path for images: decode -> preprocess -> run (batched where the model allows) -> task decoder, timed
// per stage. Runs on a worker thread (never the JS thread).
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "image.h"
#include "live_source.h"
#include "model_session.h"
#include "raw_frame.h"
#include "types.h"
#include "video.h"

namespace yolo {

// The network input size for a request: a static model's own size, else imgsz rounded up to the stride
// (Ultralytics check_imgsz), letterboxed "rect" (auto padding) for dynamic models.
struct InputPlan {
  int target_h = 0, target_w = 0;
  bool auto_pad = false;
};
InputPlan PlanInput(const ModelInfo& info, int imgsz, bool rect);

// One input of a call: bytes (copied from the caller, which may detach or reuse its buffer while the call runs), a
// file read on the worker thread, a raw pixel frame (copied too: raw_frame.h) or a live source's URL / capture device
// (stream calls only: live_source.h); `label` is how errors name it ("input buffer #2", "input file '/a/b.jpg'").
struct InputSource {
  std::vector<uint8_t> bytes;
  std::string path;
  std::shared_ptr<const RawFrame> raw;
  std::string url;
  std::string label;
};

// Set from the JS thread (a timed-out or abandoned call), read by the worker between images and between frames.
using AbortFlag = std::shared_ptr<std::atomic<bool>>;

// Throws E_ABORTED when the flag is set.
void ThrowIfAborted(const AbortFlag& abort);

// Everything one predict call asks for.
struct PredictRequest {
  std::vector<InputSource> inputs;
  PredictOptions options;
  std::string tmpdir;  // where video bytes are spilled (empty: $TMPDIR or /tmp)
  AbortFlag abort;
};

// The whole call: each input in order, an image giving one result and a video one result per processed frame.
// Consecutive images are predicted together (batches of up to options.batch on dynamic-batch models).
std::vector<ImageResult> Predict(ModelSession& session, const PredictRequest& request);

// Opens an input as a frame source: a video (told apart from an image by content, or a path's extension: video.h), or
// a live source (input.url, read with `live`); null for an image (or a raw frame).
std::unique_ptr<FrameSource> OpenVideo(const InputSource& input, const PredictOptions& options, const std::string& tmpdir,
                                       const LiveOptions& live = LiveOptions());

// Receives every processed frame with its results drawn (the CLI's annotated video: video_writer.h).
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  virtual void Write(const cv::Mat& annotated_bgr, double fps) = 0;
};

// Predicts up to `limit` processed frames (0 = to the end) as they are decoded, one frame in memory at a time; the
// decode time counts as preprocess. With options.plot.enabled each result carries its picture; a sink receives every
// annotated frame. False once the source has ended.
bool PredictFrames(ModelSession& session, FrameSource& source, const PredictOptions& options, size_t limit, const AbortFlag& abort,
                   std::vector<ImageResult>* out, FrameSink* sink = nullptr);

// One still image: encoded bytes the caller keeps alive, or a raw frame; and how errors name it ("input buffer #2").
struct StillImage {
  const uint8_t* data = nullptr;
  size_t size = 0;
  const RawFrame* raw = nullptr;
  const char* what = "";
};

// Still images end to end, one result each, in order. On a dynamic-batch model, up to options.batch consecutive
// images of equal input size run as one batch. With options.plot.enabled each result carries its picture, drawn on
// the pixels the call decoded (never decoded twice).
std::vector<ImageResult> PredictImages(ModelSession& session, const std::vector<StillImage>& images, const PredictOptions& options,
                                       const AbortFlag& abort);

// Decodes one still image (encoded or raw) as 8-bit BGR at full resolution, with the header gate and max_pixels: what
// model.plot draws on.
cv::Mat DecodeStill(const InputSource& input, int64_t max_pixels);

}  // namespace yolo
