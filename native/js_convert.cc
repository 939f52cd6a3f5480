#include "js_convert.h"

#include "addon_data.h"
#include "errors.h"

namespace yolo {
namespace {

Napi::Value Required(const Napi::Object& o, const char* key, bool (Napi::Value::*is)() const, const char* type) {
  Napi::Value v = o.Get(key);
  if (!(v.*is)()) throw Error(code::kInternal, std::string("native option '") + key + "' must be a " + type + " (lib/options.ts should have set it)");
  return v;
}
double Number(const Napi::Object& o, const char* key) { return Required(o, key, &Napi::Value::IsNumber, "number").As<Napi::Number>().DoubleValue(); }
int Int(const Napi::Object& o, const char* key) { return Required(o, key, &Napi::Value::IsNumber, "number").As<Napi::Number>().Int32Value(); }
bool Bool(const Napi::Object& o, const char* key) { return Required(o, key, &Napi::Value::IsBoolean, "boolean").As<Napi::Boolean>().Value(); }

}  // namespace

std::string RequiredString(const Napi::Object& o, const char* key) {
  return Required(o, key, &Napi::Value::IsString, "string").As<Napi::String>().Utf8Value();
}

Napi::Function AbortFlagWrap::Define(Napi::Env env) { return DefineClass(env, "NativeAbortFlag", {InstanceMethod<&AbortFlagWrap::Abort>("abort")}); }

AbortFlagWrap::AbortFlagWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<AbortFlagWrap>(info), flag_(std::make_shared<std::atomic<bool>>(false)) {}

Napi::Value AbortFlagWrap::Abort(const Napi::CallbackInfo& info) {
  flag_->store(true);
  return info.Env().Undefined();
}

PredictOptions ReadPredictOptions(const Napi::Object& o) {
  PredictOptions p;
  p.imgsz = Int(o, "imgsz");
  p.conf = static_cast<float>(Number(o, "conf"));
  p.iou = static_cast<float>(Number(o, "iou"));
  p.max_det = Int(o, "maxDet");
  Napi::Array classes = Required(o, "classes", &Napi::Value::IsArray, "array").As<Napi::Array>();
  for (uint32_t i = 0; i < classes.Length(); ++i) p.classes.push_back(classes.Get(i).As<Napi::Number>().Int32Value());
  p.top_k = Int(o, "topk");
  p.max_pixels = static_cast<int64_t>(Number(o, "maxPixels"));
  p.simd = Bool(o, "simd");
  p.rect = Bool(o, "rect");
  p.fast_decode = Bool(o, "fastDecode");
  p.batch = Int(o, "batch");
  p.vid_stride = Int(o, "vidStride");
  p.max_frames = static_cast<int64_t>(Number(o, "maxFrames"));
  p.max_video_frames = static_cast<int64_t>(Number(o, "maxVideoFrames"));
  p.val = Bool(o, "val");
  p.profile = Bool(o, "profile");
  return p;
}

SessionConfig ReadSessionConfig(const Napi::Object& o) {
  SessionConfig config;
  config.ort_library = RequiredString(o, "ortLibrary");
  config.intra_op_threads = Int(o, "threads");
  config.parallel_runs = Int(o, "parallelRuns");
  config.allow_spinning = Bool(o, "spinning");
  config.graph_optimization = Int(o, "graphOptimization");
  config.device_id = Int(o, "deviceId");
  if (Napi::Value path = o.Get("optimizedModelPath"); path.IsString()) config.optimized_model_path = path.As<Napi::String>().Utf8Value();
  if (Napi::Value entries = o.Get("ortConfig"); entries.IsObject()) {
    Napi::Object map = entries.As<Napi::Object>();
    Napi::Array keys = map.GetPropertyNames();
    for (uint32_t i = 0; i < keys.Length(); ++i) {
      const std::string key = keys.Get(i).ToString().Utf8Value();
      config.config_entries.emplace_back(key, map.Get(key).ToString().Utf8Value());
    }
  }
  Napi::Array providers = Required(o, "providers", &Napi::Value::IsArray, "array").As<Napi::Array>();
  for (uint32_t i = 0; i < providers.Length(); ++i) config.providers.push_back(providers.Get(i).ToString().Utf8Value());
  return config;
}

AbortFlag ReadAbortFlag(const Napi::Object& o) {
  Napi::Value v = o.Get("abortFlag");
  if (v.IsObject()) {
    Napi::Object holder = v.As<Napi::Object>();
    if (holder.InstanceOf(DataOf(holder.Env()).abort_flag_constructor.Value())) return AbortFlagWrap::Unwrap(holder)->flag();
  }
  return std::make_shared<std::atomic<bool>>(false);
}

InputSource ReadInput(const Napi::Value& value, const std::string& label) {
  InputSource input;
  if (value.IsString()) {
    input.path = value.As<Napi::String>().Utf8Value();
    input.label = "input file '" + input.path + "'";
  } else if (value.IsTypedArray() && value.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
    Napi::Uint8Array bytes = value.As<Napi::Uint8Array>();
    input.bytes.assign(bytes.Data(), bytes.Data() + bytes.ByteLength());
    input.label = label;
  } else {
    throw Error(code::kInvalidInput, label + " must be a Uint8Array or a path string");
  }
  return input;
}

std::vector<InputSource> ReadInputs(const Napi::Value& value) {
  if (!value.IsArray()) throw Error(code::kInternal, "predict(inputs[], options): inputs must be an array");
  Napi::Array list = value.As<Napi::Array>();
  std::vector<InputSource> inputs;
  inputs.reserve(list.Length());
  for (uint32_t i = 0; i < list.Length(); ++i) {
    inputs.push_back(ReadInput(list.Get(i), list.Length() > 1 ? "input buffer #" + std::to_string(i) : "input buffer"));
  }
  return inputs;
}

}  // namespace yolo
