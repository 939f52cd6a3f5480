// The task decoders: raw network outputs -> ResultItems in original-image pixels, as Ultralytics does it.
// One file per task (detect.cc, segment.cc, pose.cc, obb.cc, classify.cc) holds only what is particular to that
// task; candidates.cc holds what they share: reading output0 in its layout (classic head or rows, see
// output_layout.h), selecting candidates, class-aware NMS, and mapping boxes back to the original image.
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

// output0 of image ctx.batch_index, in the layout it has. Classic: `count` anchors of `width` channel-major values
// (4 box, nc class scores, `extra`); rows: `count` rows of `width` values (4 box, score, class, `extra`).
struct HeadOutput {
  Head head = Head::kClassic;  // kClassic, kEnd2End or kNms: kAuto is resolved from the run's output shape
  const float* data = nullptr;
  int width = 0, count = 0;
  int extra = 0;  // mask coefficients, keypoint values, or the OBB angle
};

// Reads output0 (and checks this run's shapes against the model's layout: a dynamic export only shows its real
// output shape when it runs). Throws E_MODEL_UNSUPPORTED when the output does not fit.
HeadOutput ReadHeadOutput(DecodeContext& ctx);

// A detection on its way to a ResultItem.
struct Candidate {
  float x1, y1, x2, y2;  // input-tensor pixels (xyxy); OBB keeps cx, cy, w, h here
  float score;
  int cls;
  // The extra values of this detection: one anchor's column of a classic output (stride = anchors) or the tail of
  // one row (stride 1).
  const float* extra;
  size_t extra_stride;
  float Extra(int j) const { return extra[static_cast<size_t>(j) * extra_stride]; }
};

// Classic output: the best class of each anchor, kept when strictly greater than conf (and in options.classes);
// with options.val every class above conf, one candidate each (the validator's multi-label NMS). A box that is not
// finite is dropped. xywh -> xyxy unless keep_xywh. Sorted by descending score, at most 30000 (max_nms).
std::vector<Candidate> SelectCandidates(const HeadOutput& out, int nc, const PredictOptions& options, bool keep_xywh);

// Row output (end-to-end or nms=True), as Ultralytics 8.4's non_max_suppression(end2end=True): rows whose score is
// strictly greater than conf, in the model's order, the first max_det of them, then the class filter. No NMS: the
// graph has done the selection. Boxes stay as the rows hold them (xyxy; OBB cx, cy, w, h).
std::vector<Candidate> SelectRows(const HeadOutput& out, int nc, const PredictOptions& options);

// The class offset of class-aware NMS (Ultralytics max_wh = 7680): boxes of different classes never overlap.
float ClassOffset(int cls);

// Class-aware axis-aligned NMS over candidates sorted by descending score. Returns kept indices, at most max_det.
std::vector<int> ClassAwareNms(const std::vector<Candidate>& candidates, float iou, int max_det, bool simd);

// Detect, segment and pose: the detections to report, in output order, whatever the layout (classic: candidates
// + class-aware NMS; rows: SelectRows).
std::vector<Candidate> KeptDetections(DecodeContext& ctx, const HeadOutput& out);

// How boxes and points go back to the original image: scale_boxes / scale_coords of the Ultralytics version whose
// predictor reads this layout (candidates.cc says what differs).
InverseLetterbox BoxInverse(const LetterboxGeometry& g, Head head);
InverseLetterbox PointInverse(const LetterboxGeometry& g, Head head);

// Maps an xyxy box from input-tensor pixels to the original image and clips it (scale_boxes + clip_boxes).
void ScaleBoxToOriginal(const LetterboxGeometry& g, Head head, float box[4]);

// The ResultItem of an axis-aligned detection: class, confidence and its box in original-image pixels.
ResultItem BoxResult(const Candidate& c, const LetterboxGeometry& g, Head head);

void DecodeDetect(DecodeContext& ctx, ImageResult& out);
void DecodeSegment(DecodeContext& ctx, ImageResult& out);
void DecodePose(DecodeContext& ctx, ImageResult& out);
void DecodeObb(DecodeContext& ctx, ImageResult& out);
void DecodeClassify(DecodeContext& ctx, ImageResult& out);

}  // namespace yolo
