// Raw pixel frames: the decoded BGR pixels of every golden image of the detect, segment and pose suites, handed over
// as a raw frame, give exactly the JSON of the encoded file (speed aside); RGB, RGBA, BGRA, gray and a padded stride
// for one image each; sharp's raw output and ImageData from sharp's real output; an opencv4nodejs-shaped Mat; raw
// frames mixed with encoded images; every size error names its field and numbers; the pixels are the call's own.
import { test, describe, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { loadModel, YoloError } from '../dist/esm/index.js';
import { native } from '../dist/cjs/native.js';
import { DATA, MODELS, compareImage, goldenOptions, listGoldens, readGolden } from './helpers/golden.mjs';

const sharp = createRequire(import.meta.url)('sharp');
const withoutSpeed = (out) => JSON.stringify(out.images.map(({ speed, ...rest }) => rest));
const decode = (bytes) => native().__test.decodeImage(bytes); // { width, height, data: BGR rows }

/** BGR rows -> another layout. */
function convert({ width, height, data }, format) {
  const n = width * height;
  const ch = { rgb: 3, rgba: 4, bgra: 4 }[format];
  const out = Buffer.alloc(n * ch);
  for (let i = 0; i < n; i++) {
    const b = data[3 * i], g = data[3 * i + 1], r = data[3 * i + 2];
    if (format === 'bgra') out.set([b, g, r, 255], 4 * i);
    else if (format === 'rgba') out.set([r, g, b, 255], 4 * i);
    else out.set([r, g, b], 3 * i);
  }
  return out;
}

const SUITES = [
  ['detect', 'yolov8n-int8dq', 'fp32/yolov8n-int8dq-dynamic.onnx'],
  ['segment', 'yolov8n-seg-int8dq', 'fp32/yolov8n-seg-int8dq-dynamic.onnx'],
  ['pose', 'yolo11n-pose-int8dq', 'fp32/yolo11n-pose-int8dq-dynamic.onnx'],
];

for (const [task, folder, file] of SUITES) {
  describe(`raw BGR frames: every golden image of ${folder}`, () => {
    let model;
    beforeAll(async () => {
      model = await loadModel(join(MODELS, file), { threads: 2 });
    });
    afterAll(async () => model?.dispose());
    test('equal JSON to the encoded file, and golden parity', async () => {
      const files = listGoldens(folder, '640');
      assert.ok(files.length > 100, `${files.length} golden files`);
      const problems = [];
      for (const f of files) {
        const g = readGolden(f);
        const bytes = readFileSync(join(DATA, g.image));
        const px = decode(bytes);
        const options = goldenOptions(g);
        const encoded = await model.predict(bytes, options);
        const raw = await model.predict({ data: px.data, width: px.width, height: px.height, format: 'bgr' }, options);
        if (withoutSpeed(raw) !== withoutSpeed(encoded)) problems.push(`${g.image}: raw frame JSON differs from the encoded file's`);
        const golden = compareImage(g, raw.images[0], task);
        if (golden.length) problems.push(`${g.image}: ${golden.slice(0, 3).join('; ')}`);
      }
      assert.deepEqual(problems.slice(0, 10), [], `${problems.length} of ${files.length} images`);
    });
  });
}

describe('raw frame layouts and shapes', () => {
  let model;
  let busBytes, bus, want;
  beforeAll(async () => {
    model = await loadModel(join(MODELS, 'fp32', 'yolov8n-seg-int8dq-dynamic.onnx'), { threads: 2 });
    busBytes = readFileSync(join(DATA, 'images', 'bus.jpg'));
    bus = decode(busBytes);
    want = withoutSpeed(await model.predict(busBytes));
  });
  afterAll(async () => model?.dispose());
  const frame = (data, format, extra = {}) => ({ data, width: bus.width, height: bus.height, format, ...extra });

  test('rgb, bgra and rgba frames of bus.jpg give the encoded file\'s JSON; so does a padded stride', async () => {
    for (const format of ['rgb', 'bgra', 'rgba']) {
      assert.equal(withoutSpeed(await model.predict(frame(convert(bus, format), format))), want, format);
    }
    // padded rows (a camera API's stride), the padding full of noise that must never be read
    for (const [format, data, ch] of [['bgr', bus.data, 3], ['rgba', convert(bus, 'rgba'), 4]]) {
      const row = bus.width * ch;
      const stride = row + 61;
      const padded = Buffer.alloc(stride * bus.height);
      for (let i = 0; i < padded.length; i++) padded[i] = (i * 131) & 255;
      for (let y = 0; y < bus.height; y++) data.copy(padded, y * stride, y * row, (y + 1) * row);
      assert.equal(withoutSpeed(await model.predict(frame(padded, format, { stride, channels: ch }))), want, `${format} stride ${stride}`);
    }
  });

  test('gray frame: equal to predicting the same gray image encoded as PNG (what Ultralytics reads)', async () => {
    const gray = await sharp(busBytes).grayscale().raw().toBuffer({ resolveWithObject: true });
    assert.equal(gray.info.channels, 1);
    const png = await sharp(gray.data, { raw: { width: gray.info.width, height: gray.info.height, channels: 1 } }).png().toBuffer();
    const encoded = withoutSpeed(await model.predict(png));
    assert.equal(withoutSpeed(await model.predict({ data: gray.data, width: gray.info.width, height: gray.info.height, format: 'gray' })), encoded);
    assert.equal(withoutSpeed(await model.predict(gray)), encoded, "sharp's raw output with 1 channel is gray");
    assert.notEqual(encoded, want, 'the gray image is not the colour one');
  });

  test("sharp's raw output (RGB) and ImageData (RGBA), made by sharp itself", async () => {
    const rgb = await sharp(busBytes).raw().toBuffer({ resolveWithObject: true });
    assert.equal(rgb.info.channels, 3);
    // the same pixels handed over as explicit BGR: sharp's own decode may differ from OpenCV's, so compare to that
    const bgr = Buffer.alloc(rgb.data.length);
    for (let i = 0; i < bgr.length; i += 3) bgr.set([rgb.data[i + 2], rgb.data[i + 1], rgb.data[i]], i);
    const reference = withoutSpeed(await model.predict({ data: bgr, width: rgb.info.width, height: rgb.info.height, format: 'bgr' }));
    assert.equal(withoutSpeed(await model.predict(rgb)), reference, 'sharp { data, info }');
    const rgba = await sharp(busBytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    assert.equal(rgba.info.channels, 4);
    const imageData = { data: new Uint8ClampedArray(rgba.data.buffer, rgba.data.byteOffset, rgba.data.length), width: rgba.info.width, height: rgba.info.height, colorSpace: 'srgb' };
    assert.equal(withoutSpeed(await model.predict(imageData)), reference, 'ImageData');
    assert.equal(withoutSpeed(await model.predict(rgba)), reference, 'sharp { data, info } with alpha');
  });

  test('an opencv4nodejs-shaped Mat (rows, cols, channels, getData() -> BGR)', async () => {
    const mat = { rows: bus.height, cols: bus.width, channels: 3, depth: 0, type: 16, getData: () => Buffer.from(bus.data) };
    assert.equal(withoutSpeed(await model.predict(mat)), want);
    const bgra = { rows: bus.height, cols: bus.width, channels: 4, getData: () => convert(bus, 'bgra') };
    assert.equal(withoutSpeed(await model.predict(bgra)), want);
    await assert.rejects(model.predict({ ...mat, depth: 5 }), (e) => e.code === 'E_INVALID_INPUT' && /depth must be CV_8U/.test(e.message));
  });

  test('arrays mix raw frames and encoded images, each entry as it is alone', async () => {
    const zidaneBytes = readFileSync(join(DATA, 'images', 'zidane.jpg'));
    const z = decode(zidaneBytes);
    const out = await model.predict([frame(convert(bus, 'rgb'), 'rgb'), zidaneBytes, { data: z.data, width: z.width, height: z.height, format: 'bgr' }, busBytes]);
    const zWant = withoutSpeed(await model.predict(zidaneBytes));
    assert.equal(out.images.length, 4);
    assert.equal(JSON.stringify([out.images[0]].map(({ speed, ...r }) => r)), want);
    assert.equal(JSON.stringify([out.images[1]].map(({ speed, ...r }) => r)), zWant);
    assert.equal(JSON.stringify([out.images[2]].map(({ speed, ...r }) => r)), zWant);
    assert.equal(JSON.stringify([out.images[3]].map(({ speed, ...r }) => r)), want);
  });

  test('wrong sizes and layouts: E_INVALID_INPUT naming the field and the numbers; other calls undisturbed', async () => {
    const good = model.predict(busBytes);
    const cases = [
      [frame(bus.data.subarray(0, bus.data.length - 1), 'bgr'), /data is 2624399 bytes, shorter than stride \* height = 2430 \* 1080 = 2624400/],
      [frame(bus.data, 'bgr', { stride: 3000 }), /data is 2624400 bytes, shorter than stride \* height = 3000 \* 1080 = 3240000/],
      [frame(bus.data, 'bgr', { stride: 2429 }), /stride must be an integer of at least width \* channels = 810 \* 3 = 2430 bytes \(bgr\); received 2429/],
      [frame(bus.data, 'bgr', { stride: 2430.5 }), /stride must be an integer .* received 2430.5/],
      [{ ...frame(bus.data, 'bgr'), width: 0 }, /width must be an integer in \[1, 1048576\]; received 0/],
      [{ ...frame(bus.data, 'bgr'), height: -5 }, /height must be an integer in \[1, 1048576\]; received -5/],
      [{ ...frame(bus.data, 'bgr'), height: 1.5 }, /height must be an integer in \[1, 1048576\]; received 1.5/],
      [{ ...frame(bus.data, 'bgr'), width: NaN }, /width must be an integer .* received nan/i],
      [{ ...frame(bus.data, 'bgr'), width: '810' }, /width must be a number; received "810"/],
      [frame(bus.data, 'yuv420'), /format must be one of 'bgr', 'rgb', 'bgra', 'rgba', 'gray'; received "yuv420"/],
      [frame(bus.data, 'bgr', { channels: 4 }), /channels must be 3 for format 'bgr'; received 4/],
      [frame(new Uint16Array(10), 'bgr'), /data must be a Buffer, Uint8Array, Uint8ClampedArray or ArrayBuffer of 8-bit pixels; received Uint16Array/],
      [{ data: Buffer.alloc(8), info: { width: 2, height: 2, channels: 2 } }, /info\.channels must be 1, 3, 4; received 2/],
      [{ rows: 2, cols: 2, channels: 2, getData: () => Buffer.alloc(8) }, /channels must be 1, 3, 4; received 2/],
    ];
    for (const [input, message] of cases) {
      await assert.rejects(model.predict(input), (e) => {
        assert.ok(e instanceof YoloError, String(e));
        assert.equal(e.code, 'E_INVALID_INPUT', e.message);
        assert.match(e.message, message);
        return true;
      });
    }
    await assert.rejects(model.predict(frame(bus.data, 'bgr'), { maxPixels: 810 * 1080 - 1 }), (e) => e.code === 'E_IMAGE_TOO_LARGE' && /810x1080 = 874800 pixels, over the limit of 874799/.test(e.message));
    // the size check comes before any allocation: a frame claiming 2^40 bytes is refused by its data length
    await assert.rejects(model.predict({ data: Buffer.alloc(16), width: 1 << 20, height: 1 << 20, format: 'rgba' }, { maxPixels: 0 }), (e) => e.code === 'E_INVALID_INPUT');
    assert.equal(withoutSpeed(await good), want);
  });

  test("the pixels are the call's own: detaching or overwriting the caller's buffer mid-call changes nothing", async () => {
    const mine = new Uint8Array(bus.data);
    const pending = model.predict({ data: mine, width: bus.width, height: bus.height, format: 'bgr' });
    const moved = structuredClone(mine.buffer, { transfer: [mine.buffer] }); // detaches `mine`
    new Uint8Array(moved).fill(0);
    assert.equal(withoutSpeed(await pending), want);
    const reused = Buffer.from(bus.data);
    const again = model.predict({ data: reused, width: bus.width, height: bus.height, format: 'bgr' });
    reused.fill(255); // a camera writing its next frame into the same buffer
    assert.equal(withoutSpeed(await again), want);
  });
});

test('classify: raw frames in any layout equal the encoded file', async () => {
  const model = await loadModel(join(MODELS, 'fp32', 'yolov8n-cls_finetuned-leaves36-dynamic.onnx'), { threads: 2 });
  try {
    for (const name of ['bus.jpg', 'zidane.jpg']) {
      const bytes = readFileSync(join(DATA, 'images', name));
      const px = decode(bytes);
      const want = withoutSpeed(await model.predict(bytes, { imgsz: 224, top5: true }));
      for (const format of ['bgr', 'rgb', 'rgba']) {
        const data = format === 'bgr' ? px.data : convert(px, format);
        assert.equal(withoutSpeed(await model.predict({ data, width: px.width, height: px.height, format }, { imgsz: 224, top5: true })), want, `${name} ${format}`);
      }
    }
  } finally {
    await model.dispose();
  }
});
