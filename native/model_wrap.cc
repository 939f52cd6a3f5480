#include "model_wrap.h"

#include <algorithm>

#include "addon_data.h"
#include "errors.h"
#include "js_convert.h"
#include "ort_runtime.h"
#include "output_layout.h"
#include "pipeline.h"
#include "plot.h"
#include "promise_worker.h"
#include "stream_wrap.h"

namespace yolo {
namespace {

class LoadWorker : public PromiseWorker {
 public:
  LoadWorker(Napi::Env env, std::string path, SessionConfig config, ResponseLabels labels)
      : PromiseWorker(env), path_(std::move(path)), config_(std::move(config)), labels_(std::move(labels)) {}
  void Execute() override {
    Guard([&] {
      session_ = std::make_shared<ModelSession>(path_, config_);
      labels_.onnxruntime = LoadedOrtVersion();
    });
  }
  void OnOK() override {
    Napi::Object instance = DataOf(Env()).model_constructor.New({});
    ModelWrap::Unwrap(instance)->Attach(std::move(session_), std::move(labels_));
    deferred_.Resolve(instance);
  }

 private:
  std::string path_;
  SessionConfig config_;
  ResponseLabels labels_;
  std::shared_ptr<ModelSession> session_;
};

class PredictWorker : public PromiseWorker {
 public:
  PredictWorker(Napi::Env env, std::shared_ptr<ModelSession> session, PredictRequest request, const ResponseLabels& labels)
      : PromiseWorker(env), session_(std::move(session)), request_(std::move(request)), labels_(labels) {}
  void Execute() override {
    Guard([&] { results_ = Predict(*session_, request_); });
  }
  void OnOK() override { deferred_.Resolve(ResponseToJs(Env(), results_, session_->info(), request_.options, labels_)); }

 private:
  std::shared_ptr<ModelSession> session_;
  PredictRequest request_;
  ResponseLabels labels_;
  std::vector<ImageResult> results_;
};

class PlotWorker : public PromiseWorker {
 public:
  PlotWorker(Napi::Env env, std::shared_ptr<ModelSession> session, InputSource input, ImageResult result, const PredictOptions& options)
      : PromiseWorker(env), session_(std::move(session)), input_(std::move(input)), result_(std::move(result)), options_(options) {}
  void Execute() override {
    Guard([&] {
      if (!input_.url.empty() || (input_.raw == nullptr && (input_.path.empty() ? LooksLikeVideo(input_.bytes.data(), input_.bytes.size())
                                                                                : PathIsVideo(input_.path)))) {
        throw Error(code::kInvalidInput,
                    input_.label + " is a video or a live source: plot() draws one image (predict with { plot: true } draws frames)");
      }
      cv::Mat bgr = DecodeStill(input_, options_.max_pixels);
      if (bgr.rows != result_.orig_h || bgr.cols != result_.orig_w) {
        throw Error(code::kInvalidArgument, "result.shape [" + std::to_string(result_.orig_h) + ", " + std::to_string(result_.orig_w) +
                                                "] is not the shape of " + input_.label + " [" + std::to_string(bgr.rows) + ", " +
                                                std::to_string(bgr.cols) + "]: plot the result with its own image");
      }
      DrawResult(bgr, result_, session_->info(), options_.plot);
      picture_ = EncodePicture(bgr, options_.plot);
    });
  }
  void OnOK() override { deferred_.Resolve(Napi::Buffer<uint8_t>::Copy(Env(), picture_.data(), picture_.size())); }

 private:
  std::shared_ptr<ModelSession> session_;
  InputSource input_;
  ImageResult result_;
  PredictOptions options_;
  std::vector<uint8_t> picture_;
};

// Runs body, turning a yolo::Error thrown on the JS thread (argument conversion) into a JS error with its code.
template <typename F>
Napi::Value OnJsThread(Napi::Env env, F&& body) {
  try {
    return body();
  } catch (const Error& e) {
    throw MakeError(env, e.code(), e.what());
  }
}

}  // namespace

Napi::Function ModelWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeModel",
                     {
                         InstanceMethod<&ModelWrap::Predict>("predict"),
                         InstanceMethod<&ModelWrap::OpenStream>("openStream"),
                         InstanceMethod<&ModelWrap::Plot>("plot"),
                         InstanceMethod<&ModelWrap::Info>("info"),
                         InstanceMethod<&ModelWrap::Stats>("stats"),
                         InstanceMethod<&ModelWrap::Plan>("plan"),
                         InstanceMethod<&ModelWrap::Dispose>("dispose"),
                     });
}

void ModelWrap::Attach(std::shared_ptr<ModelSession> session, ResponseLabels labels) {
  session_ = std::move(session);
  labels_ = std::move(labels);
}

std::shared_ptr<ModelSession> ModelWrap::Session(Napi::Env env) const {
  if (!session_) throw MakeError(env, code::kDisposed, "the model has been disposed; load it again");
  return session_;
}

// predict(inputs[], options) -> Promise<HubResponse>
Napi::Value ModelWrap::Predict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<ModelSession> session = Session(env);
  return OnJsThread(env, [&]() -> Napi::Value {
    if (info.Length() < 2 || !info[1].IsObject()) throw Error(code::kInternal, "predict(inputs[], options) expected");
    const Napi::Object options = info[1].As<Napi::Object>();
    PredictRequest request;
    request.options = ReadPredictOptions(options);
    request.inputs = ReadInputs(info[0], request.options.max_pixels);
    request.tmpdir = RequiredString(options, "tmpdir");
    request.abort = ReadAbortFlag(options);
    return Start(new PredictWorker(env, std::move(session), std::move(request), labels_));
  });
}

// openStream(input, options) -> Promise<NativeVideoStream | null>
Napi::Value ModelWrap::OpenStream(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<ModelSession> session = Session(env);
  return OnJsThread(env, [&]() -> Napi::Value {
    if (info.Length() < 2 || !info[1].IsObject()) throw Error(code::kInternal, "openStream(input, options) expected");
    const Napi::Object options = info[1].As<Napi::Object>();
    const PredictOptions predict = ReadPredictOptions(options);
    StreamSetup setup;
    setup.live = ReadLiveOptions(options);
    setup.tmpdir = RequiredString(options, "tmpdir");
    setup.abort = ReadAbortFlag(options);
    if (Napi::Value save = options.Get("saveVideo"); save.IsString()) setup.save_video = save.As<Napi::String>().Utf8Value();
    return OpenVideoStream(env, std::move(session), ReadInput(info[0], "input buffer", predict.max_pixels), predict, std::move(setup));
  });
}

// plot(input, image, options) -> Promise<Buffer>: the picture of one images[] entry on the image it belongs to.
Napi::Value ModelWrap::Plot(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<ModelSession> session = Session(env);
  return OnJsThread(env, [&]() -> Napi::Value {
    if (info.Length() < 3 || !info[1].IsObject() || !info[2].IsObject())
      throw Error(code::kInternal, "plot(input, image, options) expected");
    const PredictOptions options = ReadPredictOptions(info[2].As<Napi::Object>());
    InputSource input = ReadInput(info[0], "input buffer", options.max_pixels);
    ImageResult result = ReadImageResult(info[1].As<Napi::Object>(), session->info());
    auto* worker = new PlotWorker(env, std::move(session), std::move(input), std::move(result), options);
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  });
}

Napi::Value ModelWrap::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::shared_ptr<ModelSession> session = Session(env);
  const ModelInfo& m = session->info();
  Napi::Object o = Napi::Object::New(env);
  o.Set("task", TaskName(m.task));
  o.Set("head", HeadName(m.head));  // output0's layout (output_layout.h)
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
  o.Set("sessionPath", session->path());  // the file ORT built the session from (an optimized-cache entry, say)
  Napi::Object entries = Napi::Object::New(env);
  for (const auto& [k, v] : session->config_entries()) entries.Set(k, v);
  o.Set("sessionConfig", entries);
  o.Set("intraOpThreads", session->config().intra_op_threads);
  return o;
}

// stats() -> { inferenceRuns, imagesInferred }: what the session has run so far.
Napi::Value ModelWrap::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::shared_ptr<ModelSession> session = Session(env);
  Napi::Object o = Napi::Object::New(env);
  o.Set("inferenceRuns", static_cast<double>(session->inference_runs()));
  o.Set("imagesInferred", static_cast<double>(session->images_inferred()));
  return o;
}

// plan(imgsz, rect) -> { imgsz, target: [h, w], rect }: the network input a request would get (PlanInput), for
// callers that must know it before predicting (lib/val).
Napi::Value ModelWrap::Plan(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::shared_ptr<ModelSession> session = Session(env);
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsBoolean()) throw MakeError(env, code::kInternal, "plan(imgsz, rect) expected");
  const InputPlan plan = PlanInput(session->info(), info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Boolean>().Value());
  Napi::Object o = Napi::Object::New(env);
  o.Set("imgsz", std::max(plan.target_h, plan.target_w));
  Napi::Array target = Napi::Array::New(env, 2);
  target.Set(0u, plan.target_h);
  target.Set(1u, plan.target_w);
  o.Set("target", target);
  o.Set("rect", plan.auto_pad);
  return o;
}

Napi::Value ModelWrap::Dispose(const Napi::CallbackInfo& info) {
  session_.reset();  // workers in flight hold their own reference; the session dies with the last of them
  return info.Env().Undefined();
}

// load(path, options: { label, version, ...session config }) -> Promise<NativeModel>
Napi::Value LoadModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return OnJsThread(env, [&]() -> Napi::Value {
    if (info.Length() < 2 || !info[0].IsString() || !info[1].IsObject()) throw Error(code::kInternal, "load(path, options) expected");
    const Napi::Object options = info[1].As<Napi::Object>();
    ResponseLabels labels;
    labels.model = RequiredString(options, "label");
    labels.yolo_native = RequiredString(options, "version");
    return Start(new LoadWorker(env, info[0].As<Napi::String>().Utf8Value(), ReadSessionConfig(options), std::move(labels)));
  });
}

}  // namespace yolo
