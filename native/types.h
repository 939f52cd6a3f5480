// Plain data shared by the pipeline stages: what a model is, what a request asks for, what an image yields.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace yolo {

enum class Task { kDetect, kSegment, kPose, kObb, kClassify };
const char* TaskName(Task task);

// What output0 holds: the raw head (classic) or rows that the graph already selected (Ultralytics 8.4 calls both
// row layouts "end2end" in its predictor). Detect / segment / pose / obb only; classify is always kClassic.
enum class Head {
  kClassic,  // [batch, 4 + nc + extra, anchors]: candidate selection and NMS are ours (YOLOv5u/v8/v9/11/12)
  kEnd2End,  // [batch, max_det, 6 + extra]: NMS-free one-to-one head, TopK in the graph (YOLOv10, YOLO26)
  kNms,      // [batch, max_det, 6 + extra]: an nms=True export, NMS in the graph, rows zero-padded
  kAuto,     // no metadata names a layout and the declared output0 shape is symbolic: each run's shape decides
};
const char* HeadName(Head head);

// What Ultralytics' export metadata and the ONNX graph say about a model.
struct ModelInfo {
  Task task = Task::kDetect;
  std::vector<std::string> names;
  int stride = 32;
  int imgsz_h = 640, imgsz_w = 640;  // metadata imgsz (training / export size)
  int kpt_count = 0, kpt_dims = 0;   // pose: kpt_shape
  Head head = Head::kClassic;        // output0 layout (output_layout.h)
  bool dynamic_hw = false;           // input height/width are symbolic
  bool dynamic_batch = false;
  int64_t fixed_batch = 1;
  int64_t input_h = -1, input_w = -1;  // static input size, -1 when dynamic
  std::string input_name;
  std::vector<std::string> output_names;
  std::map<std::string, std::string> metadata;  // every metadata_props entry, raw
};

// What predict(..., { plot }) and model.plot draw (native/plot.h): Ultralytics' Results.plot() defaults unless set.
struct PlotOptions {
  bool enabled = false;  // predict: draw every image / frame and return it as `plot`
  int line_width = 0;    // 0 = Ultralytics' max(round((h + w + 3) / 2 * 0.003), 2)
  bool labels = true;    // the class-name label box
  bool conf = true;      // the confidence in the label
  bool png = false;      // encode as PNG instead of JPEG
  int quality = 0;       // JPEG quality 1-100
};

// Per-call options. Every field is set from the options lib/options.ts validated and completed with its defaults
// (the one place defaults are defined); native code never supplies a default of its own.
struct PredictOptions {
  int imgsz = 0;
  float conf = 0.f;
  float iou = 0.f;
  int max_det = 0;
  std::vector<int> classes;  // keep only these classes (Ultralytics `classes`); empty = all
  int top_k = 0;             // classify: > 1 also reports the top-k classes as `top5`
  int64_t max_pixels = 0;    // 0 = no limit
  bool rect = false;         // dynamic models: minimal "rect" letterbox (Ultralytics default); false = square
  bool simd = false;         // false selects the scalar reference kernels (tests compare both)
  bool fast_decode = false;  // JPEG: decode at a reduced DCT scale when much larger than the input (image.h)
  int batch = 0;             // images per inference on dynamic-batch models (Ultralytics' batch)
  int vid_stride = 0;
  int64_t max_frames = 0;        // 0 = all
  int64_t max_video_frames = 0;  // refuse longer videos (0 = no limit)
  // Pre- and post-process as Ultralytics' validator, not its predictor (lib/val): the dataset letterbox (image.h
  // PlanValLetterbox), multi-label NMS (every class above conf of an anchor is a candidate) and, segment, detections
  // whose mask is empty kept (with no polygon).
  bool val = false;
  bool profile = false;  // also report each image's decode time (decodeMs, not part of the HUB JSON): lib/bench
  PlotOptions plot;
};

// One prediction. `box` holds x1,y1,x2,y2 (detect / segment / pose) or the 4 OBB corners (8 values).
struct ResultItem {
  int cls = 0;
  float conf = 0.f;
  std::vector<double> box;
  std::vector<float> seg_x, seg_y;         // segment polygon, original pixels
  std::vector<float> kpt_x, kpt_y, kpt_v;  // pose keypoints, original pixels + confidence
};

struct ImageResult {
  int orig_h = 0, orig_w = 0;
  int input_h = 0, input_w = 0;             // network input actually used
  double t_pre = 0, t_inf = 0, t_post = 0;  // milliseconds
  double t_decode = 0;                      // the decode part of t_pre (benchmarks split the preprocess stage)
  int64_t frame = -1;                       // video frame index, -1 for still images
  double timestamp_ms = -1;                 // video / live frames: the frame's time in the stream, -1 unknown
  std::vector<uint8_t> plot;                // predict(..., { plot }): the encoded picture (JPEG or PNG)
  std::vector<ResultItem> results;
  std::vector<std::pair<int, float>> top;  // classify: top-k (class, probability)
};

}  // namespace yolo
