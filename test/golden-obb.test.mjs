// OBB parity with Ultralytics 8.3.160 on every golden file of the OBB model (rotated NMS with probiou, angle
// regularisation, corners in Ultralytics' order within 1 px), SIMD and scalar kernels alike.
import { variantsOf } from './helpers/golden.mjs';
import { defineGoldenSuites, square640 } from './helpers/golden-suites.mjs';

const FOLDER = 'yolov8n-obb-dota8';

defineGoldenSuites('obb', [
  { golden: FOLDER, model: 'fp32/yolov8n-obb-dota8-dynamic.onnx', variants: variantsOf(FOLDER) },
  { golden: FOLDER, model: 'fp32/yolov8n-obb-dota8-640.onnx', variants: variantsOf(FOLDER).filter(square640(FOLDER)) },
], { scalarFiles: (files) => files });
