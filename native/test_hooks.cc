#include "test_hooks.h"

#include <chrono>
#include <cstring>

#include "errors.h"
#include "image.h"
#include "jpeg_decode.h"
#include "nms.h"
#include "promise_worker.h"
#include "video.h"

namespace yolo {
namespace {

// Test hooks' common path: decodes info[0] and returns { data: Float32Array (1 x 3 x h x w), shape } with
// fill(bgr, data) writing the tensor; a yolo::Error becomes a JS error with its code.
template <typename Size, typename Fill>
Napi::Value DecodedTensorHook(const Napi::CallbackInfo& info, Size&& size, Fill&& fill) {
  Napi::Env env = info.Env();
  auto bytes = info[0].As<Napi::Uint8Array>();
  try {
    cv::Mat bgr = DecodeImage(bytes.Data(), bytes.ByteLength(), 0, "input buffer");
    const auto [h, w] = size(bgr);
    if (h <= 0 || w <= 0 || h > 8192 || w > 8192) throw Error(code::kInvalidArgument, "tensor size must be 1..8192 per side");
    Napi::Float32Array out = Napi::Float32Array::New(env, 3 * static_cast<size_t>(h) * w);
    fill(bgr, out.Data());
    Napi::Object o = Napi::Object::New(env);
    o.Set("data", out);
    Napi::Array shape = Napi::Array::New(env, 4);
    shape.Set(0u, 1);
    shape.Set(1u, 3);
    shape.Set(2u, h);
    shape.Set(3u, w);
    o.Set("shape", shape);
    return o;
  } catch (const Error& e) {
    throw MakeError(env, e.code(), e.what());
  }
}

// Test hook: the letterboxed tensor for an encoded image, to compare with Ultralytics' own.
Napi::Value LetterboxTensor(const Napi::CallbackInfo& info) {
  const int target = info[1].As<Napi::Number>().Int32Value();
  const bool auto_pad = info[2].As<Napi::Boolean>().Value();
  const int stride = info.Length() > 3 ? info[3].As<Napi::Number>().Int32Value() : 32;
  const bool simd = info.Length() > 4 ? info[4].As<Napi::Boolean>().Value() : true;
  LetterboxGeometry g;
  return DecodedTensorHook(
      info,
      [&](const cv::Mat& bgr) {
        g = PlanLetterbox(bgr.rows, bgr.cols, target, target, auto_pad, stride);
        return std::pair<int, int>(g.in_h, g.in_w);
      },
      [&](const cv::Mat& bgr, float* dst) { LetterboxToTensor(bgr, g, dst, simd); });
}

// Test hook: PlanValLetterbox(origH, origW, imgsz, targetH, targetW) -> { newH, newW, top, left, inH, inW }, the
// validator's geometry that lib/val/geometry.ts mirrors.
Napi::Value ValLetterboxPlan(const Napi::CallbackInfo& info) {
  auto arg = [&](size_t i) { return info[i].As<Napi::Number>().Int32Value(); };
  const LetterboxGeometry g = PlanValLetterbox(arg(0), arg(1), arg(2), arg(3), arg(4));
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("newH", g.new_h);
  o.Set("newW", g.new_w);
  o.Set("top", g.top);
  o.Set("left", g.left);
  o.Set("inH", g.in_h);
  o.Set("inW", g.in_w);
  return o;
}

// Test hook: the classify tensor (Pillow resize + centre crop) for an encoded image at height x width, with the
// SIMD kernels or the scalar references.
Napi::Value ClassifyTensor(const Napi::CallbackInfo& info) {
  const int height = info[1].As<Napi::Number>().Int32Value();
  const int width = info.Length() > 2 && !info[2].IsUndefined() ? info[2].As<Napi::Number>().Int32Value() : height;
  const bool simd = info.Length() > 3 ? info[3].As<Napi::Boolean>().Value() : true;
  return DecodedTensorHook(
      info, [&](const cv::Mat&) { return std::pair<int, int>(height, width); },
      [&](const cv::Mat& bgr, float* dst) { ClassifyToTensor(bgr, height, width, dst, simd); });
}

// Test hook: decodeImage(bytes, { opencv, reduction }) -> { width, height, data (BGR rows), direct, ms }: the decode
// predict uses (YOLO_NATIVE_JPEG included), or cv::imdecode alone (opencv: true), at 1/reduction scale; `direct`
// says whether libjpeg was called directly and `ms` times the decode alone.
Napi::Value DecodeImageForTest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw MakeError(env, code::kInvalidInput, "decodeImage(Uint8Array, options?) expected");
  }
  auto bytes = info[0].As<Napi::Uint8Array>();
  const Napi::Object o = info.Length() > 1 && info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
  const bool opencv = o.Get("opencv").IsBoolean() && o.Get("opencv").As<Napi::Boolean>().Value();
  const int reduction = o.Get("reduction").IsNumber() ? o.Get("reduction").As<Napi::Number>().Int32Value() : 1;
  if (reduction != 1 && reduction != 2 && reduction != 4 && reduction != 8) {
    throw MakeError(env, code::kInvalidArgument, "reduction must be 1, 2, 4 or 8; received " + std::to_string(reduction));
  }
  if (bytes.ByteLength() == 0) throw MakeError(env, code::kEmptyInput, "input buffer is empty");
  cv::Mat bgr;
  bool direct = false;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    bgr = DecodeColor(bytes.Data(), bytes.ByteLength(), reduction, !opencv && DirectJpegEnabled(), &direct);
  } catch (const cv::Exception& e) {
    throw MakeError(env, code::kDecodeFailed, std::string("input buffer could not be decoded as an image: ") + e.what());
  }
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (bgr.empty() || bgr.type() != CV_8UC3) throw MakeError(env, code::kDecodeFailed, "input buffer is not a decodable image");
  const size_t row = static_cast<size_t>(bgr.cols) * 3;
  Napi::Buffer<uint8_t> data = Napi::Buffer<uint8_t>::New(env, row * bgr.rows);
  for (int y = 0; y < bgr.rows; ++y) std::memcpy(data.Data() + row * y, bgr.ptr<uint8_t>(y), row);
  Napi::Object out = Napi::Object::New(env);
  out.Set("width", bgr.cols);
  out.Set("height", bgr.rows);
  out.Set("data", data);
  out.Set("direct", direct);
  out.Set("ms", ms);
  return out;
}

// Test hook: NMS over sorted boxes (n x 4 xyxy, or n x 5 xywhr when rotated), scalar or SIMD.
Napi::Value NmsForTest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto boxes = info[0].As<Napi::Float32Array>();
  const float iou = info[1].As<Napi::Number>().FloatValue();
  const bool rotated = info[2].As<Napi::Boolean>().Value();
  const bool simd = info[3].As<Napi::Boolean>().Value();
  const int n = static_cast<int>(boxes.ElementLength() / (rotated ? 5 : 4));
  std::vector<int> keep = rotated ? NmsRotatedSorted(boxes.Data(), n, iou, n, simd) : NmsSorted(boxes.Data(), n, iou, n, simd);
  Napi::Array out = Napi::Array::New(env, keep.size());
  for (size_t i = 0; i < keep.size(); ++i) out.Set(static_cast<uint32_t>(i), keep[i]);
  return out;
}

// Test hook: video readers alive (a stream closed early must have released its reader).
Napi::Value LiveVideoReaders(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(VideoReader::Alive()));
}

}  // namespace

Napi::Object TestHooks(Napi::Env env) {
  Napi::Object hooks = Napi::Object::New(env);
  hooks.Set("letterboxTensor", Napi::Function::New(env, LetterboxTensor));
  hooks.Set("classifyTensor", Napi::Function::New(env, ClassifyTensor));
  hooks.Set("valLetterboxPlan", Napi::Function::New(env, ValLetterboxPlan));
  hooks.Set("decodeImage", Napi::Function::New(env, DecodeImageForTest));
  hooks.Set("nms", Napi::Function::New(env, NmsForTest));
  hooks.Set("liveVideoReaders", Napi::Function::New(env, LiveVideoReaders));
  return hooks;
}

}  // namespace yolo
