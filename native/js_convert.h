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
// One input: a path string or a Uint8Array (copied: the caller's buffer may be detached or reused while the worker
// runs). `label` names it in errors.
InputSource ReadInput(const Napi::Value& value, const std::string& label);
// The inputs of a predict call (an array of paths and Uint8Arrays).
std::vector<InputSource> ReadInputs(const Napi::Value& list);

// A required string property.
std::string RequiredString(const Napi::Object& o, const char* key);

}  // namespace yolo
