// Classify: output0 [batch, classes] already holds probabilities (the exported Classify head ends in softmax and
// ClassificationPredictor applies none), read as Ultralytics' Probs does: top1 = argmax, top5 = (-p).argsort().
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "decoders.h"
#include "errors.h"
#include "output_layout.h"

namespace yolo {
namespace {

// torch.argmax: the first maximum, NaN counting as the largest value.
int ArgMax(const float* p, int n) {
  int best = 0;
  for (int c = 1; c < n; ++c) {
    if (std::isnan(p[best])) break;
    if (std::isnan(p[c]) || p[c] > p[best]) best = c;
  }
  return best;
}

// (-p).argsort(0)[:k]: torch's CPU sort (stable=False) is std::sort over (key, index) with NaN keys last, so
// the same std::sort call on the negated keys orders ties as torch does (with the same standard library).
std::vector<int> TopK(const float* p, int n, int k) {
  std::vector<std::pair<float, int>> keyed(n);
  for (int c = 0; c < n; ++c) keyed[c] = {-p[c], c};
  std::sort(keyed.begin(), keyed.end(), [](const std::pair<float, int>& a, const std::pair<float, int>& b) {
    return (!std::isnan(a.first) && std::isnan(b.first)) || a.first < b.first;
  });
  std::vector<int> order;
  for (int i = 0; i < std::min(k, n); ++i) order.push_back(keyed[i].second);
  return order;
}

}  // namespace

void DecodeClassify(DecodeContext& ctx, ImageResult& out) {
  if (ctx.outputs.empty()) throw Error(code::kModelUnsupported, "the classify model returned no outputs");
  Ort::Value& value = ctx.outputs[0];
  const auto type = value.GetTensorTypeAndShapeInfo();
  const std::vector<int64_t> shape = type.GetShape();
  const int nc = static_cast<int>(ctx.info.names.size());
  if (shape.size() != 2 || shape[0] <= ctx.batch_index || shape[1] <= 0 || (nc > 0 && shape[1] != nc)) {
    throw Error(code::kModelUnsupported, "the classify model's output0 has shape " + ShapeText(shape) + ", expected [batch, " +
                                             std::to_string(nc) + "] (one probability per class)");
  }
  if (type.GetElementType() != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT) {
    throw Error(code::kModelUnsupported, "the classify model's output0 is not float32");
  }
  const int classes = static_cast<int>(shape[1]);
  const float* probs = value.GetTensorData<float>() + static_cast<size_t>(ctx.batch_index) * classes;

  ResultItem top1;  // Results.summary() for classify: the top-1 class only, no box
  top1.cls = ArgMax(probs, classes);
  top1.conf = probs[top1.cls];
  out.results.push_back(std::move(top1));
  if (ctx.options.top_k > 1) {
    for (int c : TopK(probs, classes, ctx.options.top_k)) out.top.emplace_back(c, probs[c]);
  }
}

}  // namespace yolo
