// Hostile inputs: mutated, truncated and header-forged files of every still-image format, many in flight at once
// beside good calls. Each call must settle with a result or a YoloError of a known code; good calls must keep
// returning exactly what they return alone; the process must survive.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, ErrorCodes, YoloError, isVideo } from '../dist/esm/index.js';
import { DATA, MODELS, repoRoot } from './helpers/golden.mjs';
import * as forge from './helpers/hostile-files.mjs';

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
const scratch = mkdtempSync(join(tmpdir(), 'yolo-native-hostile-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
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

async function settle(input, on = model, imgsz = 64) {
  try {
    await on.predict(input, { imgsz });
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
      for (const code of await Promise.all(batch.slice(i, i + 6).map((b) => settle(b)))) tally[`${format}:${code}`] = (tally[`${format}:${code}`] ?? 0) + 1;
    }
  }
  const rejected = Object.entries(tally).filter(([k]) => !k.endsWith(':ok')).reduce((n, [, v]) => n + v, 0);
  assert.ok(rejected > 100, `most mutations should be rejected: ${JSON.stringify(tally)}`);
});

test('every task survives mutated files whose images are smaller than imgsz (1x1, thin, tall, wide)', async () => {
  const rand = rng(424242);
  const seeds = [];
  for (const [w, h] of [[1, 1], [1, 300], [300, 1], [7, 200], [200, 7], [48, 32]]) {
    const raw = await sharp(zidane).resize(w, h, { fit: 'fill' }).raw().toBuffer();
    const image = sharp(raw, { raw: { width: w, height: h, channels: 3 } });
    seeds.push(await image.clone().png().toBuffer(), await image.clone().jpeg().toBuffer());
  }
  const tasks = ['yolov8n-seg-int8dq-dynamic', 'yolo11n-pose-int8dq-dynamic', 'yolov8n-obb-dota8-dynamic', 'yolov8n-cls_finetuned-leaves36-dynamic', 'yolov8n-int8dq-dynamic'];
  for (const name of tasks) {
    const m = await loadModel(join(MODELS, 'fp32', `${name}.onnx`), { threads: 2 });
    try {
      for (const imgsz of [64, 320]) {
        for (const seed of seeds) assert.equal(await settle(seed, m, imgsz), 'ok', `${name}: an unmutated seed must predict`);
        const mutated = Array.from({ length: 24 }, (_, i) => mutate(seeds[i % seeds.length], i, rand));
        for (let i = 0; i < mutated.length; i += 6) await Promise.all(mutated.slice(i, i + 6).map((b) => settle(b, m, imgsz)));
      }
    } finally {
      await m.dispose();
    }
  }
});

test('classify predicts images smaller than imgsz (short side below it: an upscaling resize) without reading past the source rows', async () => {
  // A fresh process each time: in one whose heap is already large, a read past the rows may not fault at once.
  const png = (w, h) => sharp({ create: { width: w, height: h, channels: 3, background: { r: 40, g: 160, b: 60 } } }).png().toBuffer();
  const sizes = [[1, 1000], [1000, 1], [1, 1], [32, 32], [640, 480], [480, 640], [3, 20000]];
  const files = await Promise.all(sizes.map(async ([w, h]) => [`cls-${w}x${h}.png`, await png(w, h)]));
  for (const imgsz of [224, 320, 640]) {
    const report = predictInChild(files, { imgsz, top5: true }, 'fp32/yolov8n-cls_finetuned-leaves36-dynamic.onnx');
    report.forEach(({ outcome, image }, i) => {
      const [w, h] = sizes[i];
      assert.equal(outcome, 'ok', `${w}x${h} at ${imgsz}`);
      assert.deepEqual(image.shape, [h, w]);
      assert.equal(image.results.length, 1);
      assert.equal(image.top5.length, 5);
    });
  }
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
  bmp.writeUInt32LE(40, 14); // BITMAPINFOHEADER
  bmp.writeInt32LE(70000, 18);
  bmp.writeInt32LE(-70000, 22); // top-down
  for (const [name, bytes] of Object.entries({ png, jpegSof, tiff, bmp })) {
    await assert.rejects(model.predict(bytes), (e) => {
      assert.equal(e.code, ErrorCodes.IMAGE_TOO_LARGE, `${name}: ${e.code} ${e.message}`);
      assert.match(e.message, /pixels, over the limit of 134217728 \(maxPixels\)/);
      return true;
    });
  }
});

/** Runs the files through a child process; returns its per-file report (outcome, first image, peak RSS growth in MiB). */
function predictInChild(files, options, model = 'fp32/yolov8n-int8dq-dynamic.onnx') {
  const paths = files.map(([name, bytes]) => {
    const p = join(scratch, name);
    writeFileSync(p, bytes);
    return p;
  });
  const r = spawnSync(process.execPath, [join(repoRoot, 'test', 'helpers', 'peak-rss-child.mjs'), join(MODELS, model), JSON.stringify(options), ...paths], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, `the child process died (${r.signal ?? r.status}):\n${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout);
}

test('no decoder allocates past the pixel limit: every bypass of the red-team report is refused from its header', async () => {
  const jpeg = await forge.baseJpeg();
  const big = forge.jpegWithSize(jpeg, 10000, 10000); // 100 MP: 300 MB as BGR
  const good = await sharp(zidane).resize(64, 64).png().toBuffer();
  const files = [
    ['good.png', good, 'ok'],
    ['stray-byte-before-sof.jpg', forge.jpegStrayByteBeforeSof(big), ErrorCodes.IMAGE_TOO_LARGE],
    ['fake-sof-behind-tem.jpg', forge.jpegFakeSofBehindTem(big), ErrorCodes.IMAGE_TOO_LARGE],
    ['screen-16000.gif', forge.gifWithScreen(16000, 16000), ErrorCodes.IMAGE_TOO_LARGE],
    ['sshort.tif', forge.tiff({ width: 10000, height: 10000, sizeType: 8, data: 2400 }), ErrorCodes.IMAGE_TOO_LARGE],
    ['big.tif', forge.tiff({ width: 10000, height: 10000, big: true, sizeType: 4, data: 3900 }), ErrorCodes.IMAGE_TOO_LARGE],
    ['duplicate-width.tif', forge.tiff({ width: 10000, height: 10000, sizeType: 4, extra: [[256, 4, 10], [257, 4, 10]] }), ErrorCodes.IMAGE_TOO_LARGE],
    ['huge-tile.tif', forge.tiff({ width: 16, height: 16, sizeType: 4, extra: [[322, 4, 16384], [323, 4, 16384]] }), ErrorCodes.IMAGE_TOO_LARGE],
    ['p4.pbm', forge.pbm(10000, 10000), ErrorCodes.IMAGE_TOO_LARGE],
    ['rle.hdr', forge.radiance(8000, 8000), ErrorCodes.DECODE_FAILED],
    ['forged.j2k', forge.j2k(20000, 20000), ErrorCodes.DECODE_FAILED],
  ];
  const report = predictInChild(files.map(([name, bytes]) => [name, bytes]), { imgsz: 64, maxPixels: 50_000_000 });
  files.forEach(([name, , want], i) => {
    const { outcome, growthMiB } = report[i];
    assert.equal(outcome, want, `${name}: ${outcome}`);
    assert.ok(growthMiB < 48, `${name}: peak RSS grew by ${growthMiB.toFixed(0)} MiB while refusing it`);
  });
  // The library's own default limit refuses a 38-byte lossless WebP of 16383 x 16383 (805 MB as BGR) as well.
  const [webp] = predictInChild([['16383.webp', forge.webpLossless(16383, 16383)]], { imgsz: 64 });
  assert.equal(webp.outcome, ErrorCodes.IMAGE_TOO_LARGE);
  assert.ok(webp.growthMiB < 48, `WebP: peak RSS grew by ${webp.growthMiB.toFixed(0)} MiB`);
});

test('header edge cases: OS/2 BMP, INT32_MIN heights, ftyp inside a JPEG, unknown TIFF compression, 2^64-pixel PNG', async () => {
  const rgbAt = (x, y) => [(x * 7) & 255, (y * 11) & 255, ((x + y) * 5) & 255];
  const os2 = forge.bmp(96, 64, rgbAt, { os2: true });
  const windows = await sharp(os2Raw(96, 64, rgbAt), { raw: { width: 96, height: 64, channels: 3 } }).png().toBuffer();
  assert.deepEqual(withoutSpeed(await model.predict(os2, { imgsz: 64 })), withoutSpeed(await model.predict(windows, { imgsz: 64 })), 'an OS/2 BMP predicts as its pixels do');
  const minHeight = Buffer.alloc(64);
  minHeight.write('BM', 0, 'latin1');
  minHeight.writeUInt32LE(40, 14);
  minHeight.writeInt32LE(8, 18);
  minHeight.writeInt32LE(-2147483648, 22);
  await assert.rejects(model.predict(minHeight), (e) => e.code === ErrorCodes.DECODE_FAILED && /invalid height/.test(e.message));
  const jpeg = readFileSync(join(DATA, 'images', 'bus.jpg'));
  const ftyp = forge.jpegWithFtypBytes(jpeg);
  assert.equal(ftyp.subarray(4, 8).toString('latin1'), 'ftyp');
  assert.equal(isVideo(ftyp), false, 'a JPEG signature wins over ftyp at bytes 4-7');
  assert.deepEqual(withoutSpeed(await model.predict(ftyp)), withoutSpeed(await model.predict(jpeg)));
  await assert.rejects(model.predict(forge.tiff({ width: 8, height: 8, compression: 34661 })), (e) => e.code === ErrorCodes.DECODE_FAILED && /compression \(34661\)/.test(e.message));
  const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 8, 2, 0, 0, 0]), Buffer.alloc(64)]);
  await assert.rejects(model.predict(png), (e) => e.code === ErrorCodes.IMAGE_TOO_LARGE && /more than 2\^63 pixels/.test(e.message));
});

/** The raw RGB bytes of the BMP that bmp(w, h, rgbAt) encodes. */
function os2Raw(w, h, rgbAt) {
  const out = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.set(rgbAt(x, y), 3 * (y * w + x));
  return out;
}

test('the bytes are the call\'s own: detaching or overwriting the caller\'s buffer mid-call changes nothing', async () => {
  const jpeg = readFileSync(join(DATA, 'images', 'bus.jpg'));
  const alone = withoutSpeed(await model.predict(jpeg));
  for (let i = 0; i < 8; i++) {
    const mine = new Uint8Array(jpeg); // a private copy with its own ArrayBuffer
    const call = model.predict(mine);
    const moved = structuredClone(mine.buffer, { transfer: [mine.buffer] }); // detaches `mine`
    new Uint8Array(moved).fill(0); // and the memory it had now holds zeros
    assert.equal(withoutSpeed(await call), alone);
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
