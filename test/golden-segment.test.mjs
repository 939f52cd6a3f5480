// Segmentation parity with Ultralytics 8.3.160 (retina_masks=False) on every golden file of the segment models:
// boxes, confidences and mask polygons (rasterised IoU >= 0.95) within the tolerances of ../shared/golden/README.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadModel } from '../dist/esm/index.js';
import { MODELS, describeFailures, listGoldens, readGolden, runGoldens, variantsOf } from './helpers/golden.mjs';

const isSquare640 = (v) => v.endsWith('-square') && readGolden(listGoldens('yolov8n-seg-int8dq', v)[0]).args.imgsz_requested === 640;

const suites = [
  { golden: 'yolov8n-seg-int8dq', model: 'fp32/yolov8n-seg-int8dq-dynamic.onnx', variants: variantsOf('yolov8n-seg-int8dq') },
  { golden: 'yolov8n-seg-int8dq', model: 'fp32/yolov8n-seg-int8dq-640.onnx', variants: variantsOf('yolov8n-seg-int8dq').filter(isSquare640) },
  { golden: 'yolov8n-seg_int8-dynamic_320', model: 'int8/yolov8n-seg_int8-dynamic_320.onnx', variants: ['320'] },
];

for (const suite of suites) {
  test(`golden parity: ${suite.model}`, async (t) => {
    const model = await loadModel(join(MODELS, suite.model), { threads: 2 });
    assert.equal(model.task, 'segment');
    let total = 0;
    for (const variant of suite.variants) {
      await t.test(`${suite.golden}/${variant}`, async () => {
        const files = listGoldens(suite.golden, variant);
        assert.ok(files.length > 0, `no golden files in ${suite.golden}/${variant}`);
        const { passed, failed } = await runGoldens(model, files, 'segment');
        total += passed;
        assert.equal(failed.length, 0, `${failed.length}/${files.length} golden files differ:\n${describeFailures(failed)}`);
      });
    }
    t.diagnostic(`${total} golden files match`);
    await model.dispose();
  });
}
