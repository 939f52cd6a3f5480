// OBB parity with Ultralytics 8.3.160 on every golden file of the OBB model (rotated NMS with probiou, angle
// regularisation, corners in Ultralytics' order within 1 px), SIMD and scalar kernels alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadModel } from '../dist/esm/index.js';
import { MODELS, describeFailures, listGoldens, readGolden, runGoldens, variantsOf } from './helpers/golden.mjs';

const FOLDER = 'yolov8n-obb-dota8';
const isSquare640 = (v) => v.endsWith('-square') && readGolden(listGoldens(FOLDER, v)[0]).args.imgsz_requested === 640;

const suites = [
  { model: 'fp32/yolov8n-obb-dota8-dynamic.onnx', variants: variantsOf(FOLDER) },
  { model: 'fp32/yolov8n-obb-dota8-640.onnx', variants: variantsOf(FOLDER).filter(isSquare640) },
];

for (const suite of suites) {
  test(`golden parity: ${suite.model}`, async (t) => {
    const model = await loadModel(join(MODELS, suite.model), { threads: 2 });
    assert.equal(model.task, 'obb');
    let total = 0;
    for (const variant of suite.variants) {
      await t.test(`${FOLDER}/${variant}`, async () => {
        const files = listGoldens(FOLDER, variant);
        assert.ok(files.length > 0, `no golden files in ${FOLDER}/${variant}`);
        for (const simd of [true, false]) {
          const { passed, failed } = await runGoldens(model, files, 'obb', { simd });
          if (simd) total += passed;
          assert.equal(failed.length, 0, `simd=${simd}: ${failed.length}/${files.length} golden files differ:\n${describeFailures(failed)}`);
        }
      });
    }
    t.diagnostic(`${total} golden files match`);
    await model.dispose();
  });
}
