#include "hub_json.h"

#include <algorithm>
#include <cmath>

#include "pipeline.h"

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

Napi::Array Pair(Napi::Env env, double a, double b) {
  Napi::Array pair = Napi::Array::New(env, 2);
  pair.Set(0u, a);
  pair.Set(1u, b);
  return pair;
}

}  // namespace

Napi::Object ImageToJs(Napi::Env env, const ImageResult& r, const ModelInfo& info, const PredictOptions& options) {
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
  image.Set("shape", Pair(env, r.orig_h, r.orig_w));
  Napi::Object speed = Napi::Object::New(env);
  speed.Set("preprocess", Round(r.t_pre, 1e3));
  speed.Set("inference", Round(r.t_inf, 1e3));
  speed.Set("postprocess", Round(r.t_post, 1e3));
  image.Set("speed", speed);
  if (options.profile) image.Set("decodeMs", Round(r.t_decode, 1e3));  // asked for by lib/bench; not part of the HUB JSON
  if (options.top_k > 1) {                                             // Probs.top5, on request
    Napi::Array top = Napi::Array::New(env, r.top.size());
    for (size_t i = 0; i < r.top.size(); ++i) {
      Napi::Object t = Napi::Object::New(env);
      t.Set("name", NameOf(info, r.top[i].first));
      t.Set("class", r.top[i].first);
      t.Set("confidence", Round(r.top[i].second));
      top.Set(static_cast<uint32_t>(i), t);
    }
    image.Set("top5", top);
  }
  if (r.frame >= 0) image.Set("frame", static_cast<double>(r.frame));
  if (r.frame >= 0 && r.timestamp_ms >= 0) image.Set("timestamp", Round(r.timestamp_ms, 1e3));             // ms in the stream
  if (!r.plot.empty()) image.Set("plot", Napi::Buffer<uint8_t>::Copy(env, r.plot.data(), r.plot.size()));  // { plot: true }
  return image;
}

Napi::Object ResponseToJs(Napi::Env env, const std::vector<ImageResult>& results, const ModelInfo& info, const PredictOptions& options,
                          const ResponseLabels& labels) {
  Napi::Array images = Napi::Array::New(env, results.size());
  for (size_t i = 0; i < results.size(); ++i) images.Set(static_cast<uint32_t>(i), ImageToJs(env, results[i], info, options));
  const InputPlan plan = PlanInput(info, options.imgsz, options.rect);
  Napi::Object metadata = Napi::Object::New(env);
  metadata.Set("model", labels.model);
  metadata.Set("task", TaskName(info.task));
  metadata.Set("imgsz", std::max(plan.target_h, plan.target_w));
  metadata.Set("inputShape", results.empty() ? env.Null() : Napi::Value(Pair(env, results[0].input_h, results[0].input_w)));
  metadata.Set("conf", Round(options.conf));
  metadata.Set("iou", Round(options.iou));
  Napi::Object version = Napi::Object::New(env);
  version.Set("yoloNative", labels.yolo_native);
  version.Set("onnxruntime", labels.onnxruntime);
  metadata.Set("version", version);
  Napi::Object response = Napi::Object::New(env);
  response.Set("images", images);
  response.Set("metadata", metadata);
  return response;
}

}  // namespace yolo
