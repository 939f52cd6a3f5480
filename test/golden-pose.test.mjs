// Pose parity with Ultralytics 8.3.160 on every golden file of the pose models (boxes, keypoints, visibility); the
// scalar reference kernels give the same answers on the loose images.
import { variantsOf } from './helpers/golden.mjs';
import { defineGoldenSuites, square640 } from './helpers/golden-suites.mjs';

const FOLDER = 'yolo11n-pose-int8dq';

defineGoldenSuites('pose', [
  { golden: FOLDER, model: 'fp32/yolo11n-pose-int8dq-dynamic.onnx', variants: variantsOf(FOLDER) },
  { golden: FOLDER, model: 'fp32/yolo11n-pose-int8dq-640.onnx', variants: variantsOf(FOLDER).filter(square640(FOLDER)) },
  { golden: 'yolo11n-pose_int8-qdq_640_outfix', model: 'int8/yolo11n-pose_int8-qdq_640_outfix.onnx', variants: ['640'] },
  // Broken as published: every golden result list is empty, and ours must be too.
  { golden: 'yolo11n-pose_int8-qdq_640', model: 'int8/yolo11n-pose_int8-qdq_640.onnx', variants: ['640'] },
], { scalarFiles: (files, variant) => files.filter((f) => f.split('/').at(-2) === variant) });
