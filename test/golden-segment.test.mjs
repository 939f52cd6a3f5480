// Segmentation parity with Ultralytics 8.3.160 (retina_masks=False) on every golden file of the segment models:
// boxes, confidences and mask polygons (rasterised IoU >= 0.95) within the tolerances of ../shared/golden/README.md.
// (test/simd.test.mjs checks that the scalar kernels give the same JSON.)
import { variantsOf } from './helpers/golden.mjs';
import { defineGoldenSuites, square640 } from './helpers/golden-suites.mjs';

const FOLDER = 'yolov8n-seg-int8dq';

defineGoldenSuites('segment', [
  { golden: FOLDER, model: 'fp32/yolov8n-seg-int8dq-dynamic.onnx', variants: variantsOf(FOLDER) },
  { golden: FOLDER, model: 'fp32/yolov8n-seg-int8dq-640.onnx', variants: variantsOf(FOLDER).filter(square640(FOLDER)) },
  { golden: 'yolov8n-seg_int8-dynamic_320', model: 'int8/yolov8n-seg_int8-dynamic_320.onnx', variants: ['320'] },
]);
