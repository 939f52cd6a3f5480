// Builds the HUB Inference API objects (Ultralytics Results.summary(decimals=5)) from native results.
#pragma once
#include <napi.h>

#include "types.h"

namespace yolo {

// {results, shape: [h, w], speed: {...}, inputShape: [h, w], top?, frame?}
Napi::Object ImageResultToJs(Napi::Env env, const ImageResult& result, const ModelInfo& info);

}  // namespace yolo
