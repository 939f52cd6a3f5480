#include "stream_wrap.h"

#include <algorithm>

#include "addon_data.h"
#include "errors.h"
#include "hub_json.h"
#include "promise_worker.h"
#include "video_writer.h"

namespace yolo {
namespace {

class StreamOpenWorker : public PromiseWorker {
 public:
  StreamOpenWorker(Napi::Env env, std::shared_ptr<StreamState> state, InputSource input, StreamSetup setup)
      : PromiseWorker(env), state_(std::move(state)), input_(std::move(input)), setup_(std::move(setup)) {}
  void Execute() override {
    Guard([&] {
      setup_.live.stop = state_->stop;
      setup_.live.abort = state_->abort;
      state_->reader = OpenVideo(input_, state_->options, setup_.tmpdir, setup_.live);
      if (!state_->reader) return;
      state_->fps = state_->reader->fps();
      state_->frame_count = state_->reader->frame_count_hint();
      if (const auto* live = dynamic_cast<const LiveSource*>(state_->reader.get())) state_->dropped = live->dropped_counter();
      if (!setup_.save_video.empty()) state_->sink = OpenVideoFileSink(setup_.save_video);
    });
  }
  void OnOK() override {
    if (!state_->reader) {
      deferred_.Resolve(Env().Null());
      return;
    }
    Napi::Object instance = DataOf(Env()).stream_constructor.New({});
    VideoStreamWrap::Unwrap(instance)->Attach(std::move(state_));
    deferred_.Resolve(instance);
  }

 private:
  std::shared_ptr<StreamState> state_;
  InputSource input_;
  StreamSetup setup_;
};

class StreamNextWorker : public PromiseWorker {
 public:
  StreamNextWorker(Napi::Env env, std::shared_ptr<StreamState> state, size_t count, Napi::Object owner)
      : PromiseWorker(env), state_(std::move(state)), count_(count), owner_(Napi::Persistent(owner)) {}
  void Execute() override {
    Guard([&] {
      if (state_->ended) return;
      if (!PredictFrames(*state_->session, *state_->reader, state_->options, count_, state_->abort, &results_, state_->sink.get())) {
        state_->ended = true;
        state_->reader.reset();  // release the decoder as soon as the video has ended
        state_->sink.reset();    // and finish the annotated video
      }
    });
  }
  void OnOK() override {
    Napi::Env env = Env();
    Release();
    Napi::Array images = Napi::Array::New(env, results_.size());
    for (size_t i = 0; i < results_.size(); ++i) {
      images.Set(static_cast<uint32_t>(i), ImageToJs(env, results_[i], state_->session->info(), state_->options));
    }
    deferred_.Resolve(images);
  }
  void OnError(const Napi::Error& e) override {
    Release();
    state_->ended = true;
    state_->reader.reset();
    state_->sink.reset();
    PromiseWorker::OnError(e);
  }

 private:
  void Release() { VideoStreamWrap::Unwrap(owner_.Value())->busy() = false; }
  std::shared_ptr<StreamState> state_;
  size_t count_;
  Napi::ObjectReference owner_;
  std::vector<ImageResult> results_;
};

}  // namespace

Napi::Function VideoStreamWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeVideoStream",
                     {
                         InstanceMethod<&VideoStreamWrap::Next>("next"),
                         InstanceMethod<&VideoStreamWrap::Close>("close"),
                         InstanceMethod<&VideoStreamWrap::Info>("info"),
                     });
}

Napi::Value VideoStreamWrap::Next(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const size_t count =
      info.Length() > 0 && info[0].IsNumber() ? static_cast<size_t>(std::max(1, info[0].As<Napi::Number>().Int32Value())) : 1;
  if (!state_ || state_->ended) {
    auto deferred = Napi::Promise::Deferred::New(env);
    deferred.Resolve(Napi::Array::New(env, 0));
    return deferred.Promise();
  }
  if (busy_.exchange(true)) throw MakeError(env, code::kInternal, "stream.next() called while a previous next() is still pending");
  return Start(new StreamNextWorker(env, state_, count, Value()));
}

Napi::Value VideoStreamWrap::Close(const Napi::CallbackInfo& info) {
  if (state_) state_->stop->store(true);  // a live source stops capturing, and a chunk waiting for a frame ends, at once
  state_.reset();                         // a chunk in flight keeps its own reference; the reader dies with the last of them
  return info.Env().Undefined();
}

Napi::Value VideoStreamWrap::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  if (state_) {
    o.Set("fps", state_->fps);
    o.Set("frameCount", static_cast<double>(state_->frame_count));
    if (state_->dropped) o.Set("dropped", static_cast<double>(state_->dropped->load()));
  }
  o.Set("closed", !state_);
  return o;
}

Napi::Value OpenVideoStream(Napi::Env env, std::shared_ptr<ModelSession> session, InputSource input, const PredictOptions& options,
                            StreamSetup setup) {
  auto state = std::make_shared<StreamState>();
  state->session = std::move(session);
  state->options = options;
  state->abort = setup.abort;
  return Start(new StreamOpenWorker(env, std::move(state), std::move(input), std::move(setup)));
}

}  // namespace yolo
