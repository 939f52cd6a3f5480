// The SIMD kernels (native/simd_kernels.inl: AVX2 / SSE2 / NEON) must give exactly what the scalar references give:
// full HUB JSON equality (apart from timings) with simd on and off on the bus/zidane goldens of the segment and
// detect models, identical NMS keep lists on random box sets, and identical letterbox and classify tensors.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { loadModel } from '../dist/esm/index.js';
import { native } from '../dist/cjs/native.js';
import { DATA, MODELS, goldenOptions, listGoldens, readGolden, variantsOf } from './helpers/golden.mjs';

const PATHS = ['avx2', 'sse2', 'neon', 'scalar', 'simd128'];

/** The path this CPU must get: AVX2 where it has AVX2 and FMA, NEON on arm64, else SSE2 on x86-64. */
function expectedPath() {
  if (process.env.YOLO_NATIVE_SIMD === 'scalar') return 'scalar';
  if (process.arch === 'arm64') return 'neon';
  const flags = (readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '').split(/\s+/);
  return process.env.YOLO_NATIVE_SIMD !== 'baseline' && flags.includes('avx2') && flags.includes('fma') ? 'avx2' : 'sse2';
}

test('the widest SIMD path this CPU supports is the active one', () => {
  const { simd } = native().runtimeInfo();
  assert.ok(PATHS.includes(simd), `unknown SIMD path ${simd}`);
  assert.equal(simd, expectedPath());
});

const suites = [
  { golden: 'yolov8n-seg-int8dq', model: 'fp32/yolov8n-seg-int8dq-dynamic.onnx', variants: variantsOf('yolov8n-seg-int8dq') },
  { golden: 'yolov8n-seg_int8-dynamic_320', model: 'int8/yolov8n-seg_int8-dynamic_320.onnx', variants: ['320'] },
  { golden: 'yolov8n-int8dq', model: 'fp32/yolov8n-int8dq-dynamic.onnx', variants: variantsOf('yolov8n-int8dq') },
  { golden: 'yolov8n_int8-dynamic_640', model: 'int8/yolov8n_int8-dynamic_640.onnx', variants: ['640'] },
];

const withoutSpeed = (out) => JSON.stringify(out.images.map(({ speed, ...rest }) => rest));

for (const suite of suites) {
  test(`scalar == SIMD on bus/zidane goldens: ${suite.model}`, async () => {
    const model = await loadModel(join(MODELS, suite.model), { threads: 2 });
    let compared = 0;
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
      }
    }
    await model.dispose();
    assert.ok(compared > 0, 'no bus/zidane goldens found');
    assert.deepEqual(mismatches, [], `scalar and SIMD outputs differ on: ${mismatches.join(', ')}`);
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
        const ref = native().__test.nms(boxes, iou, false, false);
        const got = native().__test.nms(boxes, iou, false, true);
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
      const a = native().__test.letterboxTensor(bytes, size, autoPad, 32, true);
      const b = native().__test.letterboxTensor(bytes, size, autoPad, 32, false);
      assert.deepEqual(a.shape, b.shape);
      assert.ok(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer)), `${name} ${size} rect=${autoPad}: tensors differ`);
    }
  }
});

test('classify tensor: SIMD Pillow resize == scalar reference, bit for bit', async () => {
  const sharp = createRequire(import.meta.url)('sharp');
  const rand = rng(2024);
  // Lossless test images: noise (every tap sum differs), flat 0 / 255 and a 0/255 checkerboard (the clip8 extremes).
  const png = (w, h, at) => {
    const raw = Buffer.alloc(w * h * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = at(i % 3, Math.floor(i / 3) % w, Math.floor(i / 3 / w));
    return sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png({ compressionLevel: 1 }).toBuffer();
  };
  const noise = () => Math.floor(rand() * 256);
  const compare = (bytes, height, width, what) => {
    const a = native().__test.classifyTensor(bytes, height, width, true);
    const b = native().__test.classifyTensor(bytes, height, width, false);
    assert.deepEqual(a.shape, [1, 3, height, width]);
    assert.ok(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer)), `${what} -> ${height}x${width}: tensors differ`);
  };
  let cases = 0;
  // [w, h, height, width]: downscale (narrow and very wide filters), upscale, one axis only (a non-square size
  // keeping one side), no resize (crop only), and output rows shorter than / not a multiple of one vector.
  const shapes = [
    [1, 1, 4, 4], [3, 5, 7, 7], [5, 3, 2, 2], [7, 10, 24, 24], [53, 37, 16, 16], [37, 53, 16, 16], [200, 5, 16, 16],
    [5, 200, 16, 16], [61, 90, 32, 32], [43, 32, 11, 11], [20, 30, 12, 20], [20, 30, 30, 9], [29, 41, 17, 23],
    [24, 24, 24, 24], [100, 300, 100, 100], [640, 480, 480, 480], [333, 250, 250, 250], [1500, 2000, 24, 24],
    [2000, 1500, 640, 640], [640, 360, 1000, 1000], [97, 131, 640, 640], [1280, 720, 721, 721],
  ];
  for (const [w, h, height, width] of shapes) {
    compare(await png(w, h, noise), height, width, `noise ${w}x${h}`);
    cases++;
  }
  for (const [name, at] of [['black', () => 0], ['white', () => 255], ['checkerboard', (c, x, y) => ((x ^ y) & 1 ? 255 : 0)]]) {
    const image = await png(301, 217, at);
    for (const [height, width] of [[224, 224], [640, 640], [33, 33], [217, 100]]) {
      compare(image, height, width, `${name} 301x217`);
      cases++;
    }
  }
  for (const name of ['bus.jpg', 'zidane.jpg']) {
    const bytes = readFileSync(join(DATA, 'images', name));
    for (const [height, width] of [[224, 224], [320, 320], [640, 640], [720, 720], [810, 810], [1088, 1088], [480, 640], [17, 17]]) {
      compare(bytes, height, width, name);
      cases++;
    }
  }
  assert.ok(cases > 40);
});
