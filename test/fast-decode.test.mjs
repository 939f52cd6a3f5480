// fastDecode: JPEGs much larger than the network input are decoded at a reduced DCT scale. Results are reported in
// the original image's pixels (EXIF orientation included) and stay close to the exact path; images that are not
// large enough, and non-JPEGs, take the exact path unchanged.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel } from '../dist/esm/index.js';
import { DATA, MODELS } from './helpers/golden.mjs';

const model = await loadModel(join(MODELS, 'fp32', 'yolov8n-int8dq-dynamic.onnx'), { threads: 2 });
const bus = readFileSync(join(DATA, 'images', 'bus.jpg'));
const zidane = readFileSync(join(DATA, 'images', 'zidane.jpg'));
const withoutSpeed = (out) => JSON.stringify(out.images.map(({ speed, ...rest }) => rest));

/** The JPEG with an EXIF APP1 segment (orientation tag only) inserted right after SOI. */
function withExifOrientation(jpeg, orientation) {
  const tiff = Buffer.from([0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0]);
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, payload, jpeg.subarray(2)]);
}

/** Same detections up to the small pixel differences of a reduced decode: every confident result on either side
 * has a counterpart of the same class, with a close box and confidence, on the other. */
function assertClose(exact, fast) {
  const a = exact.images[0], b = fast.images[0];
  assert.deepEqual(b.shape, a.shape);
  assert.deepEqual(fast.metadata.inputShape, exact.metadata.inputShape);
  for (const [from, to] of [[a, b], [b, a]]) {
    for (const r of from.results.filter((x) => x.confidence > 0.6)) {
      const m = to.results.find((q) => q.name === r.name && Math.abs(q.box.x1 - r.box.x1) < 12 && Math.abs(q.box.y2 - r.box.y2) < 12);
      assert.ok(m, `no close match for ${r.name} ${r.confidence} ${JSON.stringify(r.box)}`);
      assert.ok(Math.abs(m.confidence - r.confidence) < 0.1, `${r.name}: ${m.confidence} vs ${r.confidence}`);
    }
  }
}

test('a large JPEG is decoded reduced and gives nearly the same detections, in original pixels', async () => {
  for (const [image, imgsz] of [[bus, 320], [zidane, 320], [zidane, 640]]) {
    const exact = await model.predict(image, { imgsz });
    const fast = await model.predict(image, { imgsz, fastDecode: true });
    assertClose(exact, fast);
    assert.notEqual(withoutSpeed(fast), withoutSpeed(exact), 'the reduced decode should change pixels (and so some numbers)');
  }
});

test('fastDecode respects EXIF orientation (shape and boxes in the rotated frame)', async () => {
  const rotated = withExifOrientation(zidane, 6); // rotate 90 degrees clockwise: 1280x720 -> 720x1280
  const exact = await model.predict(rotated, { imgsz: 320 });
  assert.deepEqual(exact.images[0].shape, [1280, 720]);
  const fast = await model.predict(rotated, { imgsz: 320, fastDecode: true });
  assertClose(exact, fast);
});

test('images not much larger than the input, and non-JPEGs, are decoded exactly', async () => {
  const exact = await model.predict(bus, { imgsz: 640 }); // 810x1080 -> 480x640: half would upscale
  const fast = await model.predict(bus, { imgsz: 640, fastDecode: true });
  assert.equal(withoutSpeed(fast), withoutSpeed(exact));
  await assert.rejects(model.predict(bus, { fastDecode: 'yes' }), (e) => e.code === 'E_INVALID_ARGUMENT' && /fastDecode must be a boolean/.test(e.message));
});

afterAll(async () => {
  await model.dispose();
});
