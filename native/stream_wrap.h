// Chunked video prediction: model.openStream(input, options) -> Promise<NativeVideoStream | null> (null: the input
// is an image, which the facade predicts as one entry); stream.next(n) -> Promise<images[]> (empty at the end), one
// AsyncWorker per chunk; stream.close() releases the reader (and so the decoder and any spilled temp file) and stops a
// live source's capture thread at once.
#pragma once
#include <napi.h>

#include <atomic>
#include <memory>
#include <string>

#include "model_session.h"
#include "pipeline.h"

namespace yolo {

struct StreamState {
  std::shared_ptr<ModelSession> session;
  std::unique_ptr<FrameSource> reader;  // a video file, or a live source (live_source.h)
  std::unique_ptr<FrameSink> sink;      // options.saveVideo: the annotated video (video_writer.h)
  PredictOptions options;
  AbortFlag abort;
  // Set by close(): a live source's capture thread and a chunk waiting for its next frame stop at once.
  std::shared_ptr<std::atomic<bool>> stop = std::make_shared<std::atomic<bool>>(false);
  bool ended = false;
  // Read at open, for info() (the reader itself is busy on a worker thread while a chunk is in flight).
  double fps = 0;
  int64_t frame_count = -1;
  std::shared_ptr<const std::atomic<int64_t>> dropped;  // live sources
};

// How a stream is opened: live-source options, where video bytes are spilled, the abort flag, and where to write the
// annotated video (empty: nowhere).
struct StreamSetup {
  LiveOptions live;
  std::string tmpdir;
  AbortFlag abort;
  std::string save_video;
};

class VideoStreamWrap : public Napi::ObjectWrap<VideoStreamWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit VideoStreamWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<VideoStreamWrap>(info) {}
  void Attach(std::shared_ptr<StreamState> state) { state_ = std::move(state); }
  std::atomic<bool>& busy() { return busy_; }

 private:
  Napi::Value Next(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);

  std::shared_ptr<StreamState> state_;
  std::atomic<bool> busy_{false};
};

// Opens the input on a worker thread; resolves to a NativeVideoStream, or null for an image.
Napi::Value OpenVideoStream(Napi::Env env, std::shared_ptr<ModelSession> session, InputSource input, const PredictOptions& options,
                            StreamSetup setup);

}  // namespace yolo
