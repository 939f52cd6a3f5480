// The REST server in-process (createServer on a loopback port): the spec's curl and Python clients verbatim,
// parity with model.predict, every error status of the contract, rate limits, the model registry, dedicated mode,
// health / readiness / metrics. Process-level behaviour (SIGTERM, Redis replicas) is in server-cli.test.mjs.
import { test, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, loadModel, YoloError } from '../dist/esm/index.js';
import { createRequire } from 'node:module';
import { request as httpRequest } from 'node:http';
import { DATA } from './helpers/golden.mjs';
import * as forge from './helpers/hostile-files.mjs';
import { DETECT, HUB_ID, KEYS, SEG_ID, SEGMENT, errorBodies, fillSnippet, grayPng, hasCommand, makeModelsDir, postForm, recordError, run, specSnippets, withoutSpeed } from './helpers/server.mjs';

const require = createRequire(import.meta.url);
const { InferenceQueue } = require('../dist/cjs/server/queue.js');
const { KeyStore, parseKeys } = require('../dist/cjs/server/keys.js');

const BUS = join(DATA, 'images', 'bus.jpg');
const bus = readFileSync(BUS);
const zidane = readFileSync(join(DATA, 'images', 'zidane.jpg'));
const tiny = await grayPng(64);
const modelsDir = makeModelsDir();

const servers = [];
/** A listening in-process server; closed after the file. */
async function serve(options = {}) {
  const server = createServer({ modelsDir, apiKeys: KEYS, threads: 2, ...options });
  servers.push(server);
  const url = await server.listen({ port: 0, host: '127.0.0.1' });
  return { server, url };
}

let lib; // the library's own model, for parity
let shared; // the default shared-mode server (100 calls per key per hour)

beforeAll(async () => {
  lib = await loadModel(DETECT, { threads: 2 });
  shared = await serve();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await lib.dispose();
});

// Every error body this file's requests received: none may name a path of the server's file system.
const ABSOLUTE_PATH = /(^|[\s'"(=])\/(?:[\w.@-]+\/)+[\w.@-]*/;
afterAll(() => {
  assert.ok(errorBodies.length > 10, `only ${errorBodies.length} error bodies were seen`);
  // A path the client sent itself (a model field) may be echoed back; any other is the server's.
  const leaks = errorBodies.filter(({ body, sent }) => {
    let message = body.error?.message ?? JSON.stringify(body);
    for (const value of sent) message = message.replaceAll(value, '<sent>');
    return ABSOLUTE_PATH.test(message);
  });
  assert.deepEqual(leaks, [], 'error bodies name server paths');
});

const hasCurl = hasCommand('curl');
const hasRequests = hasCommand('python3', ['-c', 'import requests']);

test.skipIf(!hasCurl)("the spec's curl command works unchanged (URL, key, model id and path substituted) and answers what model.predict does", async () => {
  const cmd = fillSnippet(specSnippets().curl, { url: shared.url, key: KEYS[1], modelId: HUB_ID, file: BUS });
  const r = await run('bash', ['-c', `${cmd.trim()} --silent --show-error`]);
  assert.equal(r.code, 0, r.stderr);
  const got = JSON.parse(r.stdout);
  const want = await lib.predict(bus, { imgsz: 640, conf: 0.25, iou: 0.45 });
  assert.deepEqual(withoutSpeed(got), withoutSpeed(want));
  assert.ok(got.images[0].results.length >= 4);
  for (const k of ['preprocess', 'inference', 'postprocess']) assert.equal(typeof got.images[0].speed[k], 'number');
});

test.skipIf(!hasRequests)("the spec's Python requests snippet works unchanged and prints the response", async () => {
  const snippet = fillSnippet(specSnippets().python, { url: shared.url, key: KEYS[0], modelId: HUB_ID, file: BUS });
  // the snippet runs verbatim; one appended line hands its response to the test as JSON
  const r = await run('python3', ['-c', `${snippet}\nimport json\nprint("@@JSON@@" + json.dumps(response.json()))\n`]);
  assert.equal(r.code, 0, r.stderr);
  const [printed, json] = r.stdout.split('@@JSON@@');
  assert.match(printed, /^\{'images': \[\{'results': \[\{'name': 'person'/);
  const want = await lib.predict(bus, { imgsz: 640, conf: 0.25, iou: 0.45 });
  assert.deepEqual(withoutSpeed(JSON.parse(json)), withoutSpeed(want));
});

test('form options reach the model: imgsz, conf and iou; a HUB URL, a bare id and a file name resolve', async () => {
  const seg = await loadModel(SEGMENT, { threads: 2 });
  try {
    for (const [model, fields, reference] of [
      [HUB_ID, { imgsz: 320, conf: 0.5, iou: 0.3 }, lib],
      ['yolov8n-int8dq-dynamic.onnx', { imgsz: 416 }, lib],
      [`https://hub.ultralytics.com/models/${SEG_ID}`, { imgsz: 256, conf: 0.4 }, seg],
    ]) {
      const res = await postForm(shared.url, { key: KEYS[0], fields: { model, ...fields }, file: zidane });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(withoutSpeed(res.body), withoutSpeed(await reference.predict(zidane, fields)), `${model} ${JSON.stringify(fields)}`);
    }
  } finally {
    await seg.dispose();
  }
});

const hasFfmpeg = hasCommand('ffmpeg', ['-version']);

/** An mp4 of `frames` copies of bus.jpg at `scale`, made with the ffmpeg CLI. */
async function busClip(frames, scale) {
  const dir = mkdtempSync(join(tmpdir(), 'yolo-native-server-video-'));
  try {
    const clip = join(dir, 'clip.mp4');
    const r = await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-loop', '1', '-i', BUS, '-frames:v', String(frames), '-r', '5', '-vf', `scale=${scale}`, '-pix_fmt', 'yuv420p', clip]);
    assert.equal(r.code, 0, r.stderr);
    return readFileSync(clip);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test.skipIf(!hasFfmpeg)('a video upload answers one images[] entry per processed frame, as the library does', async () => {
  const video = await busClip(3, '270:360');
  const res = await postForm(shared.url, { key: KEYS[0], fields: { model: HUB_ID, imgsz: 160 }, file: video, filename: 'clip.mp4', type: 'video/mp4' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.images.length, 3);
  assert.deepEqual(res.body.images.map((i) => i.frame), [0, 1, 2]);
  assert.deepEqual(withoutSpeed(res.body), withoutSpeed(await lib.predict(video, { imgsz: 160 })));
});

test.skipIf(!hasFfmpeg)('a timed-out video stops between frames: the slot is free for the next request at once', async () => {
  const { url } = await serve({ timeoutMs: 1500, concurrency: 1, rateLimit: 0, maxFrames: 10_000 });
  const video = await busClip(400, '270:360'); // 400 frames at imgsz 640: some 20 s of inference on this machine
  const started = Date.now();
  const slow = await postForm(url, { key: KEYS[0], fields: { model: HUB_ID }, file: video, filename: 'clip.mp4' });
  assert.equal(slow.status, 503, JSON.stringify(slow.body).slice(0, 300));
  assert.equal(slow.body.error.code, 'E_TIMEOUT');
  assert.match(slow.body.error.message, /longer than the request timeout \(1500 ms\)/);
  assert.ok(Date.now() - started < 4000, `the timeout answered after ${Date.now() - started} ms`);
  // The aborted call gives its slot back within a frame: the next request neither waits for the video nor times out.
  const next = await postForm(url, { key: KEYS[0], fields: { model: HUB_ID, imgsz: 32 }, file: tiny });
  assert.equal(next.status, 200, JSON.stringify(next.body));
});

test.skipIf(!hasFfmpeg)('a video with more frames than --max-frames is refused with 413 before a frame is decoded', async () => {
  const { url } = await serve({ rateLimit: 0, maxFrames: 20 });
  const video = await busClip(60, '270:360');
  const started = Date.now();
  const res = await postForm(url, { key: KEYS[0], fields: { model: HUB_ID }, file: video, filename: 'clip.mp4' });
  assert.equal(res.status, 413, JSON.stringify(res.body));
  assert.equal(res.body.error.code, 'E_VIDEO_TOO_LONG');
  assert.match(res.body.error.message, /60 frames \(60 to process\), over the limit of 20 frames/);
  assert.ok(Date.now() - started < 1500, `refusing took ${Date.now() - started} ms`);
  const fits = await postForm(url, { key: KEYS[0], fields: { model: HUB_ID, imgsz: 64 }, file: await busClip(20, '270:360'), filename: 'clip.mp4' });
  assert.equal(fits.status, 200);
  assert.equal(fits.body.images.length, 20);
});

test('wrong API keys are throttled per client address: 429 with Retry-After once the limit is passed', async () => {
  const { url } = await serve({ authFailureLimit: 5, rateLimit: 0 });
  for (let i = 0; i < 5; i++) assert.equal((await postForm(url, { key: `wrong-${i}`, fields: { model: HUB_ID }, file: tiny })).status, 401);
  const throttled = await postForm(url, { key: 'wrong-again', fields: { model: HUB_ID }, file: tiny });
  assert.equal(throttled.status, 429);
  assert.equal(throttled.body.error.code, 'E_RATE_LIMITED');
  assert.match(throttled.body.error.message, /wrong API key/);
  const after = Number(throttled.headers.get('retry-after'));
  assert.ok(after > 0 && after <= 60, `retry-after ${after}`);
  assert.equal((await postForm(url, { key: KEYS[0], fields: { model: HUB_ID }, file: tiny })).status, 429, 'the address is throttled whatever key it sends next');
});

test('401 without a key, with an unknown key, and with a key differing in one character', async () => {
  for (const key of [undefined, '', 'not-a-key', KEYS[0].slice(0, -1) + 'x', KEYS[0] + ' extra']) {
    const res = await postForm(shared.url, { key, fields: { model: HUB_ID }, file: tiny });
    assert.equal(res.status, 401, `key ${JSON.stringify(key)}`);
    assert.equal(res.body.error.code, 'E_UNAUTHORIZED');
    assert.match(res.body.error.message, /x-api-key/);
    assert.equal(res.headers.get('x-ratelimit-limit'), null, 'an unauthenticated call is not counted');
  }
});

test('400 for each out-of-range or malformed argument, naming it, its range and the value', async () => {
  const cases = [
    [{ imgsz: 31 }, /^imgsz must be an integer in \[32, 1280\]; received "31"$/],
    [{ imgsz: 1281 }, /^imgsz must be an integer in \[32, 1280\]; received "1281"$/],
    [{ imgsz: 320.5 }, /^imgsz must be an integer/],
    [{ imgsz: 'big' }, /^imgsz must be/],
    [{ conf: 0 }, /^conf must be a number in \[0\.01, 1\]; received "0"$/],
    [{ conf: 0.001 }, /^conf must be a number in \[0\.01, 1\]; received "0.001"$/], // the library takes it (mAP); the HUB contract does not
    [{ conf: 1.5 }, /^conf must be a number in \[0\.01, 1\]/],
    [{ iou: -0.1 }, /^iou must be a number in \[0, 0\.95\]; received "-0\.1"$/],
    [{ iou: 0.96 }, /^iou must be a number in \[0, 0\.95\]/],
    [{ iou: '' }, /^iou must be/],
    [{ imgsz: '0x40' }, /^imgsz must be an integer in \[32, 1280\]; received "0x40"$/],
    [{ imgsz: ' 64' }, /^imgsz must be an integer/],
    [{ conf: '1e-1' }, null], // a plain decimal numeral with an exponent is a number: accepted
    [{ colour: 'red' }, /^unknown form field 'colour'; valid: file, model, imgsz, conf, iou, plot$/],
  ];
  for (const [fields, pattern] of cases) {
    const res = await postForm(shared.url, { key: KEYS[0], fields: { model: HUB_ID, ...fields }, file: tiny });
    if (pattern === null) {
      assert.equal(res.status, 200, JSON.stringify(fields));
      continue;
    }
    assert.equal(res.status, 400, JSON.stringify(fields));
    assert.equal(res.body.error.code, 'E_INVALID_ARGUMENT');
    assert.match(res.body.error.message, pattern);
  }
  const noFile = await postForm(shared.url, { key: KEYS[0], fields: { model: HUB_ID } });
  assert.equal(noFile.status, 400);
  assert.match(noFile.body.error.message, /^file is required/);
  const noModel = await postForm(shared.url, { key: KEYS[0], file: tiny });
  assert.equal(noModel.status, 400);
  assert.match(noModel.body.error.message, /^model is required/);
  const fileAsText = await postForm(shared.url, { key: KEYS[0], fields: { model: HUB_ID, file: 'bus.jpg' } });
  assert.equal(fileAsText.status, 400);
  assert.match(fileAsText.body.error.message, /^file must be a file upload/);
  // A field longer than the form allows is refused whole, never cut short and echoed.
  const long = await postForm(shared.url, { key: KEYS[0], fields: { model: 'm'.repeat(10 * 1024 * 1024) }, file: tiny });
  assert.equal(long.status, 400);
  assert.match(long.body.error.message, /^model must be at most 65536 bytes; received more$/);
});

test('400 for a multipart body that is malformed: no boundary, a wrong one, or cut short', async () => {
  const part = (boundary) => `--${boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\n${HUB_ID}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n`;
  const body = Buffer.concat([Buffer.from(part('abc')), tiny, Buffer.from('\r\n--abc--\r\n')]);
  const cases = [
    ['multipart/form-data', body],
    ['multipart/form-data; boundary=', body],
    ['multipart/form-data; boundary=xyz', body],
    ['multipart/form-data; boundary=abc', body.subarray(0, body.length - 40)],
  ];
  for (const [type, payload] of cases) {
    const res = await fetch(shared.url, { method: 'POST', headers: { 'x-api-key': KEYS[0], 'content-type': type }, body: payload });
    const json = await res.json();
    recordError(res.status, json, []);
    assert.equal(res.status, 400, `${type} (${payload.length} bytes): ${JSON.stringify(json)}`);
    assert.equal(json.error.code, 'E_INVALID_ARGUMENT');
  }
});

test('404 for an unknown model, and for paths outside the models directory (without naming server paths)', async () => {
  for (const model of ['https://hub.ultralytics.com/models/NoSuchModel123', 'NoSuchModel123', 'nope.onnx', DETECT, '../models.json', 'fp32/../../x.onnx']) {
    const res = await postForm(shared.url, { key: KEYS[0], fields: { model }, file: tiny });
    assert.equal(res.status, 404, model);
    assert.equal(res.body.error.code, 'E_MODEL_NOT_FOUND');
    assert.ok(!res.body.error.message.includes(modelsDir), res.body.error.message);
  }
  const route = await fetch(`${shared.url}/predict`, { method: 'POST' });
  assert.equal(route.status, 404);
  assert.equal((await route.json()).error.code, 'E_NOT_FOUND');
});

test('404 for ids that name Object.prototype properties, and for files in the models directory that are not models', async () => {
  writeFileSync(join(modelsDir, 'README.txt'), 'not a model');
  for (const model of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'https://hub.ultralytics.com/models/__proto__', 'models.json', 'models', 'README.txt', 'README']) {
    const res = await postForm(shared.url, { key: KEYS[0], fields: { model }, file: tiny });
    assert.equal(res.status, 404, `${model}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, 'E_MODEL_NOT_FOUND');
  }
});

test('a broken model file in the registry is a 500 that names no server path; the log has the details', async () => {
  writeFileSync(join(modelsDir, 'broken.onnx'), 'this is not protobuf\n'.repeat(8));
  const res = await postForm(shared.url, { key: KEYS[0], fields: { model: 'broken' }, file: tiny });
  assert.equal(res.status, 500);
  assert.equal(res.body.error.code, 'E_MODEL_INVALID');
  assert.equal(res.body.error.message, 'the requested model cannot be loaded by this server (see its log)');
  // Pixel data cut short: OpenCV's own error text names its version and source files.
  const corrupt = await postForm(shared.url, { key: KEYS[0], fields: { model: HUB_ID }, file: forge.tiff({ width: 64, height: 64, data: 200 }) });
  assert.equal(corrupt.status, 415);
  assert.equal(corrupt.body.error.code, 'E_DECODE_FAILED');
  assert.doesNotMatch(corrupt.body.error.message, /OpenCV|\.cpp/);
});

test('415 for a file that is not an image or video, for an empty file and for a body that is not multipart', async () => {
  const text = await postForm(shared.url, { key: KEYS[0], fields: { model: HUB_ID }, file: Buffer.from('hello, this is not an image\n'.repeat(20)), filename: 'notes.txt' });
  assert.equal(text.status, 415);
  assert.equal(text.body.error.code, 'E_DECODE_FAILED');
  const empty = await postForm(shared.url, { key: KEYS[0], fields: { model: HUB_ID }, file: Buffer.alloc(0) });
  assert.equal(empty.status, 415);
  assert.equal(empty.body.error.code, 'E_EMPTY_INPUT');
  const json = await fetch(shared.url, { method: 'POST', headers: { 'x-api-key': KEYS[0], 'content-type': 'application/json' }, body: '{"model":"x"}' });
  assert.equal(json.status, 415);
  assert.equal((await json.json()).error.code, 'E_UNSUPPORTED_MEDIA_TYPE');
});

test('413 for an upload over the size limit and for an image over the pixel limit', async () => {
  const { url } = await serve({ maxUploadBytes: 100_000, maxPixels: 500_000 });
  const big = await postForm(url, { key: KEYS[0], fields: { model: HUB_ID }, file: bus }); // 137 kB
  assert.equal(big.status, 413);
  assert.equal(big.body.error.code, 'E_IMAGE_TOO_LARGE');
  assert.match(big.body.error.message, /100000 bytes/);
  const wide = await postForm(url, { key: KEYS[0], fields: { model: HUB_ID }, file: await grayPng(800) }); // 640000 px, 4 kB
  assert.equal(wide.status, 413);
  assert.equal(wide.body.error.code, 'E_IMAGE_TOO_LARGE');
  const large = Buffer.concat([bus, Buffer.alloc(3 * 1024 * 1024, 7)]); // bytes after the JPEG end marker are ignored
  assert.equal((await postForm(shared.url, { key: KEYS[0], fields: { model: HUB_ID, imgsz: 64 }, file: large })).status, 200, 'the default limit is 50 MiB');
  const fits = await postForm(url, { key: KEYS[0], fields: { model: HUB_ID, imgsz: 64 }, file: await grayPng(700) }); // 490000 px
  assert.equal(fits.status, 200, JSON.stringify(fits.body));
  // A chunked body declares no length: the file is read into a buffer that grows, and the size limit still holds.
  const chunkedBig = await postChunked(url, KEYS[0], { model: HUB_ID }, bus);
  assert.equal(chunkedBig.status, 413, JSON.stringify(chunkedBig.body));
  assert.equal(chunkedBig.body.error.code, 'E_IMAGE_TOO_LARGE');
  const chunked = await postChunked(shared.url, KEYS[0], { model: HUB_ID, imgsz: 64 }, large); // 3.1 MiB: grown from 1 MiB twice
  assert.equal(chunked.status, 200, JSON.stringify(chunked.body));
  const plain = await postForm(shared.url, { key: KEYS[0], fields: { model: HUB_ID, imgsz: 64 }, file: large });
  assert.deepEqual(withoutSpeed(chunked.body), withoutSpeed(plain.body));
});

/** A multipart upload sent with Transfer-Encoding: chunked (no Content-Length), in 64 KiB writes. */
function postChunked(url, key, fields, file) {
  const boundary = '----yolo-native-chunked';
  const head = `${Object.entries(fields).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('')}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.jpg"\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'x-api-key': key, 'content-type': `multipart/form-data; boundary=${boundary}`, 'transfer-encoding': 'chunked' } });
    req.once('response', async (res) => {
      const chunks = [];
      for await (const c of res) chunks.push(c);
      resolve({ status: res.statusCode, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
    });
    req.once('error', reject);
    req.write(head);
    for (let i = 0; i < file.length; i += 65536) req.write(file.subarray(i, i + 65536));
    req.end(`\r\n--${boundary}--\r\n`);
  });
}

test('the shared mode allows 100 calls per key per hour: the 101st gets 429 with Retry-After and rate-limit headers', async () => {
  const key = KEYS[1]; // the curl test used one call of this key
  const used = Number((await postForm(shared.url, { key, fields: { model: HUB_ID, imgsz: 32 }, file: tiny })).headers.get('x-ratelimit-remaining'));
  assert.ok(used >= 90 && used <= 99, `remaining ${used}`);
  for (let remaining = used - 1; remaining >= 0; remaining--) {
    const res = await postForm(shared.url, { key, fields: { model: HUB_ID, imgsz: 32 }, file: tiny });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.headers.get('x-ratelimit-limit'), '100');
    assert.equal(res.headers.get('x-ratelimit-remaining'), String(remaining));
  }
  const over = await postForm(shared.url, { key, fields: { model: HUB_ID, imgsz: 32 }, file: tiny });
  assert.equal(over.status, 429);
  assert.equal(over.body.error.code, 'E_RATE_LIMITED');
  assert.match(over.body.error.message, /at most 100 calls per 3600 s/);
  const retryAfter = Number(over.headers.get('retry-after'));
  assert.ok(retryAfter > 3500 && retryAfter <= 3600, `retry-after ${retryAfter}`);
  assert.equal(over.headers.get('x-ratelimit-limit'), '100');
  assert.equal(over.headers.get('x-ratelimit-remaining'), '0');
  assert.equal(over.headers.get('x-ratelimit-reset'), String(retryAfter));
  // the other key has its own budget
  const other = await postForm(shared.url, { key: KEYS[0], fields: { model: HUB_ID, imgsz: 32 }, file: tiny });
  assert.equal(other.status, 200);
});

test('a configured limit and window: 3 calls per 2 s, then 429, then allowed again once the window ends', async () => {
  const { url } = await serve({ rateLimit: 3, rateLimitWindowMs: 2000 });
  const call = () => postForm(url, { key: KEYS[0], fields: { model: HUB_ID, imgsz: 32 }, file: tiny });
  for (let i = 0; i < 3; i++) assert.equal((await call()).status, 200);
  const over = await call();
  assert.equal(over.status, 429);
  assert.ok(Number(over.headers.get('retry-after')) <= 2);
  await new Promise((r) => setTimeout(r, Number(over.headers.get('retry-after')) * 1000 + 200));
  assert.equal((await call()).status, 200);
});

test('503 when the inference queue is full, with Retry-After', async () => {
  const { url } = await serve({ concurrency: 1, maxQueue: 0, rateLimit: 0 });
  const all = await Promise.all(Array.from({ length: 5 }, () => postForm(url, { key: KEYS[0], fields: { model: HUB_ID, imgsz: 1280 }, file: bus })));
  const statuses = all.map((r) => r.status);
  assert.ok(statuses.includes(200), statuses.join());
  assert.ok(statuses.includes(503), statuses.join());
  for (const r of all.filter((x) => x.status === 503)) {
    assert.equal(r.body.error.code, 'E_OVERLOADED');
    assert.equal(r.headers.get('retry-after'), '1');
  }
});

test('the inference queue: bounded, first come first served, and a waiter that times out leaves it', async () => {
  const q = new InferenceQueue(1, 1);
  const first = await q.acquire(1000);
  const second = q.acquire(1000);
  await assert.rejects(q.acquire(1000), (e) => e.code === 'E_OVERLOADED');
  assert.equal(q.waiting, 1);
  first();
  const release2 = await second;
  assert.equal(q.running, 1);
  await assert.rejects(q.acquire(30), (e) => e.code === 'E_TIMEOUT');
  assert.equal(q.waiting, 0);
  release2();
  release2(); // idempotent
  assert.equal(q.running, 0);
});

test('API keys: "k1,k2", "@file" (comments, blank lines), kept as digests and compared whole', () => {
  const dir = mkdtempSync(join(tmpdir(), 'yolo-native-keys-'));
  try {
    const file = join(dir, 'keys.txt');
    writeFileSync(file, '# keys\nalpha\n\n  beta  \r\n');
    assert.deepEqual(parseKeys(`@${file}`), ['alpha', 'beta']);
    assert.deepEqual(parseKeys(' a, b ,,c'), ['a', 'b', 'c']);
    assert.throws(() => parseKeys(`@${join(dir, 'missing')}`), /cannot read the key file/);
    const store = new KeyStore(['alpha', 'beta', 'alpha']);
    assert.equal(store.size, 2);
    assert.match(store.check('beta'), /^[0-9a-f]{64}$/);
    for (const k of ['alph', 'alphaa', 'ALPHA', '', undefined, ['alpha']]) assert.equal(store.check(k), undefined);
    assert.ok(!JSON.stringify(store).includes('alpha'));
    assert.throws(() => createServer({ modelsDir, apiKeys: [] }), (e) => e instanceof YoloError && /no API key configured/.test(e.message));
    assert.throws(() => createServer({ modelsDir, apiKeys: 'k', env: {}, rateLimit: -1 }), /rateLimit must be an integer in \[0, /);
    assert.throws(() => createServer({ modelsDir, apiKeys: 'k', portt: 1 }), /unknown server option 'portt'/);
    assert.throws(() => createServer({ modelsDir, env: { YOLO_NATIVE_API_KEYS: 'k', YOLO_NATIVE_RATE_LIMIT: 'many' } }), /YOLO_NATIVE_RATE_LIMIT \(rateLimit\) must be/);
    const fromEnv = createServer({ modelsDir, env: { YOLO_NATIVE_API_KEYS: `@${file}`, YOLO_NATIVE_RATE_LIMIT: '7' } });
    assert.equal(fromEnv.config.rateLimit, 7);
    assert.deepEqual(fromEnv.config.apiKeys, []); // only digests are kept
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('models load lazily, stay cached, and at most maxModels stay resident (least recently used evicted)', async () => {
  const { server, url } = await serve({ maxModels: 1, rateLimit: 0 });
  assert.deepEqual(server.registry.resident(), []);
  const call = (model) => postForm(url, { key: KEYS[0], fields: { model, imgsz: 64 }, file: tiny });
  assert.equal((await call(HUB_ID)).status, 200);
  assert.equal((await call('yolov8n-int8dq-dynamic')).status, 200); // the same file: one entry
  assert.equal(server.registry.resident().length, 1);
  const seg = await call(SEG_ID);
  assert.equal(seg.status, 200);
  assert.equal(seg.body.metadata.task, 'segment');
  assert.deepEqual(server.registry.resident().map((p) => p.split('/').pop()), ['yolov8n-seg-int8dq-dynamic.onnx']);
  assert.equal((await call(HUB_ID)).body.metadata.task, 'detect'); // reloaded after eviction
});

test('dedicated mode: one model pinned and warmed before listening, the form model ignored, no limit by default', async () => {
  const server = createServer({ modelsDir, apiKeys: KEYS, dedicated: HUB_ID, threads: 2 });
  servers.push(server);
  assert.equal(server.notReadyReason(), 'not listening');
  const url = await server.listen({ port: 0, host: '127.0.0.1' });
  assert.ok(server.registry.isLoaded(DETECT));
  const ready = await fetch(`${url}/ready`);
  assert.equal(ready.status, 200);
  assert.equal(server.config.rateLimit, 0);
  const res = await postForm(url, { key: KEYS[0], fields: { imgsz: 320 }, file: bus });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-ratelimit-limit'), null);
  assert.deepEqual(withoutSpeed(res.body), withoutSpeed(await lib.predict(bus, { imgsz: 320 })));
  const other = await postForm(url, { key: KEYS[0], fields: { model: SEG_ID, imgsz: 320 }, file: bus });
  assert.equal(other.body.metadata.task, 'detect');
});

test('health, readiness and Prometheus metrics by model and status', async () => {
  const health = await fetch(`${shared.url}/health`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok' });
  const ready = await fetch(`${shared.url}/ready`);
  assert.equal(ready.status, 200);
  assert.equal((await ready.json()).status, 'ready');
  const metrics = await fetch(`${shared.url}/metrics`);
  assert.match(metrics.headers.get('content-type'), /^text\/plain/);
  const text = await metrics.text();
  assert.match(text, /yolo_native_requests_total\{model="yolov8n-int8dq-dynamic",status="200"\} \d+/);
  assert.match(text, /yolo_native_requests_total\{model="none",status="401"\} \d+/);
  assert.match(text, /yolo_native_requests_total\{model="none",status="429"\} 1/);
  assert.match(text, /yolo_native_request_duration_seconds_bucket\{le="0.1",model="yolov8n-int8dq-dynamic",status="200"\} \d+/);
  assert.match(text, /yolo_native_inflight_requests 0/);
  assert.match(text, /yolo_native_process_resident_memory_bytes \d+/);
});

test('close() drains: a request in flight completes, new ones get 503, then the port is closed', async () => {
  const { server, url } = await serve({ rateLimit: 0 });
  const inflight = postForm(url, { key: KEYS[0], fields: { model: HUB_ID, imgsz: 640 }, file: bus });
  while (server.inflight === 0) await new Promise((r) => setTimeout(r, 2));
  const closing = server.close();
  const refused = await postForm(url, { key: KEYS[0], fields: { model: HUB_ID }, file: tiny });
  assert.equal(refused.status, 503); // still listening while it drains
  assert.equal(refused.body.error.code, 'E_DRAINING');
  assert.equal(refused.headers.get('retry-after'), '1');
  const done = await inflight;
  assert.equal(done.status, 200);
  assert.deepEqual(withoutSpeed(done.body), withoutSpeed(await lib.predict(bus)));
  await closing;
  await assert.rejects(fetch(`${url}/health`));
});
