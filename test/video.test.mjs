// Video input: clips made at test time with the ffmpeg CLI from ../shared/data/images, predicted through
// model.predict (path and bytes) and model.stream(), compared frame by frame with predictions on the frames
// ffmpeg itself decodes to PNG (so the codec's loss is the same on both sides).
import { test, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, isVideo, YoloError } from '../dist/esm/index.js';
import { native } from '../dist/cjs/native.js';
import { DATA, MODELS, TOL } from './helpers/golden.mjs';

const TEMP_PREFIX = 'yolo-native-video-';
const SOURCES = ['bus.jpg', 'zidane.jpg', 'dog.jpg', 'horses.jpg', 'giraffe.jpg', 'person.jpg'];
const N = SOURCES.length;
const OPTS = { imgsz: 320, conf: 0.25 };
const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;

let dir;
let model;
const clips = {}; // name -> { path, frames: [png path per decoded frame] }

function ffmpeg(...args) {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${r.stderr}`);
}

/** Decodes every frame of a clip to PNG with ffmpeg (no frame dropping / duplication). */
function decodeFrames(clip, name) {
  ffmpeg('-i', clip, '-fps_mode', 'passthrough', '-pix_fmt', 'rgb24', join(dir, `${name}-%03d.png`));
  return readdirSync(dir).filter((f) => f.startsWith(`${name}-`) && f.endsWith('.png')).sort().map((f) => join(dir, f));
}

const tempLeftovers = () => readdirSync(tmpdir()).filter((f) => f.startsWith(TEMP_PREFIX));

/** Same detections: count, classes, boxes within TOL.box px, confidences within TOL.conf. */
function assertSameImage(got, want, label) {
  assert.deepEqual(got.shape, want.shape, `${label}: shape`);
  assert.equal(got.results.length, want.results.length, `${label}: ${got.results.length} vs ${want.results.length} detections`);
  for (let i = 0; i < want.results.length; i++) {
    const a = got.results[i];
    const b = want.results[i];
    assert.equal(a.class, b.class, `${label} #${i}: class`);
    assert.ok(Math.abs(a.confidence - b.confidence) <= TOL.conf, `${label} #${i}: conf ${a.confidence} vs ${b.confidence}`);
    for (const k of ['x1', 'y1', 'x2', 'y2']) assert.ok(Math.abs(a.box[k] - b.box[k]) <= TOL.box, `${label} #${i}: ${k} ${a.box[k]} vs ${b.box[k]}`);
  }
}

beforeAll(async () => {
  if (!hasFfmpeg) return;
  dir = mkdtempSync(join(tmpdir(), 'yolo-native-video-test-'));
  SOURCES.forEach((name, i) => ffmpeg('-i', join(DATA, 'images', name), '-vf', 'scale=320:240', join(dir, `src${i}.png`)));
  const input = ['-framerate', '5', '-i', join(dir, 'src%d.png')];
  ffmpeg(...input, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', join(dir, 'clip.mp4'));
  ffmpeg(...input, '-c:v', 'ffv1', '-pix_fmt', 'bgr0', join(dir, 'clip.mkv')); // lossless: frames == sources
  ffmpeg(...input, '-c:v', 'mjpeg', '-q:v', '3', join(dir, 'clip.avi'));
  ffmpeg(...input, '-c:v', 'libvpx', '-b:v', '1M', join(dir, 'clip.webm'));
  for (const ext of ['mp4', 'mkv', 'avi', 'webm']) {
    const path = join(dir, `clip.${ext}`);
    clips[ext] = { path, frames: decodeFrames(path, `dec-${ext}`) };
  }
  model = await loadModel(join(MODELS, 'fp32', 'yolov8n-int8dq-dynamic.onnx'), { threads: 2 });
});

afterAll(async () => {
  if (model) await model.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const videoTest = test.skipIf(!hasFfmpeg); // the ffmpeg CLI makes the clips

videoTest('video is told apart from images by content (bytes) and content or extension (paths)', () => {
  for (const ext of ['mp4', 'mkv', 'avi', 'webm']) {
    assert.equal(isVideo(readFileSync(clips[ext].path)), true, `${ext} bytes`);
    assert.equal(isVideo(clips[ext].path), true, `${ext} path`);
  }
  for (const img of ['bus.jpg', 'zidane.jpg']) {
    assert.equal(isVideo(readFileSync(join(DATA, 'images', img))), false, img);
    assert.equal(isVideo(join(DATA, 'images', img)), false, img);
  }
  assert.equal(isVideo(readFileSync(join(dir, 'src0.png'))), false, 'png');
  assert.equal(isVideo(Buffer.from('not a video at all')), false, 'text');
  // An image's content wins over a misleading extension; unknown content falls back to the extension.
  const pngNamedMp4 = join(dir, 'image.mp4');
  writeFileSync(pngNamedMp4, readFileSync(join(dir, 'src0.png')));
  assert.equal(isVideo(pngNamedMp4), false, 'png content named .mp4');
  const mkvNamedJpg = join(dir, 'video.jpg');
  writeFileSync(mkvNamedJpg, readFileSync(clips.mkv.path));
  assert.equal(isVideo(mkvNamedJpg), true, 'mkv content named .jpg');
});

for (const ext of ['mp4', 'mkv', 'avi', 'webm']) {
  videoTest(`${ext}: one entry per frame, in order, equal to predicting each decoded frame alone`, async () => {
    const { path, frames } = clips[ext];
    assert.equal(frames.length, N, `ffmpeg decoded ${frames.length} frames`);
    const out = await model.predict(path, OPTS);
    assert.equal(out.images.length, N);
    assert.deepEqual(out.images.map((img) => img.frame), [...Array(N).keys()]);
    const alone = await model.predict(frames, OPTS);
    for (let i = 0; i < N; i++) {
      assert.equal(alone.images[i].frame, undefined, 'still images carry no frame');
      assertSameImage(out.images[i], alone.images[i], `${ext} frame ${i}`);
    }
    assert.ok(out.images.some((img) => img.results.length > 0), 'the clip has detections');
    assert.deepEqual(out.metadata.inputShape, [256, 320]);
  });
}

videoTest('lossless clip: frames equal the source images exactly', async () => {
  const out = await model.predict(clips.mkv.path, OPTS);
  const sources = await model.predict(SOURCES.map((_, i) => join(dir, `src${i}.png`)), OPTS);
  for (let i = 0; i < N; i++) {
    assert.deepEqual(out.images[i].results, sources.images[i].results, `frame ${i}`);
  }
});

videoTest('vidStride and maxFrames', async () => {
  const frames = async (o) => (await model.predict(clips.mp4.path, { ...OPTS, ...o })).images.map((img) => img.frame);
  assert.deepEqual(await frames({ vidStride: 2 }), [0, 2, 4]);
  assert.deepEqual(await frames({ vidStride: 4 }), [0, 4]);
  assert.deepEqual(await frames({ vidStride: 100 }), [0]);
  assert.deepEqual(await frames({ maxFrames: 2 }), [0, 1]);
  assert.deepEqual(await frames({ vidStride: 2, maxFrames: 2 }), [0, 2]);
  assert.deepEqual(await frames({ maxFrames: 0 }), [...Array(N).keys()]);
  // strided frames are the same frames as in the full run
  const full = await model.predict(clips.mp4.path, OPTS);
  const strided = await model.predict(clips.mp4.path, { ...OPTS, vidStride: 3 });
  assert.deepEqual(strided.images.map((img) => img.results), [full.images[0].results, full.images[3].results]);
});

videoTest('bytes input works for every container and leaves no temporary file behind', async () => {
  const before = tempLeftovers();
  for (const ext of ['mp4', 'mkv', 'avi', 'webm']) {
    const fromPath = await model.predict(clips[ext].path, OPTS);
    const bytes = readFileSync(clips[ext].path);
    const fromBytes = await model.predict(bytes, OPTS);
    assert.deepEqual(fromBytes.images.map((i) => [i.frame, i.results]), fromPath.images.map((i) => [i.frame, i.results]), ext);
    const fromArrayBuffer = await model.predict(new Uint8Array(bytes).buffer, { ...OPTS, maxFrames: 1 });
    assert.equal(fromArrayBuffer.images.length, 1);
  }
  // concurrent video calls on one model
  const concurrent = await Promise.all([0, 1, 2].map(() => model.predict(readFileSync(clips.mp4.path), OPTS)));
  for (const r of concurrent) assert.equal(r.images.length, N);
  assert.deepEqual(tempLeftovers(), before);
});

videoTest('an array mixing images and videos gives their entries in order', async () => {
  const img = readFileSync(join(DATA, 'images', 'bus.jpg'));
  const out = await model.predict([img, clips.avi.path, img], { ...OPTS, maxFrames: 2 });
  assert.deepEqual(out.images.map((i) => i.frame), [undefined, 0, 1, undefined]);
  assert.deepEqual(out.images[0].shape, [1080, 810]);
  assert.deepEqual(out.images[1].shape, [240, 320]);
});

videoTest('a corrupt or truncated video gives YoloError E_VIDEO_DECODE and leaves no temporary file', async () => {
  const before = tempLeftovers();
  const mp4 = readFileSync(clips.mp4.path);
  const mkv = readFileSync(clips.mkv.path);
  const garbage = Buffer.concat([mp4.subarray(0, 32), Buffer.alloc(4096, 0x5a)]);
  const cases = {
    'truncated mp4 (no moov)': mp4.subarray(0, Math.floor(mp4.length / 2)),
    'ftyp header then garbage': garbage,
    'mkv header only': mkv.subarray(0, 200),
    'riff avi header only': readFileSync(clips.avi.path).subarray(0, 64),
  };
  for (const [name, bytes] of Object.entries(cases)) {
    await assert.rejects(model.predict(bytes, OPTS), (e) => {
      assert.ok(e instanceof YoloError, `${name}: ${e}`);
      assert.equal(e.code, 'E_VIDEO_DECODE', `${name}: ${e.code} ${e.message}`);
      assert.match(e.message, /input buffer/);
      return true;
    });
  }
  const badPath = join(dir, 'corrupt.mp4');
  writeFileSync(badPath, mp4.subarray(0, 1000));
  await assert.rejects(model.predict(badPath, OPTS), (e) => e instanceof YoloError && e.code === 'E_VIDEO_DECODE' && e.message.includes('corrupt.mp4'));
  const unknownNamedMp4 = join(dir, 'random.mp4');
  writeFileSync(unknownNamedMp4, Buffer.alloc(5000, 7));
  await assert.rejects(model.predict(unknownNamedMp4, OPTS), (e) => e instanceof YoloError && e.code === 'E_VIDEO_DECODE');
  await assert.rejects(model.predict(join(dir, 'missing.mp4'), OPTS), (e) => e instanceof YoloError && e.code === 'E_FILE_NOT_FOUND');
  // the model still works afterwards
  assert.equal((await model.predict(clips.mp4.path, { ...OPTS, maxFrames: 1 })).images.length, 1);
  assert.deepEqual(tempLeftovers(), before);
});

async function collect(iterable) {
  const out = [];
  for await (const x of iterable) out.push(x);
  return out;
}

async function readersReleased() {
  for (let i = 0; i < 100 && native().__test.liveVideoReaders() > 0; i++) await new Promise((r) => setTimeout(r, 20));
  return native().__test.liveVideoReaders();
}

videoTest('stream() yields the same entries as predict(), for paths and bytes, with any chunk size', async () => {
  const before = tempLeftovers();
  const want = (await model.predict(clips.mp4.path, OPTS)).images.map((i) => [i.frame, i.results]);
  for (const [input, chunkSize] of [[clips.mp4.path, undefined], [readFileSync(clips.mp4.path), 4], [clips.mp4.path, 256]]) {
    const got = await collect(model.stream(input, { ...OPTS, chunkSize }));
    assert.deepEqual(got.map((i) => [i.frame, i.results]), want);
    for (const img of got) assert.ok(img.speed.inference > 0 && Array.isArray(img.shape));
  }
  const strided = await collect(model.stream(clips.webm.path, { ...OPTS, vidStride: 2, maxFrames: 2 }));
  assert.deepEqual(strided.map((i) => i.frame), [0, 2]);
  assert.equal(await readersReleased(), 0);
  assert.deepEqual(tempLeftovers(), before);
});

videoTest('stream() cleans up on early break and on errors', async () => {
  const before = tempLeftovers();
  let seen = 0;
  for await (const frame of model.stream(readFileSync(clips.mkv.path), OPTS)) {
    assert.equal(frame.frame, seen);
    if (++seen === 2) break;
  }
  assert.equal(seen, 2);
  assert.equal(await readersReleased(), 0, 'the native reader is released after break');
  // explicit return() before the end, with a chunk in flight
  const it = model.stream(clips.mp4.path, { ...OPTS, chunkSize: 2 });
  assert.equal((await it.next()).value.frame, 0);
  await it.return(undefined);
  assert.equal((await it.next()).done, true);
  assert.equal(await readersReleased(), 0);
  // a corrupt video rejects the first next() with E_VIDEO_DECODE
  await assert.rejects(collect(model.stream(readFileSync(clips.mp4.path).subarray(0, 3000), OPTS)), (e) => e instanceof YoloError && e.code === 'E_VIDEO_DECODE');
  assert.deepEqual(tempLeftovers(), before);
});

videoTest('stream() accepts an image (one entry, no frame) and validates its options at once', async () => {
  const bus = join(DATA, 'images', 'bus.jpg');
  const got = await collect(model.stream(bus, OPTS));
  const want = await model.predict(bus, OPTS);
  assert.equal(got.length, 1);
  assert.equal(got[0].frame, undefined);
  assert.deepEqual(got[0].results, want.images[0].results);
  assert.throws(() => model.stream(bus, { vidStride: 0 }), (e) => e instanceof YoloError && e.code === 'E_INVALID_ARGUMENT');
  assert.throws(() => model.stream(bus, { chunkSize: 0 }), (e) => e instanceof YoloError && e.code === 'E_INVALID_ARGUMENT' && /chunkSize/.test(e.message));
  assert.throws(() => model.stream([bus]), (e) => e instanceof YoloError && e.code === 'E_INVALID_INPUT');
  await assert.rejects(collect(model.stream(Buffer.from('nope'), OPTS)), (e) => e instanceof YoloError && e.code === 'E_DECODE_FAILED');
});

videoTest('saveVideo writes every processed frame, annotated, in each container it names (.mp4 .mov .m4v .mkv: MPEG-4; .avi: MJPEG)', async () => {
  const want = { mp4: 'mpeg4', mov: 'mpeg4', m4v: 'mpeg4', mkv: 'mpeg4', avi: 'mjpeg' };
  for (const [ext, codec] of Object.entries(want)) {
    const out = join(dir, `saved.${ext}`);
    const got = await collect(model.stream(clips.mp4.path, { ...OPTS, saveVideo: out }));
    assert.equal(got.length, N, ext);
    const probe = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,nb_read_frames,width,height', '-of', 'json', out], { encoding: 'utf8' });
    assert.equal(probe.status, 0, `${ext}: ${probe.stderr}`);
    const s = JSON.parse(probe.stdout).streams[0];
    assert.deepEqual([s.codec_name, Number(s.nb_read_frames), s.width, s.height], [codec, N, 320, 240], ext);
  }
  // the frames are drawn on: the saved first frame differs from the source's first frame where the boxes are
  ffmpeg('-i', join(dir, 'saved.avi'), '-frames:v', '1', join(dir, 'saved-first.png'));
  const drawn = native().__test.decodeImage(readFileSync(join(dir, 'saved-first.png')));
  const plain = native().__test.decodeImage(readFileSync(clips.mp4.frames[0]));
  let changed = 0;
  for (let i = 0; i < drawn.data.length; i++) if (Math.abs(drawn.data[i] - plain.data[i]) > 60) changed++;
  assert.ok(changed > 500, `${changed} channel values changed by the annotation`);
  await assert.rejects(collect(model.stream(clips.mp4.path, { ...OPTS, saveVideo: join(dir, 'saved.gif') })), (e) => e instanceof YoloError && e.code === 'E_INVALID_ARGUMENT');
});
