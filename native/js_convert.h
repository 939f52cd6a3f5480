// JS values -> native call descriptions. Options arrive validated and complete from lib/options.ts, so a missing or
// mistyped field here is a facade bug (E_INTERNAL), never a user error; nothing here supplies a default.
#pragma once
#include <napi.h>

#include <vector>

#include "model_session.h"
#include "pipeline.h"
#include "types.h"

namespace yolo {

// An abort flag JS can set while a call runs: `native.createAbortFlag()` -> { abort() }, handed to predict and
// stream calls as options.abortFlag.
class AbortFlagWrap : public Napi::ObjectWrap<AbortFlagWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit AbortFlagWrap(const Napi::CallbackInfo& info);
  const AbortFlag& flag() const { return flag_; }

 private:
  Napi::Value Abort(const Napi::CallbackInfo& info);
  AbortFlag flag_;
};

PredictOptions ReadPredictOptions(const Napi::Object& options);
SessionConfig ReadSessionConfig(const Napi::Object& options);
// options.abortFlag when it is an AbortFlagWrap, else a flag nobody sets.
AbortFlag ReadAbortFlag(const Napi::Object& options);
// One input, as lib/model.ts hands it over: a path string, a Uint8Array of encoded bytes (copied: the caller's buffer
// may be detached or reused while the worker runs), a raw frame { data: Uint8Array, width, height, stride, format }
// (lib/raw-frame.ts; sizes checked and pixels copied here, raw_frame.h), or a live source { url }. `label` names it in
// errors; max_pixels bounds a raw frame before it is copied.
InputSource ReadInput(const Napi::Value& value, const std::string& label, int64_t max_pixels);
// The inputs of a predict call (an array of the above).
std::vector<InputSource> ReadInputs(const Napi::Value& list, int64_t max_pixels);
// A live stream's options: options.live = { buffer: 'latest' | 'all', openTimeoutMs, readTimeoutMs, reconnect,
// reconnectDelayMs }.
LiveOptions ReadLiveOptions(const Napi::Object& options);
// A URL for messages, its password (user:password@) replaced by ***.
std::string RedactUrl(const std::string& url);

// An images[] entry of a HUB response (what model.plot draws): shape, results (class, confidence, box, segments,
// keypoints) and top5. Throws E_INVALID_ARGUMENT naming the field that is missing or mistyped.
ImageResult ReadImageResult(const Napi::Object& image, const ModelInfo& info);

// A required string property.
std::string RequiredString(const Napi::Object& o, const char* key);

}  // namespace yolo
