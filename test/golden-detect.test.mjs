// Detection parity with Ultralytics 8.3.160 on every golden file of the detection models.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { native } from '../dist/cjs/native.js';
import { DATA, GOLDEN, readNpy, variantsOf } from './helpers/golden.mjs';
import { defineGoldenSuites, square640 } from './helpers/golden-suites.mjs';

const FOLDER = 'yolov8n-int8dq';

defineGoldenSuites('detect', [
  { golden: FOLDER, model: 'fp32/yolov8n-int8dq-dynamic.onnx', variants: variantsOf(FOLDER) },
  { golden: FOLDER, model: 'fp32/yolov8n-int8dq-640.onnx', variants: variantsOf(FOLDER).filter(square640(FOLDER)) },
  { golden: 'yolov8n_int8-dynamic_640', model: 'int8/yolov8n_int8-dynamic_640.onnx', variants: ['640'] },
  { golden: 'yolov8n_int8-dynamic_320', model: 'int8/yolov8n_int8-dynamic_320.onnx', variants: ['320'] },
]);

test('letterbox tensor equals Ultralytics input tensor for bus.jpg (rect and square)', () => {
  const bytes = readFileSync(join(DATA, 'images', 'bus.jpg'));
  for (const [name, autoPad] of [['bus-640', true], ['bus-640-square', false]]) {
    const want = readNpy(join(GOLDEN, 'yolov8n-int8dq', 'tensors', `${name}.input.npy`));
    const got = native().__test.letterboxTensor(bytes, 640, autoPad, 32);
    assert.deepEqual(got.shape, want.shape);
    let maxDiff = 0;
    for (let i = 0; i < want.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(want.data[i] - got.data[i]));
    // The issue allows 1/255; the letterbox is bit-exact, so hold it to that (a regression shows at once).
    assert.equal(maxDiff, 0, `${name}: max abs diff ${maxDiff}`);
  }
});
