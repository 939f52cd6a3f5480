#include "result_js.h"

#include <cmath>

namespace yolo {
namespace {

// Python round(x, 5) on the float32 value widened to double, as Results.summary does.
double Round(double v, double scale = 1e5) { return std::nearbyint(v * scale) / scale; }

Napi::Array FloatArray(Napi::Env env, const std::vector<float>& values) {
  Napi::Array array = Napi::Array::New(env, values.size());
  for (size_t i = 0; i < values.size(); ++i) array.Set(static_cast<uint32_t>(i), Round(values[i]));
  return array;
}

std::string NameOf(const ModelInfo& info, int cls) {
  return cls >= 0 && cls < static_cast<int>(info.names.size()) ? info.names[cls] : std::to_string(cls);
}

}  // namespace

Napi::Object ImageResultToJs(Napi::Env env, const ImageResult& r, const ModelInfo& info) {
  Napi::Object image = Napi::Object::New(env);
  Napi::Array results = Napi::Array::New(env, r.results.size());
  static const char* kCorner[] = {"x1", "y1", "x2", "y2", "x3", "y3", "x4", "y4"};
  for (size_t i = 0; i < r.results.size(); ++i) {
    const ResultItem& item = r.results[i];
    Napi::Object o = Napi::Object::New(env);  // key order as Results.summary: name, class, confidence, box, ...
    o.Set("name", NameOf(info, item.cls));
    o.Set("class", item.cls);
    o.Set("confidence", Round(item.conf));
    if (!item.box.empty()) {
      Napi::Object box = Napi::Object::New(env);
      for (size_t k = 0; k < item.box.size() && k < 8; ++k) box.Set(kCorner[k], Round(item.box[k]));
      o.Set("box", box);
    }
    if (info.task == Task::kSegment) {
      Napi::Object seg = Napi::Object::New(env);
      seg.Set("x", FloatArray(env, item.seg_x));
      seg.Set("y", FloatArray(env, item.seg_y));
      o.Set("segments", seg);
    }
    if (info.task == Task::kPose) {
      Napi::Object kp = Napi::Object::New(env);
      kp.Set("x", FloatArray(env, item.kpt_x));
      kp.Set("y", FloatArray(env, item.kpt_y));
      kp.Set("visible", FloatArray(env, item.kpt_v));
      o.Set("keypoints", kp);
    }
    results.Set(static_cast<uint32_t>(i), o);
  }
  image.Set("results", results);
  Napi::Array shape = Napi::Array::New(env, 2);
  shape.Set(0u, r.orig_h);
  shape.Set(1u, r.orig_w);
  image.Set("shape", shape);
  Napi::Object speed = Napi::Object::New(env);
  speed.Set("preprocess", Round(r.t_pre, 1e3));
  speed.Set("inference", Round(r.t_inf, 1e3));
  speed.Set("postprocess", Round(r.t_post, 1e3));
  image.Set("speed", speed);
  image.Set("decodeMs", Round(r.t_decode, 1e3));  // not part of the HUB JSON: lib/bench splits preprocess with it
  Napi::Array input_shape = Napi::Array::New(env, 2);
  input_shape.Set(0u, r.input_h);
  input_shape.Set(1u, r.input_w);
  image.Set("inputShape", input_shape);
  if (!r.top.empty()) {
    Napi::Array top = Napi::Array::New(env, r.top.size());
    for (size_t i = 0; i < r.top.size(); ++i) {
      Napi::Object t = Napi::Object::New(env);
      t.Set("name", NameOf(info, r.top[i].first));
      t.Set("class", r.top[i].first);
      t.Set("confidence", Round(r.top[i].second));
      top.Set(static_cast<uint32_t>(i), t);
    }
    image.Set("top", top);
  }
  if (r.frame >= 0) image.Set("frame", static_cast<double>(r.frame));
  return image;
}

}  // namespace yolo
