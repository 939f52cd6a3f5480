// Per-environment data of the addon: the constructors of its wrapped classes (one set per Node environment, so
// worker threads each get their own).
#pragma once
#include <napi.h>

namespace yolo {

struct AddonData {
  Napi::FunctionReference model_constructor;
  Napi::FunctionReference stream_constructor;
  Napi::FunctionReference abort_flag_constructor;
};

inline AddonData& DataOf(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

}  // namespace yolo
