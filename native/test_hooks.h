// Hooks for the test suite only, exported as `__test` beside the public binding: the tensors the pipeline feeds
// the network, the raw decode, NMS on given boxes, video sniffing and live reader counts.
#pragma once
#include <napi.h>

namespace yolo {

Napi::Object TestHooks(Napi::Env env);

}  // namespace yolo
