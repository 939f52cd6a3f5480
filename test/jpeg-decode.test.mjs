// JPEGs are decoded by calling libjpeg directly (native/jpeg_decode.cc) instead of through cv::imdecode. Parity with
// Ultralytics is parity with cv2.imdecode's pixels, so every JPEG here must decode bit for bit as OpenCV decodes it
// (EXIF orientation included), or be declined and left to OpenCV. The hook decodeImage() runs either path.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { native } from '../dist/cjs/native.js';
import { DATA, repoRoot } from './helpers/golden.mjs';

const sharp = createRequire(import.meta.url)('sharp');
const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const REDUCTIONS = [1, 2, 4, 8];

function decode(bytes, options) {
  try {
    return native().__test.decodeImage(bytes, options);
  } catch (error) {
    return { error };
  }
}

/** Decodes with OpenCV alone and with the direct path; asserts the same pixels (or both failing). Returns whether
 * the direct path decoded it (false: it declined and OpenCV decoded it). */
function assertSameAsOpenCv(bytes, reduction, label) {
  const want = decode(bytes, { opencv: true, reduction });
  const got = decode(bytes, { reduction });
  if (want.error) {
    assert.ok(got.error, `${label} @1/${reduction}: OpenCV fails (${want.error.message}) but the direct path decoded it`);
    assert.equal(got.error.code, want.error.code, label);
    return false;
  }
  assert.ok(!got.error, `${label} @1/${reduction}: ${got.error?.message}`);
  assert.deepEqual([got.width, got.height], [want.width, want.height], `${label} @1/${reduction}: size`);
  assert.ok(got.data.equals(want.data), `${label} @1/${reduction}: pixels differ from cv::imdecode`);
  return got.direct;
}

function jpegFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? jpegFiles(join(dir, e.name)) : /\.jpe?g$/i.test(e.name) ? [join(dir, e.name)] : []);
}

/** The marker segments before the first SOS: [{ marker, start, end }] (end exclusive, start at the 0xFF). */
function segments(jpeg) {
  const out = [];
  for (let i = 2; i + 4 <= jpeg.length && jpeg[i] === 0xff;) {
    const marker = jpeg[i + 1];
    const end = i + 2 + jpeg.readUInt16BE(i + 2);
    out.push({ marker, start: i, end });
    if (marker === 0xda) break;
    i = end;
  }
  return out;
}

/** An APPn segment holding `payload`. */
function app(n, payload) {
  const header = Buffer.from([0xff, 0xe0 + n, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}

/** The JPEG with `segs` inserted right after SOI. */
const withSegments = (jpeg, ...segs) => Buffer.concat([jpeg.subarray(0, 2), ...segs, jpeg.subarray(2)]);

/** A TIFF block (what follows "Exif\0\0"): IFD0 at offset 8 with `entries` [tag, type, count, value: u32 or 4
 * bytes], then `tail` (data that offsets may point at, from offset 8 + 2 + 12n + 4). */
function tiff({ le = false, entries, tail = Buffer.alloc(0) }) {
  const b = Buffer.alloc(8 + 2 + 12 * entries.length + 4);
  const u16 = (v, at) => (le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
  const u32 = (v, at) => (le ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
  b.write(le ? 'II' : 'MM', 0, 'latin1');
  u16(42, 2);
  u32(8, 4);
  u16(entries.length, 8);
  entries.forEach(([tag, type, count, value], k) => {
    const e = 10 + 12 * k;
    u16(tag, e);
    u16(type, e + 2);
    u32(count, e + 4);
    if (Buffer.isBuffer(value)) value.copy(b, e + 8);
    else if (type === 3 && count === 1) u16(value, e + 8); // a SHORT sits in the first two bytes of the field
    else u32(value, e + 8);
  });
  return Buffer.concat([b, tail]);
}

/** Where tiff()'s tail starts for n entries. */
const tailOffset = (n) => 8 + 2 + 12 * n + 4;
const exif = (block) => app(1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), block]));
const orientationEntry = (v) => [0x0112, 3, 1, v];

const zidane = readFileSync(join(DATA, 'images', 'zidane.jpg'));
const bus = readFileSync(join(DATA, 'images', 'bus.jpg'));
const small = await sharp(zidane).resize(61, 37).toBuffer(); // not square, odd sizes: rotations and flips show
const smallJpeg = await sharp(small).jpeg({ quality: 90 }).toBuffer();

function rng(seed) {
  return () => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

test('every JPEG under ../shared/data decodes as cv::imdecode does, at 1/1, 1/2, 1/4 and 1/8', () => {
  const files = jpegFiles(DATA);
  assert.ok(files.length >= 100, `expected the shared JPEGs, found ${files.length}`);
  let direct = 0, total = 0, restartIntervals = 0;
  for (const file of files) {
    const bytes = readFileSync(file);
    if (segments(bytes).some((s) => s.marker === 0xdd)) restartIntervals++;
    for (const reduction of REDUCTIONS) {
      total++;
      if (assertSameAsOpenCv(bytes, reduction, file)) direct++;
    }
  }
  assert.ok(restartIntervals > 0, 'the data set should include JPEGs with restart intervals');
  assert.equal(direct, total, 'every one of these (colour and grey, none CMYK) takes the direct path');
});

test('encoder variants: baseline 4:4:4 / 4:2:0, progressive, mozjpeg, grey, odd sizes, quality 1 and 100', async () => {
  const variants = {
    'baseline 4:2:0': { chromaSubsampling: '4:2:0', mozjpeg: false },
    'baseline 4:4:4': { chromaSubsampling: '4:4:4', mozjpeg: false },
    'baseline, standard Huffman tables': { optimiseCoding: false },
    progressive: { progressive: true },
    'progressive 4:4:4': { progressive: true, chromaSubsampling: '4:4:4' },
    mozjpeg: { mozjpeg: true },
    'quality 1': { quality: 1 },
    'quality 100 4:4:4': { quality: 100, chromaSubsampling: '4:4:4' },
  };
  const sizes = [[1, 1], [17, 9], [4001, 3], [3, 4001], [61, 37], [640, 427]];
  for (const [w, h] of sizes) {
    const image = sharp(zidane).resize(w, h, { fit: 'fill' });
    for (const [name, options] of Object.entries(variants)) {
      const jpeg = await image.clone().jpeg(options).toBuffer();
      for (const reduction of REDUCTIONS) assert.ok(assertSameAsOpenCv(jpeg, reduction, `${name} ${w}x${h}`), `${name} ${w}x${h}: direct`);
    }
    for (const progressive of [false, true]) {
      const grey = await image.clone().toColourspace('b-w').jpeg({ progressive }).toBuffer();
      assert.equal((await sharp(grey).metadata()).channels, 1, 'a one-component JPEG');
      for (const reduction of REDUCTIONS) assert.ok(assertSameAsOpenCv(grey, reduction, `grey ${w}x${h}`), `grey ${w}x${h}: direct`);
    }
  }
});

test.skipIf(!hasFfmpeg)('4:2:2 (made with ffmpeg)', () => {
  for (const [w, h] of [[97, 61], [640, 480]]) {
    const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', join(DATA, 'images', 'bus.jpg'), '-vf', `scale=${w}:${h}`,
      '-frames:v', '1', '-pix_fmt', 'yuvj422p', '-c:v', 'mjpeg', '-f', 'image2pipe', '-']);
    assert.equal(r.status, 0, String(r.stderr));
    const sof = segments(r.stdout).find((s) => s.marker === 0xc0);
    assert.deepEqual([...r.stdout.subarray(sof.start + 11, sof.start + 18)].filter((_, k) => k % 3 === 0), [0x22, 0x12, 0x12], 'chroma halved across only');
    for (const reduction of REDUCTIONS) assert.ok(assertSameAsOpenCv(r.stdout, reduction, `4:2:2 ${w}x${h}`));
  }
});

test('CMYK and MJPEG frames without Huffman tables are left to OpenCV (same pixels)', async () => {
  const cmyk = await sharp(small).toColourspace('cmyk').jpeg().toBuffer();
  assert.equal((await sharp(cmyk).metadata()).channels, 4);
  // An MJPEG frame: a baseline JPEG with the standard tables, its DHT segments removed (OpenCV supplies them).
  const standard = await sharp(small).jpeg({ optimiseCoding: false, mozjpeg: false }).toBuffer();
  const dht = segments(standard).filter((s) => s.marker === 0xc4);
  assert.ok(dht.length > 0);
  let mjpeg = standard;
  for (const s of dht.reverse()) mjpeg = Buffer.concat([mjpeg.subarray(0, s.start), mjpeg.subarray(s.end)]);
  for (const reduction of REDUCTIONS) {
    assert.equal(assertSameAsOpenCv(cmyk, reduction, 'cmyk'), false, 'CMYK: declined');
    assert.equal(assertSameAsOpenCv(mjpeg, reduction, 'mjpeg'), false, 'MJPEG: declined');
  }
  const decoded = decode(mjpeg, { opencv: true });
  assert.ok(!decoded.error && decoded.width === 61, 'OpenCV decodes the table-less frame');
});

test('EXIF orientation 1-8, big- and little-endian, and from sharp', async () => {
  const plain = decode(smallJpeg, { opencv: true });
  for (const le of [false, true]) {
    for (let o = 0; o <= 9; o++) {
      const jpeg = withSegments(smallJpeg, exif(tiff({ le, entries: [orientationEntry(o)] })));
      for (const reduction of [1, 2]) assert.ok(assertSameAsOpenCv(jpeg, reduction, `orientation ${o} ${le ? 'II' : 'MM'}`));
      const swapped = o >= 5 && o <= 8;
      const got = decode(jpeg, {});
      assert.deepEqual([got.width, got.height], swapped ? [37, 61] : [61, 37], `orientation ${o}`);
      if (o <= 1 || o === 9) assert.ok(got.data.equals(plain.data), `orientation ${o} leaves the pixels as stored`);
    }
  }
  for (let o = 1; o <= 8; o++) {
    const jpeg = await sharp(small).jpeg().withMetadata({ orientation: o }).toBuffer();
    assert.ok(assertSameAsOpenCv(jpeg, 1, `sharp orientation ${o}`));
  }
  assert.ok(assertSameAsOpenCv(withSegments(bus, exif(tiff({ entries: [orientationEntry(6)] }))), 2, 'bus rotated, reduced'));
});

test('EXIF as OpenCV reads it: the first APP1 only, the first orientation entry, malformed blocks', () => {
  const xmp = app(1, Buffer.from('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x="adobe:ns:meta/"></x:xmpmeta>', 'latin1'));
  const o6 = tiff({ entries: [orientationEntry(6)] });
  const str = (tag, count, offset) => [tag, 2, count, offset];
  const TAIL2 = tailOffset(2);
  const cases = {
    'XMP before EXIF': [xmp, exif(o6)],
    'EXIF before XMP': [exif(o6), xmp],
    'EXIF without orientation, then EXIF with it': [exif(tiff({ entries: [[0x0128, 3, 1, 2]] })), exif(o6)],
    'APP0 and APP2 around EXIF': [app(0, Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1')), app(2, Buffer.alloc(40)), exif(o6)],
    'no "Exif" header, a TIFF block at +6 anyway': [app(1, Buffer.concat([Buffer.from('XXXXXX', 'latin1'), o6]))],
    'an APP1 of 6 bytes': [app(1, Buffer.from('Exif\0\0', 'latin1')), exif(o6)],
    'an empty APP1': [app(1, Buffer.alloc(0)), exif(o6)],
    'two orientation entries': [exif(tiff({ entries: [orientationEntry(3), orientationEntry(6)] }))],
    'mixed byte order mark "IM"': [exif(Buffer.concat([Buffer.from('IM'), o6.subarray(2)]))],
    'byte order "XX" (read big-endian)': [exif(Buffer.concat([Buffer.from('XX'), o6.subarray(2)]))],
    'not 0x2A': [exif(Buffer.concat([o6.subarray(0, 2), Buffer.from([0, 43]), o6.subarray(4)]))],
    'IFD0 offset past the end': [exif(Buffer.concat([o6.subarray(0, 4), Buffer.from([0, 0, 1, 0]), o6.subarray(8)]))],
    'entry count larger than the block': [exif(Buffer.concat([o6.subarray(0, 8), Buffer.from([0, 9]), o6.subarray(10)]))],
    'orientation value cut off': [exif(o6.subarray(0, 19))],
    'orientation value just in': [exif(o6.subarray(0, 20))],
    'string inline (count <= 4)': [exif(tiff({ entries: [str(0x010f, 4, 0x41424300), orientationEntry(6)] }))],
    'string out of bounds before orientation': [exif(tiff({ entries: [str(0x010f, 20, 4000), orientationEntry(6)] }))],
    'string out of bounds after orientation': [exif(tiff({ entries: [orientationEntry(8), str(0x0110, 20, 4000)] }))],
    'string ending exactly at the end': [exif(tiff({ entries: [str(0x0131, 8, TAIL2), orientationEntry(5)], tail: Buffer.from('12345678') }))],
    'string one byte past the end': [exif(tiff({ entries: [str(0x0131, 9, TAIL2), orientationEntry(5)], tail: Buffer.from('12345678') }))],
    'resolution rational out of bounds': [exif(tiff({ entries: [[0x011a, 5, 1, 60000], orientationEntry(7)] }))],
    'resolution rational in bounds': [exif(tiff({ entries: [[0x011a, 5, 1, TAIL2], orientationEntry(7)], tail: Buffer.alloc(8) }))],
    'white point: second rational cut off': [exif(tiff({ entries: [[0x013e, 5, 2, TAIL2], orientationEntry(2)], tail: Buffer.alloc(12) }))],
    'white point: both rationals in': [exif(tiff({ entries: [[0x013e, 5, 2, TAIL2], orientationEntry(2)], tail: Buffer.alloc(16) }))],
    'reference black/white, 6 rationals, one short': [exif(tiff({ entries: [[0x0214, 5, 6, TAIL2], orientationEntry(4)], tail: Buffer.alloc(47) }))],
    'resolution unit, then orientation ending the block': [exif(tiff({ entries: [[0x0128, 3, 1, 2], orientationEntry(3)] }).subarray(0, 32))],
    'resolution unit, then orientation one byte short': [exif(tiff({ entries: [[0x0128, 3, 1, 2], orientationEntry(3)] }).subarray(0, 31))],
    'unknown tags and the Exif sub-IFD before orientation': [exif(tiff({ entries: [[0x9999, 4, 1, 1e9], [0x8769, 4, 1, 1e9], orientationEntry(6)] }))],
  };
  for (const [name, segs] of Object.entries(cases)) {
    const jpeg = withSegments(smallJpeg, ...segs);
    assert.ok(assertSameAsOpenCv(jpeg, 1, name), `${name}: direct`);
  }
  // OpenCV 4.6 reads only the first APP1: an XMP packet first means no rotation.
  assert.equal(decode(withSegments(smallJpeg, xmp, exif(o6)), {}).width, 61);
  assert.equal(decode(withSegments(smallJpeg, exif(o6), xmp), {}).width, 37);
});

test('EXIF blocks fuzzed: byte changes and truncations decode as OpenCV does', () => {
  const rand = rng(4242);
  const at = tailOffset(6); // make (12 bytes), x resolution (one rational), white point (two)
  const base = tiff({
    entries: [[0x010f, 2, 12, at], [0x011a, 5, 1, at + 12], [0x0128, 3, 1, 2], [0x013e, 5, 2, at + 20], orientationEntry(6), [0x0213, 3, 1, 1]],
    tail: Buffer.concat([Buffer.from('Canon EOS 5\0', 'latin1'), Buffer.from([0, 0, 0, 72, 0, 0, 0, 1, 0, 0, 12, 53, 0, 0, 39, 16, 0, 0, 12, 218, 0, 0, 39, 16])]),
  });
  let rotated = 0;
  for (let i = 0; i < 300; i++) {
    const block = Buffer.from(i % 2 ? base : tiff({ le: true, entries: [[0x0110, 2, 30, 200], orientationEntry(1 + (i % 8))] }));
    if (i % 5 === 4) {
      const cut = block.subarray(0, Math.floor(rand() * block.length));
      const jpeg = withSegments(smallJpeg, exif(cut));
      assert.ok(assertSameAsOpenCv(jpeg, 1, `exif fuzz #${i} (cut to ${cut.length})`));
      continue;
    }
    for (let k = 0, n = 1 + Math.floor(rand() * 3); k < n; k++) {
      const at = Math.floor(rand() * Math.min(block.length, 90));
      block[at] = rand() < 0.5 ? Math.floor(rand() * 256) : block[at] ^ (1 << Math.floor(rand() * 8));
    }
    const jpeg = withSegments(smallJpeg, exif(block));
    assert.ok(assertSameAsOpenCv(jpeg, 1, `exif fuzz #${i}`));
    if (decode(jpeg, {}).width === 37) rotated++;
  }
  assert.ok(rotated > 20, `some fuzzed blocks keep a rotating orientation: ${rotated}`);
});

test('mutated and truncated JPEGs: the same pixels as OpenCV, or both fail; never a crash', async () => {
  const rand = rng(20261123);
  const sources = [smallJpeg, await sharp(small).jpeg({ progressive: true }).toBuffer(), await sharp(small).resize(40, 30).toColourspace('b-w').jpeg().toBuffer()];
  const tally = { direct: 0, declined: 0, failed: 0 };
  for (let i = 0; i < 360; i++) {
    const b = Buffer.from(sources[i % sources.length]);
    let mutated;
    if (i % 4 === 0) mutated = b.subarray(0, Math.floor(rand() * b.length));
    else if (i % 4 === 1) {
      for (let k = 0, n = 1 + Math.floor(rand() * 8); k < n; k++) b[Math.floor(rand() * b.length)] ^= 1 << Math.floor(rand() * 8);
      mutated = b;
    } else if (i % 4 === 2) {
      for (let k = 0; k < 3; k++) b[2 + Math.floor(rand() * Math.min(600, b.length - 2))] = Math.floor(rand() * 256);
      mutated = b;
    } else {
      const at = 2 + Math.floor(rand() * (b.length - 2)), len = Math.floor(rand() * 40);
      mutated = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + len))]);
    }
    const reduction = REDUCTIONS[i % 4];
    const got = decode(mutated, { reduction });
    if (got.error) {
      assert.ok(decode(mutated, { opencv: true, reduction }).error, `mutation #${i}: only the direct path fails: ${got.error.message}`);
      tally.failed++;
    } else if (got.direct) {
      // Decoded directly: OpenCV, reading the same bytes the same way, must give exactly these pixels.
      const want = decode(mutated, { opencv: true, reduction });
      assert.ok(!want.error, `mutation #${i}: OpenCV fails (${want.error?.message}) where the direct path decoded`);
      assert.deepEqual([got.width, got.height], [want.width, want.height], `mutation #${i}`);
      assert.ok(got.data.equals(want.data), `mutation #${i}: pixels differ`);
      tally.direct++;
    } else {
      // Declined: this was OpenCV's own decode (of data that runs out, or a libjpeg error it may survive).
      tally.declined++;
    }
  }
  assert.ok(tally.direct > 60 && tally.declined > 30, `both paths exercised: ${JSON.stringify(tally)}`);
});

test('YOLO_NATIVE_JPEG=opencv sends every JPEG through OpenCV; the hook can force it per call', () => {
  const viaOpenCv = decode(bus, { opencv: true });
  const direct = decode(bus, {});
  assert.equal(viaOpenCv.direct, false);
  assert.equal(direct.direct, true);
  assert.ok(direct.data.equals(viaOpenCv.data));
  assert.ok(decode(Buffer.from('not an image'), {}).error.code === 'E_DECODE_FAILED');
  assert.equal(decode(bus, { reduction: 3 }).error.code, 'E_INVALID_ARGUMENT');
  const script = `const { native } = require(${JSON.stringify(join(repoRoot, 'dist', 'cjs', 'native.js'))});
    const bytes = require('node:fs').readFileSync(${JSON.stringify(join(DATA, 'images', 'bus.jpg'))});
    process.stdout.write(JSON.stringify(native().__test.decodeImage(bytes).direct));`;
  for (const [mode, direct] of [['opencv', 'false'], ['', 'true']]) {
    const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, YOLO_NATIVE_JPEG: mode }, encoding: 'utf8' });
    assert.equal(r.stdout, direct, `YOLO_NATIVE_JPEG=${mode}: ${r.stderr}`);
  }
});
