// The model object JS holds: load(path, options) -> NativeModel { predict, openStream, plot, info, stats, dispose }.
#pragma once
#include <napi.h>

#include <memory>

#include "hub_json.h"
#include "model_session.h"

namespace yolo {

class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit ModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelWrap>(info) {}
  void Attach(std::shared_ptr<ModelSession> session, ResponseLabels labels);

 private:
  Napi::Value Predict(const Napi::CallbackInfo& info);
  Napi::Value OpenStream(const Napi::CallbackInfo& info);
  Napi::Value Plot(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Plan(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  // The session, or a JS E_DISPOSED error.
  std::shared_ptr<ModelSession> Session(Napi::Env env) const;

  std::shared_ptr<ModelSession> session_;
  ResponseLabels labels_;
};

// load(path, options) -> Promise<NativeModel>, on a worker thread.
Napi::Value LoadModel(const Napi::CallbackInfo& info);

}  // namespace yolo
