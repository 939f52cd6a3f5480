// Live sources: clips made at test time are served over loopback by the ffmpeg CLI (HTTP MPEG-TS and HTTP MJPEG,
// `-re`: at their own frame rate, as a camera would) and read by model.stream(url). 'all' gives every frame, equal to
// predicting the same clip from its file; 'latest' with inference slower than the source skips frames and keeps
// the latency bounded; a server killed mid-stream gives reconnect attempts (and a resumed stream when it comes
// back), then E_STREAM_FAILED; close() / break stop the capture at once, and no reader or thread outlives a stream.
// (RTSP is not tested: Debian has no loopback RTSP server that ffmpeg can publish to without extra setup.)
import { test, beforeAll, afterAll, afterEach } from 'vitest';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, YoloError } from '../dist/esm/index.js';
import { native } from '../dist/cjs/native.js';
import { DATA, MODELS } from './helpers/golden.mjs';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const liveTest = test.skipIf(!hasFfmpeg);
const SOURCES = ['bus.jpg', 'zidane.jpg', 'dog.jpg', 'horses.jpg', 'giraffe.jpg', 'person.jpg'];
const OPTS = { imgsz: 320 };
const QUICK = { openTimeoutMs: 8000, readTimeoutMs: 3000, reconnect: 0 };

let dir, model;
const servers = new Set();

function ffmpeg(...args) {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${r.stderr}`);
}

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/** Whether something listens on 127.0.0.1:port (read from /proc: connecting would use up ffmpeg's one client). */
function listening(port) {
  const hex = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/tcp', 'utf8').split('\n').some((l) => l.includes(` ${hex} `) && l.split(/\s+/)[4] === '0A');
}

/** Serves `file` once over HTTP at its own frame rate (`format`: mpegts or mpjpeg); resolves when listening. */
async function serve(file, port, format) {
  const p = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'quiet', '-re', '-i', file, '-c', 'copy', '-f', format, '-listen', '1', `http://127.0.0.1:${port}/`], { stdio: 'ignore' });
  servers.add(p);
  p.on('exit', () => servers.delete(p));
  for (let i = 0; i < 200 && !listening(port); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(listening(port), `ffmpeg listens on ${port}`);
  return p;
}

function kill(p, signal = 'SIGKILL') {
  if (p.exitCode === null && p.signalCode === null) p.kill(signal);
  return new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', r)));
}

const threads = () => Number(/Threads:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits (bounded) until no native reader is alive and the thread count is back to `baseline`. */
async function released(baseline, ms = 4000) {
  const until = Date.now() + ms;
  while (Date.now() < until && (native().__test.liveVideoReaders() > 0 || threads() > baseline)) await sleep(20);
  return { readers: native().__test.liveVideoReaders(), threads: threads() };
}

let baseline;
beforeAll(async () => {
  if (!hasFfmpeg) return;
  dir = mkdtempSync(join(tmpdir(), 'yolo-native-live-test-'));
  SOURCES.forEach((name, i) => ffmpeg('-i', join(DATA, 'images', name), '-vf', 'scale=320:240', join(dir, `src${i}.png`)));
  // 30 frames at 10 fps (each image for 5 frames), a key frame every 10 frames, no B-frames
  ffmpeg('-framerate', '2', '-i', join(dir, 'src%d.png'), '-vf', 'fps=10', '-c:v', 'libx264', '-g', '10', '-bf', '0', '-pix_fmt', 'yuv420p', '-f', 'mpegts', join(dir, 'clip.ts'));
  ffmpeg('-framerate', '2', '-i', join(dir, 'src%d.png'), '-vf', 'fps=10', '-c:v', 'mjpeg', '-q:v', '3', join(dir, 'clip.avi'));
  // 12 s at 25 fps, for the latency and reconnect tests
  ffmpeg('-framerate', '0.5', '-i', join(dir, 'src%d.png'), '-vf', 'fps=25', '-c:v', 'libx264', '-g', '25', '-bf', '0', '-pix_fmt', 'yuv420p', '-f', 'mpegts', join(dir, 'long.ts'));
  model = await loadModel(join(MODELS, 'fp32', 'yolov8n-int8dq-dynamic.onnx'), { threads: 2 });
  // the pool's, ORT's and OpenCV's (parallel_for_) threads exist from here on
  for (const imgsz of [320, 640]) await model.predict(join(dir, 'src0.png'), { imgsz });
  for await (const f of model.stream(join(dir, 'clip.ts'), { imgsz: 640, maxFrames: 2 })) void f;
  await sleep(200);
  baseline = threads();
});

afterEach(async () => {
  for (const p of [...servers]) await kill(p);
});

afterAll(async () => {
  if (model) await model.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function collect(iterable, each) {
  const out = [];
  for await (const x of iterable) {
    out.push(x);
    if (each) await each(x, out);
  }
  return out;
}

for (const [format, file] of [['mpegts', 'clip.ts'], ['mpjpeg', 'clip.avi']]) {
  liveTest(`HTTP ${format === 'mpegts' ? 'MPEG-TS' : 'MJPEG'}, buffer 'all': every frame, equal to predicting the clip's file`, async () => {
    const want = (await model.predict(join(dir, file), OPTS)).images;
    assert.equal(want.length, 30);
    const port = await freePort();
    await serve(join(dir, file), port, format);
    const got = await collect(model.stream(`http://127.0.0.1:${port}/`, { ...OPTS, ...QUICK, buffer: 'all', maxFrames: 30 }));
    assert.deepEqual(got.map((f) => f.frame), [...Array(30).keys()]);
    for (let i = 0; i < 30; i++) assert.deepEqual(got[i].results, want[i].results, `frame ${i}`);
    assert.ok(got.some((f) => f.results.length > 0));
    if (format === 'mpegts') {
      // timestamps from the stream: 100 ms apart at 10 fps
      for (let i = 1; i < 30; i++) assert.ok(Math.abs(got[i].timestamp - got[i - 1].timestamp - 100) <= 1, `timestamps ${got[i - 1].timestamp} -> ${got[i].timestamp}`);
    } else {
      // MJPEG over HTTP has none: the arrival time since the connection opened (the server sends 10 frames a second)
      for (let i = 1; i < 30; i++) assert.ok(got[i].timestamp > got[i - 1].timestamp, `timestamps ${got[i - 1].timestamp} -> ${got[i].timestamp}`);
      const span = got[29].timestamp - got[0].timestamp;
      assert.ok(span > 2000 && span < 5000, `29 frame intervals in ${span} ms`);
    }
    assert.deepEqual(await released(baseline), { readers: 0, threads: baseline });
  });
}

liveTest("buffer 'latest' (the live default) with inference slower than the source: frames are skipped, latency stays bounded", async () => {
  const port = await freePort();
  await serve(join(dir, 'long.ts'), port, 'mpegts');
  const started = [];
  let info;
  // each entry takes the consumer 250 ms (and the model 640 px), against a frame every 40 ms
  const stream = model.stream(`http://127.0.0.1:${port}/`, { imgsz: 640, ...QUICK, maxFrames: 12 });
  const got = await collect(stream, async () => {
    started.push(Date.now());
    info = stream.info();
    await sleep(250);
  });
  assert.ok(info.dropped >= 20 && info.fps === 25 && info.frameCount === -1 && info.closed === false, JSON.stringify(info));
  assert.deepEqual(stream.info(), { closed: true });
  assert.equal(got.length, 12);
  const frames = got.map((f) => f.frame);
  for (let i = 1; i < frames.length; i++) assert.ok(frames[i] > frames[i - 1], `frames in order: ${frames}`);
  const skipped = frames.at(-1) - frames[0] + 1 - frames.length;
  assert.ok(skipped >= 30, `only ${skipped} frames skipped: ${frames}`);
  // latency: how far behind the source each entry is when the consumer gets it (wall clock vs stream clock)
  const lag = got.map((f, i) => started[i] - started[0] - (f.timestamp - got[0].timestamp));
  assert.ok(Math.max(...lag) < 1500, `latency grew: ${lag.map(Math.round)}`);
  assert.ok(lag.at(-1) < lag[1] + 1000, `latency keeps growing: ${lag.map(Math.round)}`);
  assert.deepEqual(await released(baseline), { readers: 0, threads: baseline });
});

liveTest('a server killed mid-stream: reconnect attempts with backoff, then E_STREAM_FAILED; a server that comes back resumes the stream', async () => {
  let port = await freePort();
  let server = await serve(join(dir, 'long.ts'), port, 'mpegts');
  let failedAt;
  const t0 = Date.now();
  await assert.rejects(
    collect(model.stream(`http://127.0.0.1:${port}/`, { ...OPTS, openTimeoutMs: 8000, reconnect: 3, reconnectDelayMs: 200 }), async (f, all) => {
      if (all.length === 5) {
        await kill(server);
        failedAt = Date.now();
      }
    }),
    (e) => {
      assert.ok(e instanceof YoloError, String(e));
      assert.equal(e.code, 'E_STREAM_FAILED');
      assert.match(e.message, /live source 'http:\/\/127\.0\.0\.1:\d+\/' was lost after \d+ frames and could not be reopened \(3 tries, 8000 ms open timeout\)/);
      return true;
    },
  );
  // three tries after 200, 400 and 800 ms (refused at once): at least 1.4 s after the server died
  const waited = Date.now() - failedAt;
  assert.ok(waited >= 1300 && waited < 8000, `failed ${waited} ms after the server died (${Date.now() - t0} ms in all)`);
  assert.deepEqual(await released(baseline), { readers: 0, threads: baseline });

  // the server comes back during the backoff: the stream goes on, frame numbers continue
  port = await freePort();
  server = await serve(join(dir, 'long.ts'), port, 'mpegts');
  const got = await collect(model.stream(`http://127.0.0.1:${port}/`, { ...OPTS, openTimeoutMs: 8000, reconnect: 5, reconnectDelayMs: 300, maxFrames: 16 }), async (f, all) => {
    if (all.length === 6) {
      await kill(server);
      server = await serve(join(dir, 'long.ts'), port, 'mpegts');
    }
  });
  assert.equal(got.length, 16);
  for (let i = 1; i < got.length; i++) assert.ok(got[i].frame > got[i - 1].frame, 'frame numbers go on across the reconnect');
  assert.ok(got.slice(6).some((f) => f.timestamp < got[5].timestamp), 'the new connection has its own clock');
  assert.deepEqual(await released(baseline), { readers: 0, threads: baseline });
});

liveTest('close() and break stop the capture at once, even while the source is stalled', async () => {
  const port = await freePort();
  const server = await serve(join(dir, 'long.ts'), port, 'mpegts');
  let n = 0;
  for await (const f of model.stream(`http://127.0.0.1:${port}/`, { ...OPTS, openTimeoutMs: 8000, readTimeoutMs: 1500 })) {
    void f;
    if (++n === 3) break;
  }
  const afterBreak = await released(baseline, 1000);
  assert.deepEqual(afterBreak, { readers: 0, threads: baseline }, 'the capture thread ended within a second of break');
  await kill(server);

  // stalled: the server stops sending (SIGSTOP); the consumer's return() settles at once, the capture thread leaves
  // within the read timeout
  const port2 = await freePort();
  const stalled = await serve(join(dir, 'long.ts'), port2, 'mpegts');
  const it = model.stream(`http://127.0.0.1:${port2}/`, { ...OPTS, openTimeoutMs: 8000, readTimeoutMs: 1500, reconnect: 0 });
  assert.ok((await it.next()).value.frame >= 0);
  stalled.kill('SIGSTOP');
  await sleep(300);
  const t0 = Date.now();
  await it.return(undefined);
  assert.ok(Date.now() - t0 < 300, `return() took ${Date.now() - t0} ms`);
  const left = await released(baseline, 3000);
  stalled.kill('SIGCONT');
  assert.deepEqual(left, { readers: 0, threads: baseline });
});

liveTest('E_STREAM_FAILED for a source that cannot be opened; live URLs belong to stream(); options are validated', async () => {
  const port = await freePort(); // nothing listens there
  const t0 = Date.now();
  await assert.rejects(collect(model.stream(`http://127.0.0.1:${port}/`, { ...OPTS, openTimeoutMs: 2000 })), (e) => e instanceof YoloError && e.code === 'E_STREAM_FAILED' && /could not be opened within 2000 ms/.test(e.message));
  assert.ok(Date.now() - t0 < 2500, 'the first open is not retried');
  await assert.rejects(collect(model.stream('rtsp://user:secret@127.0.0.1:1/cam', { ...OPTS, openTimeoutMs: 1000 })), (e) => e.code === 'E_STREAM_FAILED' && e.message.includes("'rtsp://user:***@127.0.0.1:1/cam'") && !e.message.includes('secret'));
  await assert.rejects(model.predict('rtsp://127.0.0.1/cam'), (e) => e.code === 'E_INVALID_INPUT' && /model\.stream\(\)/.test(e.message));
  for (const bad of [{ buffer: 'newest' }, { openTimeoutMs: 10 }, { readTimeoutMs: 1e9 }, { reconnect: -1 }, { reconnectDelayMs: 1e9 }, { saveVideo: 3 }]) {
    assert.throws(() => model.stream('http://127.0.0.1:1/', bad), (e) => e.code === 'E_INVALID_ARGUMENT');
  }
  assert.deepEqual(await released(baseline), { readers: 0, threads: baseline });
});
