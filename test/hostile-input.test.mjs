// Hostile inputs: mutated, truncated and header-forged files of every still-image format, many in flight at once
// beside good calls. Each call must settle with a result or a YoloError of a known code; good calls must keep
// returning exactly what they return alone; the process must survive.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { loadModel, ErrorCodes, YoloError } from '../dist/esm/index.js';
import { DATA, MODELS } from './helpers/golden.mjs';

const sharp = createRequire(import.meta.url)('sharp');
const model = await loadModel(join(MODELS, 'fp32', 'yolov8n-int8dq-dynamic.onnx'), { threads: 2 });
const zidane = readFileSync(join(DATA, 'images', 'zidane.jpg'));
const small = await sharp(zidane).resize(96, 64).toBuffer();
const samples = {
  jpg: await sharp(small).jpeg().toBuffer(),
  png: await sharp(small).png().toBuffer(),
  webp: await sharp(small).webp().toBuffer(),
  tiff: await sharp(small).tiff().toBuffer(),
};
const KNOWN = new Set(Object.values(ErrorCodes));
const withoutSpeed = (out) => JSON.stringify(out.images.map(({ speed, ...rest }) => rest));

function rng(seed) {
  return () => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

/** Bit flips, truncation, or a scrambled header, chosen by i. */
function mutate(bytes, i, rand) {
  const b = Buffer.from(bytes);
  if (i % 3 === 0) {
    for (let k = 0, n = 1 + Math.floor(rand() * 12); k < n; k++) b[Math.floor(rand() * b.length)] ^= 1 << Math.floor(rand() * 8);
    return b;
  }
  if (i % 3 === 1) return b.subarray(0, Math.floor(rand() * b.length));
  for (let k = 0; k < 4; k++) b[Math.floor(rand() * Math.min(64, b.length))] = Math.floor(rand() * 256);
  return b;
}

async function settle(input) {
  try {
    await model.predict(input, { imgsz: 64 });
    return 'ok';
  } catch (e) {
    assert.ok(e instanceof YoloError, `not a YoloError: ${e?.stack ?? e}`);
    assert.ok(KNOWN.has(e.code) && e.code !== ErrorCodes.INTERNAL, `unexpected code ${e.code}: ${e.message}`);
    assert.ok(e.message.length > 10, 'the message says what was wrong');
    return e.code;
  }
}

test('mutated and truncated files of every format settle with a result or a typed error', async () => {
  const rand = rng(20261123);
  const tally = {};
  for (const [format, bytes] of Object.entries(samples)) {
    const batch = Array.from({ length: 90 }, (_, i) => mutate(bytes, i, rand));
    for (let i = 0; i < batch.length; i += 6) {  // six in flight at a time
      for (const code of await Promise.all(batch.slice(i, i + 6).map(settle))) tally[`${format}:${code}`] = (tally[`${format}:${code}`] ?? 0) + 1;
    }
  }
  const rejected = Object.entries(tally).filter(([k]) => !k.endsWith(':ok')).reduce((n, [, v]) => n + v, 0);
  assert.ok(rejected > 100, `most mutations should be rejected: ${JSON.stringify(tally)}`);
});

test('forged headers claiming huge images are refused before decoding', async () => {
  const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.from([0, 0, 0xc3, 0x50, 0, 0, 0xc3, 0x50, 8, 2, 0, 0, 0]), Buffer.alloc(64)]);
  const jpegSof = Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0, 17, 8, 0xff, 0xf0, 0xff, 0xf0, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xff, 0xd9]);
  const tiff = Buffer.alloc(64);
  tiff.write('II*\0', 0, 'latin1');
  tiff.writeUInt32LE(8, 4);
  tiff.writeUInt16LE(2, 8);
  for (const [k, tag] of [256, 257].entries()) {
    const e = 10 + 12 * k;
    tiff.writeUInt16LE(tag, e);
    tiff.writeUInt16LE(4, e + 2); // LONG
    tiff.writeUInt32LE(1, e + 4);
    tiff.writeUInt32LE(60000, e + 8);
  }
  const bmp = Buffer.alloc(64);
  bmp.write('BM', 0, 'latin1');
  bmp.writeInt32LE(70000, 18);
  bmp.writeInt32LE(-70000, 22); // top-down
  for (const [name, bytes] of Object.entries({ png, jpegSof, tiff, bmp })) {
    await assert.rejects(model.predict(bytes), (e) => {
      assert.equal(e.code, ErrorCodes.IMAGE_TOO_LARGE, `${name}: ${e.code} ${e.message}`);
      assert.match(e.message, /pixels, over the limit of 268402689 \(maxPixels\)/);
      return true;
    });
  }
});

test('good calls in flight beside hostile ones return exactly what they return alone', async () => {
  const rand = rng(7);
  const alone = withoutSpeed(await model.predict(zidane, { imgsz: 320 }));
  const calls = [];
  for (let i = 0; i < 24; i++) {
    calls.push(model.predict(zidane, { imgsz: 320 }).then(withoutSpeed));
    calls.push(settle(mutate(samples[Object.keys(samples)[i % 4]], i, rand)));
  }
  const out = await Promise.all(calls);
  for (let i = 0; i < out.length; i += 2) assert.equal(out[i], alone);
});

afterAll(async () => {
  await model.dispose();
});
