// Classification parity with Ultralytics 8.3.160: every golden of the leaves36 classifier (top-1 and top-5), the
// shape of the classify JSON, imgsz handling, odd outputs, and the Pillow-exact resize of classify_transforms.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, ErrorCodes } from '../dist/esm/index.js';
import { bmp } from './helpers/hostile-files.mjs';
import { native } from '../dist/cjs/native.js';
import { DATA, MODELS, listGoldens, readGolden, variantsOf } from './helpers/golden.mjs';
import { defineGoldenSuites } from './helpers/golden-suites.mjs';
import { singleOpModel } from './helpers/onnx.mjs';

const FOLDER = 'yolov8n-cls_finetuned-leaves36';
const DYNAMIC = join(MODELS, 'fp32', `${FOLDER}-dynamic.onnx`);
const STATIC = join(MODELS, 'fp32', `${FOLDER}-640.onnx`);
const bus = readFileSync(join(DATA, 'images', 'bus.jpg'));
const scratch = mkdtempSync(join(tmpdir(), 'yolo-native-classify-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

defineGoldenSuites('classify', [
  { golden: FOLDER, model: `fp32/${FOLDER}-dynamic.onnx`, variants: variantsOf(FOLDER) }, // 224, 320, 640
  { golden: FOLDER, model: `fp32/${FOLDER}-640.onnx`, variants: ['640'] }, // a static model runs at its own 640x640
], { options: { top5: true }, scalarFiles: (files, variant) => files.filter((f) => f.split('/').at(-2) === variant) }); // top-1 and top-5; scalar kernels on the loose images

test('classify JSON is Results.summary(): top-1 only, top5 on request', async () => {
  const model = await loadModel(DYNAMIC, { threads: 2 });
  const golden = readGolden(join(listGoldens(FOLDER, '640').find((f) => f.endsWith('/640/bus.json'))));
  const expected = golden.hub.images[0];

  const plain = await model.predict(bus);
  assert.equal(plain.metadata.task, 'classify');
  const image = plain.images[0];
  assert.deepEqual(Object.keys(image), Object.keys(expected));
  assert.deepEqual(image.shape, expected.shape);
  assert.equal(image.results.length, 1);
  assert.deepEqual(Object.keys(image.results[0]), Object.keys(expected.results[0])); // name, class, confidence; no box
  assert.equal(image.results[0].class, expected.results[0].class);
  assert.equal(image.results[0].name, expected.results[0].name);
  assert.equal((await model.predict(bus, { top5: false })).images[0].top5, undefined);

  const top = (await model.predict(bus, { top5: true })).images[0];
  assert.deepEqual(top.results, image.results);
  assert.equal(top.top5.length, 5);
  for (const [i, entry] of top.top5.entries()) {
    assert.deepEqual(Object.keys(entry), ['name', 'class', 'confidence']);
    assert.equal(entry.name, model.names[entry.class]);
    if (i > 0) assert.ok(entry.confidence <= top.top5[i - 1].confidence, 'top5 is in descending confidence');
  }
  assert.deepEqual(top.top5[0], top.results[0]);
  assert.deepEqual(top.top5.map((e) => e.class), golden.raw.probs.top5);
  await model.dispose();
});

test('imgsz: a dynamic classifier runs at imgsz (stride 1, as check_imgsz), a static one at its own size', async () => {
  const dynamic = await loadModel(DYNAMIC, { threads: 2 });
  assert.equal(dynamic.stride, 1); // Ultralytics ClassificationModel: no stride constraint
  for (const [imgsz, want] of [[224, [224, 224]], [320, [320, 320]], [500, [500, 500]], [33, [33, 33]]]) {
    const out = await dynamic.predict(bus, { imgsz });
    assert.deepEqual(out.metadata.inputShape, want, `imgsz ${imgsz}`);
    assert.equal(out.metadata.imgsz, want[0]);
  }
  await dynamic.dispose();
  const fixed = await loadModel(STATIC, { threads: 2 });
  const out = await fixed.predict(bus, { imgsz: 320 });
  assert.deepEqual(out.metadata.inputShape, [640, 640]);
  assert.equal(out.metadata.imgsz, 640);
  await fixed.dispose();
});

test('odd classify outputs are E_MODEL_UNSUPPORTED, and the decoder reads [batch, classes] as it is', async () => {
  const rank4 = join(scratch, 'rank4.onnx');
  writeFileSync(rank4, singleOpModel('Identity', [1, 3, 8, 8], [1, 3, 8, 8], { task: 'classify' }));
  await assert.rejects(loadModel(rank4), (e) => e.code === ErrorCodes.MODEL_UNSUPPORTED && /\[batch, classes\]/.test(e.message));

  const wrongWidth = join(scratch, 'wrong-width.onnx');
  writeFileSync(wrongWidth, singleOpModel('Flatten', [1, 3, 8, 8], [1, 192], { task: 'classify', names: "{0: 'a', 1: 'b'}" }));
  const mismatched = await loadModel(wrongWidth);
  await assert.rejects(mismatched.predict(bus), (e) => e.code === ErrorCodes.MODEL_UNSUPPORTED && /\[1, 192\], expected \[batch, 2\]/.test(e.message));
  await mismatched.dispose();

  // Flatten as a "classifier": its 192 "probabilities" are the input tensor itself (all values distinct here).
  const flatten = join(scratch, 'flatten.onnx');
  writeFileSync(flatten, singleOpModel('Flatten', [1, 3, 8, 8], [1, 192], { task: 'classify' }));
  const model = await loadModel(flatten);
  const image = bmp(8, 8, (x, y) => [y * 8 + x, 64 + y * 8 + x, 128 + ((y * 8 + x) * 5) % 64]);
  const out = (await model.predict(image, { top5: true })).images[0];
  const tensor = native().__test.classifyTensor(image, 8, 8).data;
  const order = [...tensor.keys()].sort((a, b) => tensor[b] - tensor[a]);
  assert.deepEqual(out.top5.map((e) => e.class), order.slice(0, 5));
  assert.deepEqual(out.results, [{ name: String(order[0]), class: order[0], confidence: Math.round(tensor[order[0]] * 1e5) / 1e5 }]);
  await model.dispose();
});

// --- the Pillow resize behind classify_transforms -------------------------------------------------------------

/** The classify tensor as 8-bit values: [plane][y][x], RGB planes. */
function tensorBytes(out) {
  const [, , h, w] = out.shape;
  return [0, 1, 2].map((c) => Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => Math.round(out.data[(c * h + y) * w + x] * 255))));
}

// Pillow's own accuracy tests (Tests/test_image_resample.py, TestImagingCoreResampleAccuracy): two bright and two
// dark squares, and the published top-left quarter of the BILINEAR result, mirrored into the full sample.
function pillowCase(size, color = 0xe1) {
  const half = size / 2;
  return bmp(size, size, (x, y) => Array(3).fill((x < half) === (y < half) ? color : 255 - color));
}
function pillowSample(hex, size) {
  const quarter = hex.split(' ').map((v) => parseInt(v, 16));
  const n = size / 2;
  const out = Array.from({ length: size }, () => Array(size).fill(0));
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const v = quarter[y * n + x];
      out[y][x] = v;
      out[size - y - 1][size - x - 1] = v;
      out[size - y - 1][x] = 255 - v;
      out[y][size - x - 1] = 255 - v;
    }
  }
  return out;
}

test("classify resize reproduces Pillow's published BILINEAR results (reduce 8->4, enlarge 2->4)", () => {
  for (const [from, to, hex] of [[8, 4, 'e1 c9 c9 b7'], [2, 4, 'e1 b0 b0 98']]) {
    const planes = tensorBytes(native().__test.classifyTensor(pillowCase(from), to));
    const want = pillowSample(hex, to);
    for (const plane of planes) assert.deepEqual(plane, want, `${from} -> ${to}`);
  }
});

// An independent, unoptimised transcription of Pillow's Resample.c (BILINEAR, 8 bpc) over the whole image, then
// the crop: the native transform computes only the cropped pixels and must give the same bytes.
function pillowTaps(inSize, outSize) {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = filterscale;
  return Array.from({ length: outSize }, (_, xx) => {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const count = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    const w = Array.from({ length: count }, (_, x) => Math.max(0, 1 - Math.abs((x + xmin - center + 0.5) * (1 / filterscale))));
    const sum = w.reduce((a, b) => a + b, 0);
    return { xmin, k: w.map((v) => Math.trunc(0.5 + (sum !== 0 ? v / sum : v) * (1 << 22))) };
  });
}
const clip8 = (acc) => Math.min(255, Math.max(0, acc >> 22));

/** img: [y][x][c]; Pillow order: horizontal pass (8-bit result), then vertical; an unchanged axis is skipped. */
function pillowResize(img, outW, outH) {
  let out = img;
  if (outW !== img[0].length) {
    const taps = pillowTaps(img[0].length, outW);
    out = out.map((row) => taps.map(({ xmin, k }) => [0, 1, 2].map((c) => clip8(k.reduce((s, w, i) => s + row[xmin + i][c] * w, 1 << 21)))));
  }
  if (outH !== img.length) {
    const taps = pillowTaps(img.length, outH);
    const src = out;
    out = taps.map(({ xmin, k }) => src[0].map((_, x) => [0, 1, 2].map((c) => clip8(k.reduce((s, w, i) => s + src[xmin + i][x][c] * w, 1 << 21)))));
  }
  return out;
}

/** torchvision Resize(S) + CenterCrop(S) (or a stretch to h x w when not square) on an RGB [y][x][c] image. */
function referenceTransform(img, height, width) {
  const h = img.length, w = img[0].length;
  let rh = height, rw = width;
  if (height === width) {
    if (w <= h) rh = Math.trunc((height * h) / w);
    else rw = Math.trunc((height * w) / h);
  }
  const roundHalfEven = (v) => (Math.abs(v % 1) === 0.5 ? 2 * Math.round(v / 2) : Math.round(v));
  const top = roundHalfEven((rh - height) / 2), left = roundHalfEven((rw - width) / 2);
  const resized = rh === h && rw === w ? img : pillowResize(img, rw, rh);
  return [0, 1, 2].map((c) => Array.from({ length: height }, (_, y) => Array.from({ length: width }, (_, x) => resized[top + y][left + x][c])));
}

test('classify transform equals Pillow resize + centre crop (down, up, one axis, none, odd offsets)', () => {
  let seed = 12345;
  const noise = () => (seed = (seed * 1103515245 + 12345) % 2147483648) & 255;
  const cases = [
    // [h, w, height, width]; 32x43 and 43x32 crop 5 pixels: offset round(2.5) = 2 (half to even)
    [37, 53, 16, 16], [53, 37, 16, 16], [10, 7, 24, 24], [7, 10, 24, 24], [24, 24, 24, 24], [31, 47, 20, 20],
    [90, 61, 32, 32], [32, 43, 16, 16], [43, 32, 16, 16], [5, 200, 16, 16], [3, 3, 5, 5], [1, 1, 4, 4], [30, 20, 12, 20], [30, 20, 30, 9], [41, 29, 17, 23],
  ];
  for (const [h, w, height, width] of cases) {
    const img = Array.from({ length: h }, () => Array.from({ length: w }, () => [noise(), noise(), noise()]));
    const got = tensorBytes(native().__test.classifyTensor(bmp(w, h, (x, y) => img[y][x]), height, width));
    assert.deepEqual(got, referenceTransform(img, height, width), `${h}x${w} -> ${height}x${width}`);
  }
});
