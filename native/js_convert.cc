#include "js_convert.h"

#include <cmath>

#include "addon_data.h"
#include "errors.h"

namespace yolo {
namespace {

Napi::Value Required(const Napi::Object& o, const char* key, bool (Napi::Value::*is)() const, const char* type) {
  Napi::Value v = o.Get(key);
  if (!(v.*is)())
    throw Error(code::kInternal, std::string("native option '") + key + "' must be a " + type + " (lib/options.ts should have set it)");
  return v;
}
double Number(const Napi::Object& o, const char* key) {
  return Required(o, key, &Napi::Value::IsNumber, "number").As<Napi::Number>().DoubleValue();
}
int Int(const Napi::Object& o, const char* key) {
  return Required(o, key, &Napi::Value::IsNumber, "number").As<Napi::Number>().Int32Value();
}
bool Bool(const Napi::Object& o, const char* key) {
  return Required(o, key, &Napi::Value::IsBoolean, "boolean").As<Napi::Boolean>().Value();
}

}  // namespace

std::string RequiredString(const Napi::Object& o, const char* key) {
  return Required(o, key, &Napi::Value::IsString, "string").As<Napi::String>().Utf8Value();
}

Napi::Function AbortFlagWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeAbortFlag", {InstanceMethod<&AbortFlagWrap::Abort>("abort")});
}

AbortFlagWrap::AbortFlagWrap(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<AbortFlagWrap>(info), flag_(std::make_shared<std::atomic<bool>>(false)) {}

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
  const Napi::Object plot = Required(o, "plot", &Napi::Value::IsObject, "object").As<Napi::Object>();
  p.plot.enabled = Bool(plot, "enabled");
  p.plot.line_width = Int(plot, "lineWidth");
  p.plot.labels = Bool(plot, "labels");
  p.plot.conf = Bool(plot, "conf");
  p.plot.png = RequiredString(plot, "format") == "png";
  p.plot.quality = Int(plot, "quality");
  return p;
}

LiveOptions ReadLiveOptions(const Napi::Object& o) {
  const Napi::Object live = Required(o, "live", &Napi::Value::IsObject, "object").As<Napi::Object>();
  LiveOptions l;
  l.latest = RequiredString(live, "buffer") == "latest";
  l.open_timeout_ms = Int(live, "openTimeoutMs");
  l.read_timeout_ms = Int(live, "readTimeoutMs");
  l.reconnect = Int(live, "reconnect");
  l.backoff_ms = Int(live, "reconnectDelayMs");
  return l;
}

std::string RedactUrl(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const size_t host = scheme + 3;
  const size_t end = url.find_first_of("/?#", host);
  const size_t at = url.rfind('@', end == std::string::npos ? url.size() : end);
  if (at == std::string::npos || at < host) return url;
  const size_t colon = url.find(':', host);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
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

InputSource ReadInput(const Napi::Value& value, const std::string& label, int64_t max_pixels) {
  InputSource input;
  if (value.IsString()) {
    input.path = value.As<Napi::String>().Utf8Value();
    input.label = "input file '" + input.path + "'";
  } else if (value.IsTypedArray() && value.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
    Napi::Uint8Array bytes = value.As<Napi::Uint8Array>();
    input.bytes.assign(bytes.Data(), bytes.Data() + bytes.ByteLength());
    input.label = label;
  } else if (value.IsObject() && value.As<Napi::Object>().Get("url").IsString()) {
    input.url = value.As<Napi::Object>().Get("url").As<Napi::String>().Utf8Value();
    input.label = "live source '" + RedactUrl(input.url) + "'";
  } else if (value.IsObject() && value.As<Napi::Object>().Get("format").IsString()) {
    const Napi::Object o = value.As<Napi::Object>();
    const std::string format = o.Get("format").As<Napi::String>().Utf8Value();
    const Napi::Value data = o.Get("data");
    RawFrameSpec spec;
    if (!ParsePixelFormat(format, &spec.format))
      throw Error(code::kInternal, "raw frame format '" + format + "' (lib/raw-frame.ts should have refused it)");
    if (!data.IsTypedArray() || data.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      throw Error(code::kInternal, "raw frame data must be a Uint8Array (lib/raw-frame.ts should have made one)");
    }
    Napi::Uint8Array bytes = data.As<Napi::Uint8Array>();
    spec.data = bytes.Data();
    spec.size = bytes.ByteLength();
    spec.width = Number(o, "width");
    spec.height = Number(o, "height");
    spec.stride = Number(o, "stride");
    const std::string what = label == "input buffer" ? "raw frame" : "raw frame" + label.substr(std::string("input buffer").size());
    input.raw = CopyRawFrame(spec, max_pixels, what);
    input.label = what;
  } else {
    throw Error(code::kInvalidInput, label + " must be a Uint8Array, a path string or a raw frame");
  }
  return input;
}

namespace {

[[noreturn]] void BadResult(const std::string& field, const std::string& expected) {
  throw Error(code::kInvalidArgument, "result." + field + " must be " + expected);
}

double ResultNumber(const Napi::Object& o, const char* key, const std::string& field) {
  const Napi::Value v = o.Get(key);
  if (!v.IsNumber() || !std::isfinite(v.As<Napi::Number>().DoubleValue())) BadResult(field + "." + key, "a finite number");
  return v.As<Napi::Number>().DoubleValue();
}

std::vector<float> ResultFloats(const Napi::Object& o, const char* key, const std::string& field) {
  const Napi::Value v = o.Get(key);
  if (!v.IsArray()) BadResult(field + "." + key, "an array of numbers");
  const Napi::Array a = v.As<Napi::Array>();
  std::vector<float> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    const Napi::Value x = a.Get(i);
    if (!x.IsNumber()) BadResult(field + "." + key + "[" + std::to_string(i) + "]", "a number");
    out[i] = x.As<Napi::Number>().FloatValue();
  }
  return out;
}

int ResultClass(const Napi::Object& o, const std::string& field, const ModelInfo& info) {
  const double c = ResultNumber(o, "class", field);
  if (c != std::floor(c) || c < 0 || c > 1e6)
    BadResult(field + ".class", "a class index of the model (0-" + std::to_string(info.names.size()) + ")");
  return static_cast<int>(c);
}

}  // namespace

ImageResult ReadImageResult(const Napi::Object& image, const ModelInfo& info) {
  ImageResult r;
  const Napi::Value shape = image.Get("shape");
  if (!shape.IsArray() || shape.As<Napi::Array>().Length() != 2 || !shape.As<Napi::Array>().Get(0u).IsNumber() ||
      !shape.As<Napi::Array>().Get(1u).IsNumber()) {
    BadResult("shape", "[height, width] (an images[] entry of a predict response)");
  }
  r.orig_h = shape.As<Napi::Array>().Get(0u).As<Napi::Number>().Int32Value();
  r.orig_w = shape.As<Napi::Array>().Get(1u).As<Napi::Number>().Int32Value();
  const Napi::Value list = image.Get("results");
  if (!list.IsArray()) BadResult("results", "an array (an images[] entry of a predict response)");
  const Napi::Array results = list.As<Napi::Array>();
  for (uint32_t i = 0; i < results.Length(); ++i) {
    const std::string field = "results[" + std::to_string(i) + "]";
    if (!results.Get(i).IsObject()) BadResult(field, "an object");
    const Napi::Object o = results.Get(i).As<Napi::Object>();
    ResultItem item;
    item.cls = ResultClass(o, field, info);
    item.conf = static_cast<float>(ResultNumber(o, "confidence", field));
    if (Napi::Value box = o.Get("box"); box.IsObject()) {
      static const char* kCorner[] = {"x1", "y1", "x2", "y2", "x3", "y3", "x4", "y4"};
      const bool obb = box.As<Napi::Object>().Has("x3");
      for (int k = 0; k < (obb ? 8 : 4); ++k) item.box.push_back(ResultNumber(box.As<Napi::Object>(), kCorner[k], field + ".box"));
    }
    if (Napi::Value seg = o.Get("segments"); seg.IsObject()) {
      item.seg_x = ResultFloats(seg.As<Napi::Object>(), "x", field + ".segments");
      item.seg_y = ResultFloats(seg.As<Napi::Object>(), "y", field + ".segments");
    }
    if (Napi::Value kp = o.Get("keypoints"); kp.IsObject()) {
      item.kpt_x = ResultFloats(kp.As<Napi::Object>(), "x", field + ".keypoints");
      item.kpt_y = ResultFloats(kp.As<Napi::Object>(), "y", field + ".keypoints");
      if (kp.As<Napi::Object>().Has("visible")) item.kpt_v = ResultFloats(kp.As<Napi::Object>(), "visible", field + ".keypoints");
      if (item.kpt_y.size() != item.kpt_x.size()) BadResult(field + ".keypoints", "x and y of equal length");
    }
    r.results.push_back(std::move(item));
  }
  if (Napi::Value top = image.Get("top5"); top.IsArray()) {
    const Napi::Array a = top.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); ++i) {
      const std::string field = "top5[" + std::to_string(i) + "]";
      if (!a.Get(i).IsObject()) BadResult(field, "an object");
      const Napi::Object o = a.Get(i).As<Napi::Object>();
      r.top.emplace_back(ResultClass(o, field, info), static_cast<float>(ResultNumber(o, "confidence", field)));
    }
  }
  return r;
}

std::vector<InputSource> ReadInputs(const Napi::Value& value, int64_t max_pixels) {
  if (!value.IsArray()) throw Error(code::kInternal, "predict(inputs[], options): inputs must be an array");
  Napi::Array list = value.As<Napi::Array>();
  std::vector<InputSource> inputs;
  inputs.reserve(list.Length());
  for (uint32_t i = 0; i < list.Length(); ++i) {
    inputs.push_back(ReadInput(list.Get(i), list.Length() > 1 ? "input buffer #" + std::to_string(i) : "input buffer", max_pixels));
  }
  return inputs;
}

}  // namespace yolo
