// The N-API surface: module initialisation and the public functions; each wrapped class lives in its own file
// (model_wrap, stream_wrap), argument conversion in js_convert, the HUB JSON in hub_json, test-only hooks in
// test_hooks (exported as `__test`). No logic of the pipeline lives here.
#include <napi.h>
#include <opencv2/core/utils/logger.hpp>

#include <cstdlib>

#include "addon_data.h"
#include "js_convert.h"
#include "live_source.h"
#include "model_wrap.h"
#include "ort_runtime.h"
#include "promise_worker.h"
#include "simd.h"
#include "stream_wrap.h"
#include "test_hooks.h"
#include "video.h"

namespace yolo {
namespace {

Napi::Value RuntimeInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("ortLibrary", LoadedOrtLibrary());
  o.Set("ortVersion", LoadedOrtVersion());
  o.Set("simd", SimdPath());
  o.Set("ortApiVersion", ORT_API_VERSION);
  return o;
}

// The one place that tells a video from an image (bytes, or a path: content then extension).
Napi::Value IsVideo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() > 0 && info[0].IsString()) return Napi::Boolean::New(env, PathIsVideo(info[0].As<Napi::String>().Utf8Value()));
  if (info.Length() > 0 && info[0].IsTypedArray() && info[0].As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
    auto bytes = info[0].As<Napi::Uint8Array>();
    return Napi::Boolean::New(env, LooksLikeVideo(bytes.Data(), bytes.ByteLength()));
  }
  throw MakeError(env, code::kInvalidInput, "isVideo(Uint8Array | path) expected");
}

Napi::Value CreateAbortFlag(const Napi::CallbackInfo& info) { return DataOf(info.Env()).abort_flag_constructor.New({}); }

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  QuietFfmpegLogs();
  // Corrupt inputs are reported as YoloErrors; OpenCV's own WARN lines about them would only clutter a server's
  // stderr. OPENCV_LOG_LEVEL still wins when the user sets it.
  if (!std::getenv("OPENCV_LOG_LEVEL")) cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
  auto* data = new AddonData();
  data->model_constructor = Napi::Persistent(ModelWrap::Define(env));
  data->stream_constructor = Napi::Persistent(VideoStreamWrap::Define(env));
  data->abort_flag_constructor = Napi::Persistent(AbortFlagWrap::Define(env));
  env.SetInstanceData(data);
  // Live sources' capture threads are told to stop when the environment goes away (bounded wait: a read in progress
  // ends within its timeout).
  env.AddCleanupHook([] { LiveSource::StopAll(2000); });
  exports.Set("load", Napi::Function::New(env, LoadModel));
  exports.Set("runtimeInfo", Napi::Function::New(env, RuntimeInfo));
  exports.Set("isVideo", Napi::Function::New(env, IsVideo));
  exports.Set("createAbortFlag", Napi::Function::New(env, CreateAbortFlag));
  exports.Set("__test", TestHooks(env));
  return exports;
}

}  // namespace yolo

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return yolo::Init(env, exports); }
NODE_API_MODULE(yolo_native, InitModule)
