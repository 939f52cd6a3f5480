// The SIMD kernels (native/simd_kernels.inl: AVX2 / SSE2 / NEON) must give exactly what the scalar references give:
// full HUB JSON equality (apart from timings) with simd on and off on the bus/zidane goldens of the segment and
// detect models, and identical NMS keep lists on random box sets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadModel } from '../dist/esm/index.js';
import { native } from '../dist/cjs/native.js';
import { DATA, MODELS, goldenOptions, listGoldens, readGolden, variantsOf } from './helpers/golden.mjs';

const PATHS = ['avx2', 'sse2', 'neon', 'scalar', 'simd128'];

test('SIMD path is reported', (t) => {
  const { simd } = native().runtimeInfo();
  assert.ok(PATHS.includes(simd), `unknown SIMD path ${simd}`);
  t.diagnostic(`active SIMD path: ${simd}`);
});

const suites = [
  { golden: 'yolov8n-seg-int8dq', model: 'fp32/yolov8n-seg-int8dq-dynamic.onnx', variants: variantsOf('yolov8n-seg-int8dq') },
  { golden: 'yolov8n-seg_int8-dynamic_320', model: 'int8/yolov8n-seg_int8-dynamic_320.onnx', variants: ['320'] },
  { golden: 'yolov8n-int8dq', model: 'fp32/yolov8n-int8dq-dynamic.onnx', variants: variantsOf('yolov8n-int8dq') },
  { golden: 'yolov8n_int8-dynamic_640', model: 'int8/yolov8n_int8-dynamic_640.onnx', variants: ['640'] },
];

const withoutSpeed = (out) => JSON.stringify(out.images.map(({ speed, ...rest }) => rest));

for (const suite of suites) {
  test(`scalar == SIMD on bus/zidane goldens: ${suite.model}`, async (t) => {
    const model = await loadModel(join(MODELS, suite.model), { threads: 2 });
    let compared = 0, results = 0;
    const mismatches = [];
    for (const variant of suite.variants) {
      const files = listGoldens(suite.golden, variant).filter((f) => ['bus.json', 'zidane.json'].includes(basename(f)));
      for (const file of files) {
        const g = readGolden(file);
        const bytes = readFileSync(join(DATA, g.image));
        const simd = await model.predict(bytes, { ...goldenOptions(g), simd: true });
        const scalar = await model.predict(bytes, { ...goldenOptions(g), simd: false });
        if (withoutSpeed(simd) !== withoutSpeed(scalar)) mismatches.push(g.file);
        compared++;
        results += simd.images[0].results.length;
      }
    }
    await model.dispose();
    assert.ok(compared > 0, 'no bus/zidane goldens found');
    assert.deepEqual(mismatches, [], `scalar and SIMD outputs differ on: ${mismatches.join(', ')}`);
    t.diagnostic(`${compared} images (${results} results) identical`);
  });
}

// Deterministic PRNG (mulberry32) so a failure is reproducible.
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let r = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBoxes(rand, n, { span = 640, maxSize = 200, grid = 0, dupes = 0 }) {
  const boxes = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    if (dupes && i > 0 && rand() < dupes) {  // exact duplicates and shared edges (IoU 1, 0 and ties)
      const j = Math.floor(rand() * i) * 4;
      boxes.set(boxes.subarray(j, j + 4), i * 4);
      if (rand() < 0.5) { const w = boxes[i * 4 + 2] - boxes[i * 4]; boxes[i * 4] += w; boxes[i * 4 + 2] += w; }
      continue;
    }
    const q = (v) => (grid ? Math.round(v / grid) * grid : v);
    const x = q(rand() * span), y = q(rand() * span);
    const w = q(rand() * maxSize), h = q(rand() * maxSize);  // zero-size boxes happen on the grid
    boxes.set([x, y, x + w, y + h], i * 4);
  }
  return boxes;
}

test('NMS: scalar == SIMD on random box sets', () => {
  const rand = rng(12345);
  let cases = 0;
  for (const n of [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 257, 1000, 3001]) {
    for (const cfg of [{}, { grid: 8, dupes: 0.2 }, { span: 100, maxSize: 300 }, { span: 64, maxSize: 16, grid: 4, dupes: 0.1 }]) {
      for (const iou of [0, 0.1, 0.45, 0.5, 0.7, 0.95, 1]) {
        const boxes = randomBoxes(rand, n, cfg);
        const ref = native().nms(boxes, iou, false, false);
        const got = native().nms(boxes, iou, false, true);
        assert.deepEqual(got, ref, `n=${n} iou=${iou} cfg=${JSON.stringify(cfg)}`);
        cases++;
      }
    }
  }
  assert.ok(cases > 400);
});

test('letterbox tensor: SIMD conversion == scalar reference, bit for bit', () => {
  for (const name of ['bus.jpg', 'zidane.jpg']) {
    const bytes = readFileSync(join(DATA, 'images', name));
    for (const [size, autoPad] of [[640, true], [640, false], [320, true], [416, false], [1280, true], [32, false]]) {
      const a = native().letterboxTensor(bytes, size, autoPad, 32, true);
      const b = native().letterboxTensor(bytes, size, autoPad, 32, false);
      assert.deepEqual(a.shape, b.shape);
      assert.ok(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer)), `${name} ${size} rect=${autoPad}: tensors differ`);
    }
  }
});
