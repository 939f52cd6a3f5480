// Parity with Ultralytics 8.4.117 on every golden of the end-to-end and nms=True models (YOLO26, YOLOv10, YOLOv8
// exported with nms=True; detect, segment, pose, obb): no NMS of ours, the confidence filter, max_det, the 8.4 inverse
// letterbox, masks cropped at input resolution, unregularized OBB corners. Square variants of the dynamic files run
// with rect: false. The scalar kernels give the same answers on the loose images.
import { describe, test } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel, ErrorCodes, YoloError } from '../dist/esm/index.js';
import { DATA, MODELS, goldenOptions, listGoldens, readGolden, variantsOf } from './helpers/golden.mjs';
import { defineGoldenSuites } from './helpers/golden-suites.mjs';

const looseImages = (files, variant) => files.filter((f) => f.split('/').at(-2) === variant);
// Its TopK needs >= 300 anchors: a 32x32 input cannot run (Ultralytics fails too), tested below.
const tooSmall = (v) => v.startsWith('args-imgsz32');

defineGoldenSuites('detect', [
  { golden: 'yolo26n-int8dq', model: 'fp32/yolo26n-int8dq-dynamic.onnx', head: 'end2end', variants: variantsOf('yolo26n-int8dq').filter((v) => !tooSmall(v)) },
  { golden: 'yolo26n_int8-dynamic_640', model: 'int8/yolo26n_int8-dynamic_640.onnx', head: 'end2end', variants: ['640'] },
  { golden: 'yolov10n_int8-dynamic_640', model: 'int8/yolov10n_int8-dynamic_640.onnx', head: 'end2end', variants: ['640'] },
  { golden: 'yolo26n-int8dq-noe2e-nms-640', model: 'fp32/yolo26n-int8dq-noe2e-nms-640.onnx', head: 'nms', variants: ['640'] },
  { golden: 'yolov8n-int8dq-nms-640', model: 'fp32/yolov8n-int8dq-nms-640.onnx', head: 'nms', variants: ['640'] },
]);
defineGoldenSuites('segment', [{ golden: 'yolo26n-seg-toy', model: 'fp32/yolo26n-seg-toy-dynamic.onnx', head: 'end2end', variants: variantsOf('yolo26n-seg-toy') }], { scalarFiles: looseImages });
defineGoldenSuites('pose', [{ golden: 'yolo26n-pose-toy', model: 'fp32/yolo26n-pose-toy-dynamic.onnx', head: 'end2end', variants: variantsOf('yolo26n-pose-toy') }], { scalarFiles: looseImages });
defineGoldenSuites('obb', [{ golden: 'yolo26n-obb-toy', model: 'fp32/yolo26n-obb-toy-dynamic.onnx', head: 'end2end', variants: variantsOf('yolo26n-obb-toy') }], { scalarFiles: looseImages });

describe('end-to-end input smaller than the graph TopK', () => {
  for (const variant of variantsOf('yolo26n-int8dq').filter(tooSmall)) {
    test(`yolo26n-int8dq/${variant}: E_INVALID_ARGUMENT that names k, the anchors and the input size`, async () => {
      const model = await loadModel(join(MODELS, 'fp32', 'yolo26n-int8dq-dynamic.onnx'), { threads: 2 });
      try {
        for (const file of listGoldens('yolo26n-int8dq', variant)) {
          const g = readGolden(file);
          await assert.rejects(model.predict(readFileSync(join(DATA, g.image)), goldenOptions(g)), (e) => {
            assert.ok(e instanceof YoloError);
            assert.equal(e.code, ErrorCodes.INVALID_ARGUMENT);
            assert.match(e.message, /end-to-end model selects its top 300 boxes .* a 32x32 input has only 21 anchors: use a larger imgsz/);
            return true;
          });
        }
        // The model is still usable afterwards.
        const ok = await model.predict(readFileSync(join(DATA, 'images', 'bus.jpg')));
        assert.ok(ok.images[0].results.length > 0);
      } finally {
        await model.dispose();
      }
    });
  }
});
