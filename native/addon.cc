// N-API surface: loadModel / Model.predict as Promise-returning AsyncWorkers, plus small test hooks. All option
// validation happens in lib/options.ts before anything reaches here; this file only converts types.
#include <napi.h>
#include <opencv2/core/utils/logger.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sys/stat.h>

#include "errors.h"
#include "image.h"
#include "jpeg_decode.h"
#include "model_session.h"
#include "nms.h"
#include "ort_runtime.h"
#include "pipeline.h"
#include "result_js.h"
#include "simd.h"
#include "video.h"

namespace yolo {
namespace {

struct AddonData {
  Napi::FunctionReference model_constructor;
  Napi::FunctionReference stream_constructor;
};

Napi::Error MakeError(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", code);
  return error;
}

// Base for workers that settle a promise and carry a yolo::Error code across threads.
class PromiseWorker : public Napi::AsyncWorker {
 public:
  explicit PromiseWorker(Napi::Env env) : Napi::AsyncWorker(env, "yolo-native"), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  template <typename F>
  void Guard(F&& body) {
    try {
      body();
    } catch (const Error& e) {
      code_ = e.code();
      SetError(e.what());
    } catch (const Ort::Exception& e) {
      code_ = code::kInference;
      SetError(e.what());
    } catch (const std::bad_alloc&) {
      code_ = code::kImageTooLarge;
      SetError("out of memory while processing the input");
    } catch (const std::exception& e) {
      code_ = code::kInternal;
      SetError(e.what());
    }
  }
  void OnError(const Napi::Error& e) override {
    Napi::Error error = MakeError(Env(), code_.empty() ? code::kInternal : code_, e.Message());
    deferred_.Reject(error.Value());
  }
  Napi::Promise::Deferred deferred_;
  std::string code_;
};

int IntOr(const Napi::Object& o, const char* key, int fallback) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Int32Value() : fallback;
}
double NumberOr(const Napi::Object& o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
}
bool BoolOr(const Napi::Object& o, const char* key, bool fallback) {
  Napi::Value v = o.Get(key);
  return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : fallback;
}
std::string StringOr(const Napi::Object& o, const char* key, const std::string& fallback) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : fallback;
}

PredictOptions ReadPredictOptions(const Napi::Object& o) {
  PredictOptions p;
  p.imgsz = IntOr(o, "imgsz", p.imgsz);
  p.conf = static_cast<float>(NumberOr(o, "conf", p.conf));
  p.iou = static_cast<float>(NumberOr(o, "iou", p.iou));
  p.max_det = IntOr(o, "maxDet", p.max_det);
  if (Napi::Value classes = o.Get("classes"); classes.IsArray()) {  // e2e branch: Ultralytics' class filter
    Napi::Array list = classes.As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); ++i) p.classes.push_back(list.Get(i).As<Napi::Number>().Int32Value());
  }
  p.top_k = IntOr(o, "topk", p.top_k);
  p.max_pixels = static_cast<int64_t>(NumberOr(o, "maxPixels", 0));
  p.simd = BoolOr(o, "simd", true);
  p.rect = BoolOr(o, "rect", true);
  p.fast_decode = BoolOr(o, "fastDecode", false);
  p.batch = IntOr(o, "batch", 1);
  p.vid_stride = IntOr(o, "vidStride", 1);
  p.max_frames = static_cast<int64_t>(NumberOr(o, "maxFrames", 0));
  return p;
}

// Reads a whole file on the worker thread.
std::vector<uint8_t> ReadFileBytes(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) throw Error(code::kFileNotFound, "input file '" + path + "' does not exist");
    throw Error(code::kInvalidInput, "cannot read input file '" + path + "': " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) throw Error(code::kInvalidInput, "input path '" + path + "' is not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(code::kInvalidInput, "cannot open input file '" + path + "'");
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  if (!bytes.empty() && !in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()))) {
    throw Error(code::kInvalidInput, "cannot read input file '" + path + "'");
  }
  return bytes;
}

class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeModel", {
      InstanceMethod<&ModelWrap::Predict>("predict"),
      InstanceMethod<&ModelWrap::Dispose>("dispose"),
      InstanceMethod<&ModelWrap::Info>("info"),
      InstanceMethod<&ModelWrap::OpenStream>("openStream"),
    });
  }
  explicit ModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelWrap>(info) {}
  void Attach(std::shared_ptr<ModelSession> session) { session_ = std::move(session); }
  std::shared_ptr<ModelSession> session() const { return session_; }

 private:
  Napi::Value Predict(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    session_.reset();  // workers in flight hold their own reference; the session dies with the last of them
    return info.Env().Undefined();
  }
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value OpenStream(const Napi::CallbackInfo& info);

  std::shared_ptr<ModelSession> session_;
};

class LoadWorker : public PromiseWorker {
 public:
  LoadWorker(Napi::Env env, std::string path, SessionConfig config) : PromiseWorker(env), path_(std::move(path)), config_(std::move(config)) {}
  void Execute() override {
    Guard([&] { session_ = std::make_shared<ModelSession>(path_, config_); });
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object instance = env.GetInstanceData<AddonData>()->model_constructor.New({});
    ModelWrap::Unwrap(instance)->Attach(std::move(session_));
    deferred_.Resolve(instance);
  }

 private:
  std::string path_;
  SessionConfig config_;
  std::shared_ptr<ModelSession> session_;
};

// Reads up to `limit` processed frames (0 = to the end) from the reader, predicting each as it is decoded (one
// frame in memory at a time); the decode time counts as preprocess. False when the video has ended.
bool PredictVideoFrames(ModelSession& session, VideoReader& reader, const PredictOptions& options, size_t limit,
                        std::vector<ImageResult>* out) {
  for (size_t n = 0; limit == 0 || n < limit; ++n) {
    const auto t0 = std::chrono::steady_clock::now();
    cv::Mat frame;
    int64_t index = 0;
    if (!reader.Next(&frame, &index)) return false;
    const double decode_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    ImageResult r = PredictDecoded(session, frame, options);
    r.t_pre += decode_ms;
    r.frame = index;
    out->push_back(std::move(r));
  }
  return true;
}

// One input of a predict call: bytes the JS side owns (kept alive by a reference) or a path read on the worker.
struct PredictInput {
  const uint8_t* data = nullptr;
  size_t size = 0;
  std::string path;
  std::string label;
};

class PredictWorker : public PromiseWorker {
 public:
  PredictWorker(Napi::Env env, std::shared_ptr<ModelSession> session, std::vector<PredictInput> inputs, PredictOptions options,
                std::vector<Napi::Reference<Napi::Value>> keep_alive)
      : PromiseWorker(env), session_(std::move(session)), inputs_(std::move(inputs)), options_(options), keep_alive_(std::move(keep_alive)) {}

  void SetTempDir(std::string tmpdir) { tmpdir_ = std::move(tmpdir); }

  void Execute() override {
    Guard([&] {
      // Consecutive images are predicted together (a batch of up to options.batch on dynamic-batch models); a video
      // (told apart from an image by content, or a path's extension: native/video.cc) gives one result per
      // processed frame, decoded and predicted one frame at a time.
      std::vector<EncodedImage> images;
      std::vector<std::vector<uint8_t>> file_bytes;  // inputs given as paths, read here on the worker thread
      auto flush = [&] {
        for (auto& r : PredictEncoded(*session_, images, options_)) results_.push_back(std::move(r));
        images.clear();
        file_bytes.clear();
      };
      for (const auto& input : inputs_) {
        const bool is_video = !input.path.empty() ? PathIsVideo(input.path) : LooksLikeVideo(input.data, input.size);
        if (is_video) {
          flush();
          std::unique_ptr<VideoReader> reader =
              !input.path.empty()
                  ? VideoReader::OpenFile(input.path, input.label, options_.vid_stride, options_.max_frames, options_.max_pixels)
                  : VideoReader::OpenBytes(input.data, input.size, tmpdir_, input.label, options_.vid_stride, options_.max_frames,
                                           options_.max_pixels);
          PredictVideoFrames(*session_, *reader, options_, 0, &results_);
          continue;
        }
        if (!input.path.empty()) {
          file_bytes.push_back(ReadFileBytes(input.path));  // moving the outer vector keeps each buffer in place
          images.push_back({file_bytes.back().data(), file_bytes.back().size(), input.label.c_str()});
        } else {
          images.push_back({input.data, input.size, input.label.c_str()});
        }
        if (images.size() >= static_cast<size_t>(std::max(1, options_.batch))) flush();
      }
      flush();
    });
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::Array images = Napi::Array::New(env, results_.size());
    for (size_t i = 0; i < results_.size(); ++i) images.Set(static_cast<uint32_t>(i), ImageResultToJs(env, results_[i], session_->info()));
    deferred_.Resolve(images);
  }

 private:
  std::shared_ptr<ModelSession> session_;
  std::vector<PredictInput> inputs_;
  PredictOptions options_;
  std::vector<Napi::Reference<Napi::Value>> keep_alive_;
  std::vector<ImageResult> results_;
  std::string tmpdir_;
};

Napi::Value ModelWrap::Predict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!session_) throw MakeError(env, code::kDisposed, "the model has been disposed; load it again");
  if (info.Length() < 2 || !info[0].IsArray() || !info[1].IsObject()) throw MakeError(env, code::kInternal, "predict(inputs[], options) expected");
  Napi::Array list = info[0].As<Napi::Array>();
  std::vector<PredictInput> inputs;
  std::vector<Napi::Reference<Napi::Value>> keep_alive;
  for (uint32_t i = 0; i < list.Length(); ++i) {
    Napi::Value v = list.Get(i);
    PredictInput input;
    if (v.IsString()) {
      input.path = v.As<Napi::String>().Utf8Value();
      input.label = "input file '" + input.path + "'";
    } else if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
      auto bytes = v.As<Napi::Uint8Array>();
      input.data = bytes.Data();
      input.size = bytes.ByteLength();
      input.label = list.Length() > 1 ? "input buffer #" + std::to_string(i) : "input buffer";
      keep_alive.push_back(Napi::Persistent(v));
    } else {
      throw MakeError(env, code::kInvalidInput, "input #" + std::to_string(i) + " must be a Uint8Array or a path string");
    }
    inputs.push_back(std::move(input));
  }
  auto* worker = new PredictWorker(env, session_, std::move(inputs), ReadPredictOptions(info[1].As<Napi::Object>()), std::move(keep_alive));
  worker->SetTempDir(StringOr(info[1].As<Napi::Object>(), "tmpdir", ""));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// ---- Streaming video: model.openStream(input, options) -> Promise<VideoStream | null> (null: the input is an
// image, which the JS side predicts as one entry); stream.next(n) -> Promise<images[]> (empty at the end), one
// AsyncWorker per chunk; stream.close() releases the reader (and so the decoder and any spilled temp file).

struct StreamState {
  std::shared_ptr<ModelSession> session;
  std::unique_ptr<VideoReader> reader;
  PredictOptions options;
  bool ended = false;
};

class VideoStreamWrap : public Napi::ObjectWrap<VideoStreamWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeVideoStream", {
      InstanceMethod<&VideoStreamWrap::Next>("next"),
      InstanceMethod<&VideoStreamWrap::Close>("close"),
      InstanceMethod<&VideoStreamWrap::Info>("info"),
    });
  }
  explicit VideoStreamWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<VideoStreamWrap>(info) {}
  void Attach(std::shared_ptr<StreamState> state) { state_ = std::move(state); }
  std::atomic<bool>& busy() { return busy_; }

 private:
  Napi::Value Next(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info) {
    state_.reset();  // a chunk in flight keeps its own reference; the reader dies with the last of them
    return info.Env().Undefined();
  }
  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    if (state_ && state_->reader && !busy_) {
      o.Set("fps", state_->reader->fps());
      o.Set("frameCount", static_cast<double>(state_->reader->frame_count_hint()));
    }
    o.Set("closed", !state_);
    return o;
  }

  std::shared_ptr<StreamState> state_;
  std::atomic<bool> busy_{false};
};

class StreamOpenWorker : public PromiseWorker {
 public:
  StreamOpenWorker(Napi::Env env, std::shared_ptr<ModelSession> session, PredictInput input, PredictOptions options, std::string tmpdir,
                   Napi::Reference<Napi::Value> keep_alive)
      : PromiseWorker(env), input_(std::move(input)), tmpdir_(std::move(tmpdir)), keep_alive_(std::move(keep_alive)) {
    state_ = std::make_shared<StreamState>();
    state_->session = std::move(session);
    state_->options = options;
  }
  void Execute() override {
    Guard([&] {
      const PredictOptions& o = state_->options;
      if (!input_.path.empty()) {
        if (PathIsVideo(input_.path)) state_->reader = VideoReader::OpenFile(input_.path, input_.label, o.vid_stride, o.max_frames, o.max_pixels);
      } else if (LooksLikeVideo(input_.data, input_.size)) {
        state_->reader = VideoReader::OpenBytes(input_.data, input_.size, tmpdir_, input_.label, o.vid_stride, o.max_frames, o.max_pixels);
      }
    });
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (!state_->reader) {
      deferred_.Resolve(env.Null());
      return;
    }
    Napi::Object instance = env.GetInstanceData<AddonData>()->stream_constructor.New({});
    VideoStreamWrap::Unwrap(instance)->Attach(std::move(state_));
    deferred_.Resolve(instance);
  }

 private:
  PredictInput input_;
  std::string tmpdir_;
  Napi::Reference<Napi::Value> keep_alive_;
  std::shared_ptr<StreamState> state_;
};

class StreamNextWorker : public PromiseWorker {
 public:
  StreamNextWorker(Napi::Env env, std::shared_ptr<StreamState> state, size_t count, Napi::Object owner)
      : PromiseWorker(env), state_(std::move(state)), count_(count), owner_(Napi::Persistent(owner)) {}
  void Execute() override {
    Guard([&] {
      if (state_->ended) return;
      if (!PredictVideoFrames(*state_->session, *state_->reader, state_->options, count_, &results_)) {
        state_->ended = true;
        state_->reader.reset();  // release the decoder as soon as the video has ended
      }
    });
  }
  void OnOK() override {
    Napi::Env env = Env();
    Release();
    Napi::Array images = Napi::Array::New(env, results_.size());
    for (size_t i = 0; i < results_.size(); ++i) images.Set(static_cast<uint32_t>(i), ImageResultToJs(env, results_[i], state_->session->info()));
    deferred_.Resolve(images);
  }
  void OnError(const Napi::Error& e) override {
    Release();
    state_->ended = true;
    state_->reader.reset();
    PromiseWorker::OnError(e);
  }

 private:
  void Release() { VideoStreamWrap::Unwrap(owner_.Value())->busy() = false; }
  std::shared_ptr<StreamState> state_;
  size_t count_;
  Napi::ObjectReference owner_;
  std::vector<ImageResult> results_;
};

Napi::Value VideoStreamWrap::Next(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const size_t count = info.Length() > 0 && info[0].IsNumber() ? static_cast<size_t>(std::max(1, info[0].As<Napi::Number>().Int32Value())) : 1;
  if (!state_ || state_->ended) {
    auto deferred = Napi::Promise::Deferred::New(env);
    deferred.Resolve(Napi::Array::New(env, 0));
    return deferred.Promise();
  }
  if (busy_.exchange(true)) throw MakeError(env, code::kInternal, "stream.next() called while a previous next() is still pending");
  auto* worker = new StreamNextWorker(env, state_, count, Value());
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value ModelWrap::OpenStream(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!session_) throw MakeError(env, code::kDisposed, "the model has been disposed; load it again");
  if (info.Length() < 2 || !info[1].IsObject()) throw MakeError(env, code::kInternal, "openStream(input, options) expected");
  PredictInput input;
  Napi::Reference<Napi::Value> keep_alive;
  if (info[0].IsString()) {
    input.path = info[0].As<Napi::String>().Utf8Value();
    input.label = "input file '" + input.path + "'";
  } else if (info[0].IsTypedArray() && info[0].As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
    auto bytes = info[0].As<Napi::Uint8Array>();
    input.data = bytes.Data();
    input.size = bytes.ByteLength();
    input.label = "input buffer";
    keep_alive = Napi::Persistent(info[0]);
  } else {
    throw MakeError(env, code::kInvalidInput, "stream input must be a Uint8Array or a path string");
  }
  Napi::Object o = info[1].As<Napi::Object>();
  auto* worker = new StreamOpenWorker(env, session_, std::move(input), ReadPredictOptions(o), StringOr(o, "tmpdir", ""), std::move(keep_alive));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value ModelWrap::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!session_) throw MakeError(env, code::kDisposed, "the model has been disposed");
  const ModelInfo& m = session_->info();
  Napi::Object o = Napi::Object::New(env);
  o.Set("task", TaskName(m.task));
  o.Set("head", HeadName(m.head));  // e2e branch: output0 layout (output_layout.h)
  Napi::Array names = Napi::Array::New(env, m.names.size());
  for (size_t i = 0; i < m.names.size(); ++i) names.Set(static_cast<uint32_t>(i), m.names[i]);
  o.Set("names", names);
  o.Set("stride", m.stride);
  Napi::Array imgsz = Napi::Array::New(env, 2);
  imgsz.Set(0u, m.imgsz_h);
  imgsz.Set(1u, m.imgsz_w);
  o.Set("imgsz", imgsz);
  o.Set("dynamic", m.dynamic_hw);
  o.Set("dynamicBatch", m.dynamic_batch);
  Napi::Array input = Napi::Array::New(env, 4);
  input.Set(0u, m.dynamic_batch ? env.Null() : Napi::Number::New(env, static_cast<double>(m.fixed_batch)));
  input.Set(1u, 3);
  input.Set(2u, m.input_h < 0 ? env.Null() : Napi::Number::New(env, static_cast<double>(m.input_h)));
  input.Set(3u, m.input_w < 0 ? env.Null() : Napi::Number::New(env, static_cast<double>(m.input_w)));
  o.Set("inputShape", input);
  if (m.kpt_count > 0) {
    Napi::Array kpt = Napi::Array::New(env, 2);
    kpt.Set(0u, m.kpt_count);
    kpt.Set(1u, m.kpt_dims);
    o.Set("kptShape", kpt);
  }
  Napi::Object metadata = Napi::Object::New(env);
  for (const auto& [k, v] : m.metadata) metadata.Set(k, v);
  o.Set("metadata", metadata);
  o.Set("path", session_->path());
  return o;
}

Napi::Value LoadModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsObject()) throw MakeError(env, code::kInternal, "load(path, options) expected");
  Napi::Object o = info[1].As<Napi::Object>();
  SessionConfig config;
  config.ort_library = StringOr(o, "ortLibrary", "");
  config.intra_op_threads = IntOr(o, "threads", 0);
  config.parallel_runs = IntOr(o, "parallelRuns", 1);
  config.allow_spinning = BoolOr(o, "spinning", true);
  config.graph_optimization = IntOr(o, "graphOptimization", 99);
  config.optimized_model_path = StringOr(o, "optimizedModelPath", "");
  config.device_id = IntOr(o, "deviceId", 0);
  Napi::Value entries = o.Get("ortConfig");
  if (entries.IsObject()) {
    Napi::Object map = entries.As<Napi::Object>();
    Napi::Array keys = map.GetPropertyNames();
    for (uint32_t i = 0; i < keys.Length(); ++i) {
      const std::string key = keys.Get(i).ToString().Utf8Value();
      config.config_entries.emplace_back(key, map.Get(key).ToString().Utf8Value());
    }
  }
  Napi::Value providers = o.Get("providers");
  if (providers.IsArray()) {
    Napi::Array list = providers.As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); ++i) config.providers.push_back(list.Get(i).ToString().Utf8Value());
  }
  auto* worker = new LoadWorker(env, info[0].As<Napi::String>().Utf8Value(), std::move(config));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// Test hooks' common path: decodes info[0] and returns { data: Float32Array (1 x 3 x h x w), shape } with
// fill(bgr, data) writing the tensor; a yolo::Error becomes a JS error with its code.
template <typename Size, typename Fill>
Napi::Value DecodedTensorHook(const Napi::CallbackInfo& info, Size&& size, Fill&& fill) {
  Napi::Env env = info.Env();
  auto bytes = info[0].As<Napi::Uint8Array>();
  try {
    cv::Mat bgr = DecodeImage(bytes.Data(), bytes.ByteLength(), 0, "input buffer");
    const auto [h, w] = size(bgr);
    if (h <= 0 || w <= 0 || h > 8192 || w > 8192) throw Error(code::kInvalidArgument, "tensor size must be 1..8192 per side");
    Napi::Float32Array out = Napi::Float32Array::New(env, 3 * static_cast<size_t>(h) * w);
    fill(bgr, out.Data());
    Napi::Object o = Napi::Object::New(env);
    o.Set("data", out);
    Napi::Array shape = Napi::Array::New(env, 4);
    shape.Set(0u, 1); shape.Set(1u, 3); shape.Set(2u, h); shape.Set(3u, w);
    o.Set("shape", shape);
    return o;
  } catch (const Error& e) {
    throw MakeError(env, e.code(), e.what());
  }
}

// Test hook: the letterboxed tensor for an encoded image, to compare with Ultralytics' own.
Napi::Value LetterboxTensor(const Napi::CallbackInfo& info) {
  const int target = info[1].As<Napi::Number>().Int32Value();
  const bool auto_pad = info[2].As<Napi::Boolean>().Value();
  const int stride = info.Length() > 3 ? info[3].As<Napi::Number>().Int32Value() : 32;
  const bool simd = info.Length() > 4 ? info[4].As<Napi::Boolean>().Value() : true;
  LetterboxGeometry g;
  return DecodedTensorHook(
      info,
      [&](const cv::Mat& bgr) {
        g = PlanLetterbox(bgr.rows, bgr.cols, target, target, auto_pad, stride);
        return std::pair<int, int>(g.in_h, g.in_w);
      },
      [&](const cv::Mat& bgr, float* dst) { LetterboxToTensor(bgr, g, dst, simd); });
}

// Test hook: the classify tensor (Pillow resize + centre crop) for an encoded image at height x width, with the
// SIMD kernels or the scalar references.
Napi::Value ClassifyTensor(const Napi::CallbackInfo& info) {
  const int height = info[1].As<Napi::Number>().Int32Value();
  const int width = info.Length() > 2 && !info[2].IsUndefined() ? info[2].As<Napi::Number>().Int32Value() : height;
  const bool simd = info.Length() > 3 ? info[3].As<Napi::Boolean>().Value() : true;
  return DecodedTensorHook(
      info, [&](const cv::Mat&) { return std::pair<int, int>(height, width); },
      [&](const cv::Mat& bgr, float* dst) { ClassifyToTensor(bgr, height, width, dst, simd); });
}

// Test hook: decodeImage(bytes, { opencv, reduction }) -> { width, height, data (BGR rows), direct, ms }: the decode
// predict uses (YOLO_NATIVE_JPEG included), or cv::imdecode alone (opencv: true), at 1/reduction scale; `direct`
// says whether libjpeg was called directly and `ms` times the decode alone.
Napi::Value DecodeImageForTest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw MakeError(env, code::kInvalidInput, "decodeImage(Uint8Array, options?) expected");
  }
  auto bytes = info[0].As<Napi::Uint8Array>();
  const Napi::Object o = info.Length() > 1 && info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
  const bool opencv = BoolOr(o, "opencv", false);
  const int reduction = IntOr(o, "reduction", 1);
  if (reduction != 1 && reduction != 2 && reduction != 4 && reduction != 8) {
    throw MakeError(env, code::kInvalidArgument, "reduction must be 1, 2, 4 or 8; received " + std::to_string(reduction));
  }
  if (bytes.ByteLength() == 0) throw MakeError(env, code::kEmptyInput, "input buffer is empty");
  cv::Mat bgr;
  bool direct = false;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    bgr = DecodeColor(bytes.Data(), bytes.ByteLength(), reduction, !opencv && DirectJpegEnabled(), &direct);
  } catch (const cv::Exception& e) {
    throw MakeError(env, code::kDecodeFailed, std::string("input buffer could not be decoded as an image: ") + e.what());
  }
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (bgr.empty() || bgr.type() != CV_8UC3) throw MakeError(env, code::kDecodeFailed, "input buffer is not a decodable image");
  const size_t row = static_cast<size_t>(bgr.cols) * 3;
  Napi::Buffer<uint8_t> data = Napi::Buffer<uint8_t>::New(env, row * bgr.rows);
  for (int y = 0; y < bgr.rows; ++y) std::memcpy(data.Data() + row * y, bgr.ptr<uint8_t>(y), row);
  Napi::Object out = Napi::Object::New(env);
  out.Set("width", bgr.cols);
  out.Set("height", bgr.rows);
  out.Set("data", data);
  out.Set("direct", direct);
  out.Set("ms", ms);
  return out;
}

// Test hook: NMS over sorted boxes (n x 4 xyxy, or n x 5 xywhr when rotated), scalar or SIMD.
Napi::Value NmsForTest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto boxes = info[0].As<Napi::Float32Array>();
  const float iou = info[1].As<Napi::Number>().FloatValue();
  const bool rotated = info[2].As<Napi::Boolean>().Value();
  const bool simd = info[3].As<Napi::Boolean>().Value();
  const int n = static_cast<int>(boxes.ElementLength() / (rotated ? 5 : 4));
  std::vector<int> keep = rotated ? NmsRotatedSorted(boxes.Data(), n, iou, n, simd) : NmsSorted(boxes.Data(), n, iou, n, simd);
  Napi::Array out = Napi::Array::New(env, keep.size());
  for (size_t i = 0; i < keep.size(); ++i) out.Set(static_cast<uint32_t>(i), keep[i]);
  return out;
}

Napi::Value RuntimeInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("ortLibrary", LoadedOrtLibrary());
  o.Set("ortVersion", LoadedOrtVersion());
  o.Set("simd", SimdPath());
  o.Set("ortApiVersion", ORT_API_VERSION);
  return o;
}

// Test hook: the one place that tells a video from an image (bytes, or a path: content then extension).
Napi::Value IsVideoForTest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() > 0 && info[0].IsString()) return Napi::Boolean::New(env, PathIsVideo(info[0].As<Napi::String>().Utf8Value()));
  if (info.Length() > 0 && info[0].IsTypedArray() && info[0].As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
    auto bytes = info[0].As<Napi::Uint8Array>();
    return Napi::Boolean::New(env, LooksLikeVideo(bytes.Data(), bytes.ByteLength()));
  }
  throw MakeError(env, code::kInvalidInput, "isVideo(Uint8Array | path) expected");
}

// Test hook: video readers alive (a stream closed early must have released its reader).
Napi::Value LiveVideoReaders(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(VideoReader::Alive())); }

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  QuietFfmpegLogs();
  // Corrupt inputs are reported as YoloErrors; OpenCV's own WARN lines about them would only clutter a server's
  // stderr. OPENCV_LOG_LEVEL still wins when the user sets it.
  if (!std::getenv("OPENCV_LOG_LEVEL")) cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
  auto* data = new AddonData();
  data->model_constructor = Napi::Persistent(ModelWrap::Define(env));
  data->stream_constructor = Napi::Persistent(VideoStreamWrap::Define(env));
  env.SetInstanceData(data);
  exports.Set("load", Napi::Function::New(env, LoadModel));
  exports.Set("letterboxTensor", Napi::Function::New(env, LetterboxTensor));
  exports.Set("classifyTensor", Napi::Function::New(env, ClassifyTensor));
  exports.Set("decodeImage", Napi::Function::New(env, DecodeImageForTest));
  exports.Set("nms", Napi::Function::New(env, NmsForTest));
  exports.Set("runtimeInfo", Napi::Function::New(env, RuntimeInfo));
  exports.Set("isVideo", Napi::Function::New(env, IsVideoForTest));
  exports.Set("liveVideoReaders", Napi::Function::New(env, LiveVideoReaders));
  return exports;
}

}  // namespace yolo

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return yolo::Init(env, exports); }
NODE_API_MODULE(yolo_native, InitModule)
