// Pose parity with Ultralytics 8.3.160 on every golden file of the pose models (boxes, keypoints, visibility).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadModel } from '../dist/esm/index.js';
import { MODELS, describeFailures, listGoldens, readGolden, runGoldens, variantsOf } from './helpers/golden.mjs';

const FOLDER = 'yolo11n-pose-int8dq';
const isSquare640 = (v) => v.endsWith('-square') && readGolden(listGoldens(FOLDER, v)[0]).args.imgsz_requested === 640;

const suites = [
  { golden: FOLDER, model: 'fp32/yolo11n-pose-int8dq-dynamic.onnx', variants: variantsOf(FOLDER) },
  { golden: FOLDER, model: 'fp32/yolo11n-pose-int8dq-640.onnx', variants: variantsOf(FOLDER).filter(isSquare640) },
  { golden: 'yolo11n-pose_int8-qdq_640_outfix', model: 'int8/yolo11n-pose_int8-qdq_640_outfix.onnx', variants: ['640'] },
  // Broken as published: every golden result list is empty, and ours must be too.
  { golden: 'yolo11n-pose_int8-qdq_640', model: 'int8/yolo11n-pose_int8-qdq_640.onnx', variants: ['640'] },
];

for (const suite of suites) {
  test(`golden parity: ${suite.model}`, async (t) => {
    const model = await loadModel(join(MODELS, suite.model), { threads: 2 });
    assert.equal(model.task, 'pose');
    let total = 0;
    for (const variant of suite.variants) {
      await t.test(`${suite.golden}/${variant}`, async () => {
        const files = listGoldens(suite.golden, variant);
        assert.ok(files.length > 0, `no golden files in ${suite.golden}/${variant}`);
        const { passed, failed } = await runGoldens(model, files, 'pose');
        total += passed;
        assert.equal(failed.length, 0, `${failed.length}/${files.length} golden files differ:\n${describeFailures(failed)}`);
        // The scalar reference kernels give the same answers (loose images only, to keep the run short).
        const loose = files.filter((f) => f.split('/').at(-2) === variant);
        const scalar = await runGoldens(model, loose, 'pose', { simd: false });
        assert.equal(scalar.failed.length, 0, `simd=false: ${describeFailures(scalar.failed)}`);
      });
    }
    t.diagnostic(`${total} golden files match`);
    await model.dispose();
  });
}
