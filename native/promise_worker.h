// The base of every asynchronous call: an AsyncWorker that settles a promise, carrying a yolo::Error's code across
// threads into the JS error it rejects with.
#pragma once
#include <napi.h>
#include <onnxruntime_cxx_api.h>

#include <new>
#include <string>

#include "errors.h"

namespace yolo {

// A JS Error with a stable `code` (lib/errors.ts turns it into a YoloError).
inline Napi::Error MakeError(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", code);
  return error;
}

class PromiseWorker : public Napi::AsyncWorker {
 public:
  explicit PromiseWorker(Napi::Env env) : Napi::AsyncWorker(env, "yolo-native"), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  // Runs body on the worker thread; whatever it throws becomes the rejection.
  template <typename F>
  void Guard(F&& body) {
    try {
      body();
    } catch (const Error& e) {
      Fail(e.code(), e.what());
    } catch (const Ort::Exception& e) {
      Fail(code::kInference, e.what());
    } catch (const std::bad_alloc&) {
      Fail(code::kInternal, "out of memory while processing the call");
    } catch (const std::exception& e) {
      Fail(code::kInternal, e.what());
    }
  }
  void OnError(const Napi::Error& e) override {
    deferred_.Reject(MakeError(Env(), code_.empty() ? code::kInternal : code_, e.Message()).Value());
  }

  Napi::Promise::Deferred deferred_;

 private:
  void Fail(const std::string& code, const std::string& message) {
    code_ = code;
    SetError(message);
  }
  std::string code_;
};

// Queues a worker (it deletes itself once settled) and returns its promise.
inline Napi::Promise Start(PromiseWorker* worker) {
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace yolo
