// The one author of the HUB Inference API JSON (Ultralytics Results.summary(decimals=5) per result, the images[]
// entries and the metadata envelope). The TypeScript facade returns what this builds, untouched.
#pragma once
#include <napi.h>

#include <string>
#include <vector>

#include "types.h"

namespace yolo {

// What the envelope says about the model and the versions, fixed when the model is loaded.
struct ResponseLabels {
  std::string model;        // the model's file name without .onnx
  std::string yolo_native;  // the package version
  std::string onnxruntime;  // the loaded ORT version
};

// One images[] entry: {results, shape: [h, w], speed: {preprocess, inference, postprocess}, top5?, frame?, timestamp?,
// plot?} (timestamp: a video or live frame's time in the stream, ms; plot: the picture, when the call asked for it).
Napi::Object ImageToJs(Napi::Env env, const ImageResult& result, const ModelInfo& info, const PredictOptions& options);

// {images: [...], metadata: {model, task, imgsz, inputShape, conf, iou, version: {yoloNative, onnxruntime}}}.
// imgsz is the size the network ran at (a static model's own, else the request's rounded up to the stride) and
// inputShape the first image's network input [h, w] (null without images).
Napi::Object ResponseToJs(Napi::Env env, const std::vector<ImageResult>& results, const ModelInfo& info, const PredictOptions& options,
                          const ResponseLabels& labels);

}  // namespace yolo
