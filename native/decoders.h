// The task decoders: raw network outputs -> ResultItems in original-image pixels, as Ultralytics 8.3 does it.
// One file per task (detect.cc, segment.cc, pose.cc, obb.cc, classify.cc).
#pragma once
#include <onnxruntime_cxx_api.h>

#include <vector>

#include "image.h"
#include "types.h"

namespace yolo {

struct DecodeContext {
  const ModelInfo& info;
  const PredictOptions& options;
  const LetterboxGeometry& geometry;
  std::vector<Ort::Value>& outputs;
  int batch_index = 0;  // which image of a batched output
};

// A candidate that passed the confidence filter: the best class of one anchor (or, multi-label, one of its classes).
struct Candidate {
  float x1, y1, x2, y2;  // input-tensor pixels (xyxy); OBB keeps cx, cy, w, h here
  float score;
  int cls;
  int anchor;
};

// Output0 [batch, channels, anchors] of one image: best class among channels [4, 4+nc) per anchor, kept when
// strictly greater than conf (multi_label: every class above conf, one candidate each); xywh -> xyxy unless
// keep_xywh. Sorted by descending score, at most 30000 (max_nms).
std::vector<Candidate> SelectCandidates(const float* output, int channels, int anchors, int nc, float conf, bool keep_xywh,
                                        bool multi_label);

// Class-aware NMS as Ultralytics: boxes offset by cls * 7680 (max_wh) so classes never overlap.
std::vector<int> ClassAwareNms(const std::vector<Candidate>& candidates, float iou, int max_det, bool simd);

// Pointer to the channel-major output of image `batch_index` and its (channels, anchors).
const float* OutputPlane(DecodeContext& ctx, size_t output_index, int* channels, int* anchors);

void DecodeDetect(DecodeContext& ctx, ImageResult& out);
void DecodeSegment(DecodeContext& ctx, ImageResult& out);
void DecodePose(DecodeContext& ctx, ImageResult& out);
void DecodeObb(DecodeContext& ctx, ImageResult& out);
void DecodeClassify(DecodeContext& ctx, ImageResult& out);

// Clips and maps a box from input-tensor pixels to the original image (Ultralytics scale_boxes + clip_boxes).
void ScaleBoxToOriginal(const LetterboxGeometry& g, float box[4]);

}  // namespace yolo
