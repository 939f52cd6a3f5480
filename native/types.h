// Plain data shared by the pipeline stages: what a model is, what a request asks for, what an image yields.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace yolo {

enum class Task { kDetect, kSegment, kPose, kObb, kClassify };
const char* TaskName(Task task);

// What Ultralytics' export metadata and the ONNX graph say about a model.
struct ModelInfo {
  Task task = Task::kDetect;
  std::vector<std::string> names;
  int stride = 32;
  int imgsz_h = 640, imgsz_w = 640;  // metadata imgsz (training / export size)
  int kpt_count = 0, kpt_dims = 0;   // pose: kpt_shape
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
  int top_k = 0;                 // classify: > 1 also reports the top-k classes as `top5`
  int64_t max_pixels = 0;        // 0 = no limit
  bool rect = false;             // dynamic models: minimal "rect" letterbox (Ultralytics default); false = square
  bool simd = false;             // false selects the scalar reference kernels (tests compare both)
  bool fast_decode = false;      // JPEG: decode at a reduced DCT scale when much larger than the input (image.h)
  int batch = 0;                 // images per inference on dynamic-batch models (Ultralytics' batch)
  int vid_stride = 0;
  int64_t max_frames = 0;        // 0 = all
  int64_t max_video_frames = 0;  // refuse longer videos (0 = no limit)
  PlotOptions plot;
};

// One prediction. `box` holds x1,y1,x2,y2 (detect / segment / pose) or the 4 OBB corners (8 values).
struct ResultItem {
  int cls = 0;
  float conf = 0.f;
  std::vector<double> box;
  std::vector<float> seg_x, seg_y;        // segment polygon, original pixels
  std::vector<float> kpt_x, kpt_y, kpt_v;  // pose keypoints, original pixels + confidence
};

struct ImageResult {
  int orig_h = 0, orig_w = 0;
  int input_h = 0, input_w = 0;  // network input actually used
  double t_pre = 0, t_inf = 0, t_post = 0;  // milliseconds
  int64_t frame = -1;                       // video frame index, -1 for still images
  double timestamp_ms = -1;                 // video / live frames: the frame's time in the stream, -1 unknown
  std::vector<uint8_t> plot;                // predict(..., { plot }): the encoded picture (JPEG or PNG)
  std::vector<ResultItem> results;
  std::vector<std::pair<int, float>> top;   // classify: top-k (class, probability)
};

}  // namespace yolo
