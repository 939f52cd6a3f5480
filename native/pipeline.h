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
#include "model_session.h"
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

// One input of a call: bytes (copied from the caller, which may detach or reuse its buffer while the call runs) or a
// file read on the worker thread; `label` is how errors name it ("input buffer #2", "input file '/a/b.jpg'").
struct InputSource {
  std::vector<uint8_t> bytes;
  std::string path;
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

// Opens an input as a video (told apart from an image by content, or a path's extension: video.h); null for an image.
std::unique_ptr<VideoReader> OpenVideo(const InputSource& input, const PredictOptions& options, const std::string& tmpdir);

// Predicts up to `limit` processed frames (0 = to the end) as they are decoded, one frame in memory at a time; the
// decode time counts as preprocess. False once the video has ended.
bool PredictFrames(ModelSession& session, VideoReader& reader, const PredictOptions& options, size_t limit, const AbortFlag& abort,
                   std::vector<ImageResult>* out);

// One encoded image: bytes the caller keeps alive, and how errors name it ("input buffer #2").
struct EncodedImage {
  const uint8_t* data = nullptr;
  size_t size = 0;
  const char* what = "";
};

// Encoded images end to end, one result each, in order. On a dynamic-batch model, up to options.batch consecutive
// images of equal input size run as one batch.
std::vector<ImageResult> PredictEncoded(ModelSession& session, const std::vector<EncodedImage>& images, const PredictOptions& options,
                                        const AbortFlag& abort);

}  // namespace yolo
