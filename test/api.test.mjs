// The library contract: option validation, typed errors for every kind of bad input, async behaviour.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadModel, predict, cachedModels, clearModelCache, physicalCores, YoloError, ErrorCodes } from '../dist/esm/index.js';
import { DATA, MODELS, repoRoot } from './helpers/golden.mjs';
import { FLOAT, INT64, graphModel, identityModel } from './helpers/onnx.mjs';

const DETECT = join(MODELS, 'fp32', 'yolov8n-int8dq-dynamic.onnx');
const bus = readFileSync(join(DATA, 'images', 'bus.jpg'));
const zidane = readFileSync(join(DATA, 'images', 'zidane.jpg'));
const scratch = mkdtempSync(join(tmpdir(), 'yolo-native-api-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

const model = await loadModel(DETECT, { threads: 2 });
const withoutSpeed = (r) => JSON.parse(JSON.stringify(r, (k, v) => (k === 'speed' ? undefined : v)));

async function rejectsWith(promise, code, pattern) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof YoloError, `expected YoloError, got ${e?.constructor?.name}: ${e?.message}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

test('model exposes Ultralytics metadata', () => {
  assert.equal(model.task, 'detect');
  assert.equal(model.names.length, 80);
  assert.equal(model.names[0], 'person');
  assert.deepEqual(model.imgsz, [640, 640]);
  assert.equal(model.stride, 32);
  assert.equal(model.dynamic, true);
});

test('response follows the HUB envelope; metadata carries the effective imgsz', async () => {
  const out = await model.predict(bus, { imgsz: 500 });
  assert.deepEqual(Object.keys(out), ['images', 'metadata']);
  const img = out.images[0];
  assert.deepEqual(Object.keys(img), ['results', 'shape', 'speed']);
  assert.deepEqual(img.shape, [1080, 810]);
  for (const k of ['preprocess', 'inference', 'postprocess']) assert.ok(img.speed[k] >= 0);
  assert.deepEqual(Object.keys(img.results[0]), ['name', 'class', 'confidence', 'box']);
  assert.equal(out.metadata.imgsz, 512); // 500 rounded up to the stride, as Ultralytics
  assert.deepEqual(out.metadata.inputShape, [512, 384]);
  assert.equal(out.metadata.task, 'detect');
});

test('array input gives one images[] entry per image, paths and bytes alike', async () => {
  const out = await model.predict([bus, join(DATA, 'images', 'zidane.jpg'), new Uint8Array(bus).buffer]);
  assert.equal(out.images.length, 3);
  assert.deepEqual(out.images[1].shape, [720, 1280]);
  assert.deepEqual(withoutSpeed(out.images[0]), withoutSpeed(out.images[2]));
});

test('out-of-range and mistyped options name the argument, the range and the value', async () => {
  const cases = [
    [{ imgsz: 0 }, /imgsz must be an integer in \[1, 8192\]; received 0/],
    [{ imgsz: 8193 }, /imgsz .*received 8193/],
    [{ imgsz: 640.5 }, /imgsz .*received 640.5/],
    [{ imgsz: 'big' }, /imgsz .*received "big"/],
    [{ conf: -0.01 }, /conf must be a number in \[0, 1\]; received -0.01/],
    [{ conf: 1.5 }, /conf .*received 1.5/],
    [{ conf: NaN }, /conf .*received/],
    [{ iou: -0.1 }, /iou must be a number in \[0, 1\]; received -0.1/],
    [{ iou: 1.01 }, /iou .*received 1.01/],
    [{ iou: null }, /iou .*received null/],
    [{ maxDet: 0 }, /maxDet/],
    [{ top5: 'yes' }, /top5 must be a boolean/],
    [{ maxVideoFrames: -1 }, /maxVideoFrames must be an integer/],
    [{ signal: {} }, /signal must be an AbortSignal/],
    [{ cnf: 0.3 }, /unknown predict option 'cnf'/],
  ];
  for (const [options, message] of cases) {
    await rejectsWith(model.predict(bus, options), ErrorCodes.INVALID_ARGUMENT, message);
  }
  await rejectsWith(model.predict(bus, 'fast'), ErrorCodes.INVALID_ARGUMENT, /options must be an object/);
  await rejectsWith(loadModel(DETECT, { threads: -1 }), ErrorCodes.INVALID_ARGUMENT, /threads/);
  await rejectsWith(loadModel(DETECT, { providers: ['gpu'] }), ErrorCodes.INVALID_ARGUMENT, /providers/);
  await rejectsWith(loadModel(DETECT, { ortConfig: { 'bad key!': '1' } }), ErrorCodes.INVALID_ARGUMENT, /ortConfig\['bad key!'\]/);
  await rejectsWith(loadModel(DETECT, { ortConfig: { 'session.intra_op.spin_duration_us': 200 } }), ErrorCodes.INVALID_ARGUMENT, /a string value.*received 200/);
  await rejectsWith(loadModel(DETECT, { cacheDir: '' }), ErrorCodes.INVALID_ARGUMENT, /cacheDir must be a non-empty string/);
});

test('ORT session config entries reach the session and change nothing in the results', async () => {
  const entries = { 'session.intra_op.spin_duration_us': '100', 'session.force_spinning_stop': '1' };
  const tuned = await loadModel(DETECT, { threads: 2, ortConfig: entries });
  const inForce = tuned.info().sessionConfig;
  for (const [key, value] of Object.entries(entries)) assert.equal(inForce[key], value, `${key} is not in force: ${JSON.stringify(inForce)}`);
  assert.equal(model.info().sessionConfig['session.intra_op.spin_duration_us'], undefined, 'an untuned session has no such entry');
  assert.deepEqual(withoutSpeed(await tuned.predict(bus)), withoutSpeed(await model.predict(bus)));
  await tuned.dispose();
});

test('threads: 0 (the default) builds the session with one thread per physical core, as Linux lists the cores', async () => {
  // The cores this process may use, counted independently of the library: lscpu's parseable CPU list (core, socket
  // of each online CPU) restricted to the affinity mask nproc reports.
  const lscpu = spawnSync('lscpu', ['-p=CPU,CORE,SOCKET'], { encoding: 'utf8' });
  const allowed = Number(spawnSync('nproc', { encoding: 'utf8' }).stdout.trim());
  const cores = new Set(lscpu.stdout.split('\n').filter((l) => /^\d/.test(l)).map((l) => l.split(',').slice(1).join(':')));
  const want = Math.min(allowed, cores.size);
  assert.ok(want >= 1, lscpu.stdout);
  assert.equal(physicalCores(), want);
  const byDefault = await loadModel(DETECT);
  try {
    assert.equal(byDefault.info().intraOpThreads, want);
    assert.deepEqual(withoutSpeed(await byDefault.predict(bus)), withoutSpeed(await model.predict(bus)));
  } finally {
    await byDefault.dispose();
  }
  const one = await loadModel(DETECT, { threads: 1 });
  assert.equal(one.info().intraOpThreads, 1);
  await one.dispose();
});

test('the library takes Ultralytics ranges (conf 0.001, iou 0.7, imgsz outside 32-1280), not numeric strings', async () => {
  const low = await model.predict(bus, { conf: 0.001, iou: 0.7 });
  const base = await model.predict(bus);
  assert.ok(low.images[0].results.length > 3 * base.images[0].results.length, `conf 0.001 gave ${low.images[0].results.length} results`);
  assert.ok(low.images[0].results.some((r) => r.confidence < 0.01));
  assert.equal(low.metadata.conf, 0.001);
  assert.equal(low.metadata.iou, 0.7);
  const big = await model.predict(bus, { imgsz: 1344 });
  assert.equal(big.metadata.imgsz, 1344);
  assert.deepEqual(big.metadata.inputShape, [1344, 1024]);
  await rejectsWith(model.predict(bus, { imgsz: '640' }), ErrorCodes.INVALID_ARGUMENT, /imgsz must be an integer in \[1, 8192\]; received "640"/);
  await rejectsWith(model.predict(bus, { conf: '0.25' }), ErrorCodes.INVALID_ARGUMENT, /conf must be a number/);
});

test('an AbortSignal stops a call between images', async () => {
  const controller = new AbortController();
  const before = model.stats().inferenceRuns;
  const call = model.predict(Array.from({ length: 40 }, () => zidane), { signal: controller.signal, imgsz: 320 });
  setTimeout(() => controller.abort(), 30);
  await rejectsWith(call, ErrorCodes.ABORTED, /aborted/);
  const ran = model.stats().inferenceRuns - before;
  assert.ok(ran < 40, `all ${ran} images ran despite the abort`);
  const aborted = new AbortController();
  aborted.abort();
  await rejectsWith(model.predict(bus, { signal: aborted.signal }), ErrorCodes.ABORTED, /before it started/);
});

test('bad inputs give typed errors', async () => {
  const truncated = bus.subarray(0, Math.floor(bus.length / 2));
  const hugePng = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.from([0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0]), Buffer.alloc(64)]);
  const cases = [
    [Buffer.alloc(0), ErrorCodes.EMPTY_INPUT, /empty/],
    [new Uint8Array(0), ErrorCodes.EMPTY_INPUT, /empty/],
    [truncated, ErrorCodes.DECODE_FAILED, /truncated JPEG/],
    [Buffer.from('this is not an image at all, just text'), ErrorCodes.DECODE_FAILED, /not a decodable image/],
    [Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)), ErrorCodes.DECODE_FAILED, /not a decodable image/],
    [Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.from([0, 0, 0, 10, 0, 0, 0, 10]), Buffer.alloc(100, 7)]), ErrorCodes.DECODE_FAILED, null],
    [hugePng, ErrorCodes.IMAGE_TOO_LARGE, /100000x100000 = 10000000000 pixels, over the limit/],
    [join(scratch, 'missing.jpg'), ErrorCodes.FILE_NOT_FOUND, /does not exist/],
    [scratch, ErrorCodes.INVALID_INPUT, /not a regular file/],
    ['', ErrorCodes.INVALID_INPUT, /empty path/],
    [42, ErrorCodes.INVALID_INPUT, /received number/],
    [null, ErrorCodes.INVALID_INPUT, /received null/],
    [{ data: bus }, ErrorCodes.INVALID_INPUT, /received Object/],
    [[], ErrorCodes.INVALID_INPUT, /non-empty array/],
  ];
  for (const [input, code, message] of cases) await rejectsWith(model.predict(input), code, message);
  await rejectsWith(model.predict(bus, { maxPixels: 1000 }), ErrorCodes.IMAGE_TOO_LARGE, /1080 = 874800 pixels, over the limit of 1000/);
  // One bad image in a batch fails the call with the error of that image.
  await rejectsWith(model.predict([bus, truncated]), ErrorCodes.DECODE_FAILED, /input buffer #1/);
});

test('bad model files give typed errors', async () => {
  const text = join(scratch, 'notes.onnx');
  writeFileSync(text, 'definitely not protobuf\n'.repeat(20));
  const empty = join(scratch, 'empty.onnx');
  writeFileSync(empty, '');
  const identity = join(scratch, 'identity.onnx');
  writeFileSync(identity, identityModel([1, 4]));
  await rejectsWith(loadModel(text), ErrorCodes.MODEL_INVALID, /not a loadable ONNX model/);
  await rejectsWith(loadModel(empty), ErrorCodes.MODEL_INVALID, /empty/);
  await rejectsWith(loadModel(join(DATA, 'images', 'bus.jpg')), ErrorCodes.MODEL_INVALID, /not a loadable ONNX model/);
  await rejectsWith(loadModel(identity), ErrorCodes.MODEL_UNSUPPORTED, /not a YOLO export: its input is not a float32 \[batch, 3, height, width\]/);
  await rejectsWith(loadModel(join(scratch, 'nope.onnx')), ErrorCodes.MODEL_NOT_FOUND, /not found/);
  await rejectsWith(loadModel('no-such-model', { modelsDir: scratch }), ErrorCodes.MODEL_NOT_FOUND, /no 'no-such-model' or 'no-such-model.onnx'/);
  await rejectsWith(loadModel(DETECT, { ortLibrary: '/nonexistent/libonnxruntime.so' }), ErrorCodes.ORT_LIBRARY, /already loaded/);
  // onnxruntime-node's library is a CUDA build whose provider libraries are not installed here: the error names the
  // provider, the library and ORT's own reason.
  await rejectsWith(loadModel(DETECT, { providers: ['cuda'] }), ErrorCodes.PROVIDER, /execution provider 'cuda' cannot be enabled with the ONNX Runtime library '.*libonnxruntime\.so\.1'.*(providers_shared|CUDA)/s);
  await rejectsWith(loadModel(DETECT, { providers: ['tensorrt', 'cuda', 'cpu'] }), ErrorCodes.PROVIDER, /'tensorrt'/);
});

test('hostile models: an output that is not float32 is refused at load; NaN boxes never reach the results', async () => {
  const image = { name: 'images', dims: [1, 3, 64, 64] };
  const detect = { task: 'detect', names: "{0: 'a', 1: 'b'}", stride: '32', imgsz: '[64, 64]' };
  const int64Out = join(scratch, 'int64-output.onnx');
  writeFileSync(int64Out, graphModel({
    nodes: [
      { op: 'Cast', inputs: ['images'], outputs: ['c'], attributes: { to: INT64 } },
      { op: 'Reshape', inputs: ['c', 'shape'], outputs: ['output0'] },
    ],
    initializers: [{ name: 'shape', dims: [3], type: INT64, values: [1, 6, 2048] }],
    inputs: [image],
    outputs: [{ name: 'output0', dims: [1, 6, 2048], type: INT64 }],
    metadata: detect,
  }));
  await rejectsWith(loadModel(int64Out), ErrorCodes.MODEL_UNSUPPORTED, /output 'output0' is not a float32 tensor/);
  // Boxes 0/0 = NaN (with one finite coordinate), scores 1: every anchor passes the confidence filter.
  const nanBoxes = join(scratch, 'nan-boxes.onnx');
  writeFileSync(nanBoxes, graphModel({
    nodes: [
      { op: 'Mul', inputs: ['images', 'zero'], outputs: ['z'] },
      { op: 'Div', inputs: ['z', 'z'], outputs: ['nan'] },
      { op: 'Add', inputs: ['z', 'one'], outputs: ['ones'] },
      { op: 'Concat', inputs: ['nan', 'ones'], outputs: ['c'], attributes: { axis: 1 } },
      { op: 'Reshape', inputs: ['c', 'shape'], outputs: ['output0'] },
    ],
    initializers: [
      { name: 'zero', dims: [], type: FLOAT, values: [0] },
      { name: 'one', dims: [], type: FLOAT, values: [1] },
      { name: 'shape', dims: [3], type: INT64, values: [1, 6, 4096] },
    ],
    inputs: [image],
    outputs: [{ name: 'output0', dims: [1, 6, 4096] }],
    metadata: detect,
  }));
  const hostile = await loadModel(nanBoxes);
  const out = await hostile.predict(bus);
  assert.deepEqual(out.images[0].results, [], 'a candidate whose box is not finite is dropped');
  await hostile.dispose();
});

test('an unloadable ONNX Runtime library is a typed error, not a crash', () => {
  const script = `import('${join(repoRoot, 'dist/esm/index.js')}').then(m => m.loadModel(${JSON.stringify(DETECT)}, { ortLibrary: '/nonexistent/libonnxruntime.so.1' }))
    .then(() => console.log('loaded'), e => console.log(e.code + ' ' + e.message))`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^E_ORT_LIBRARY cannot load the ONNX Runtime library '\/nonexistent\/libonnxruntime.so.1'/);
});

test('models resolve by name under a models directory and by HUB URL', async () => {
  const dir = mkdtempSync(join(scratch, 'models-'));
  writeFileSync(join(dir, 'models.json'), JSON.stringify({ abc123XYZ: DETECT }));
  const byUrl = await loadModel('https://hub.ultralytics.com/models/abc123XYZ', { modelsDir: dir });
  assert.equal(byUrl.path, DETECT);
  await byUrl.dispose();
  const byName = await loadModel('yolov8n-int8dq-dynamic', { modelsDir: MODELS });
  assert.equal(byName.path, DETECT);
  await byName.dispose();
});

test('a disposed model rejects new calls; calls in flight complete', async () => {
  const m = await loadModel(DETECT, { threads: 1 });
  const inFlight = m.predict(bus);
  await m.dispose();
  assert.equal((await inFlight).images[0].results.length, 5);
  await rejectsWith(m.predict(bus), ErrorCodes.DISPOSED, /disposed/);
});

test('the event loop keeps running during 8 concurrent predictions', async () => {
  let ticks = 0;
  let worstLateness = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worstLateness = Math.max(worstLateness, now - last - 10);
    last = now;
    ticks++;
  }, 10);
  const started = performance.now();
  const outs = await Promise.all(Array.from({ length: 8 }, (_, i) => model.predict(i % 2 ? bus : zidane)));
  const elapsed = performance.now() - started;
  clearInterval(timer);
  assert.equal(outs.length, 8);
  const inference = outs[0].images[0].speed.inference;
  // A blocked loop would stall for a whole inference (~70-150 ms here) per call; allow scheduling noise only.
  assert.ok(worstLateness < Math.max(40, inference / 2), `timer was late by ${worstLateness.toFixed(1)} ms (inference ${inference} ms)`);
  assert.ok(ticks >= (elapsed / 10) * 0.5, `only ${ticks} ticks in ${elapsed.toFixed(0)} ms`);
});

test('concurrent calls return the same JSON as sequential ones', async () => {
  const inputs = [bus, zidane, readFileSync(join(DATA, 'images', 'horses.jpg')), readFileSync(join(DATA, 'images', 'dog.jpg'))];
  const sequential = [];
  for (const input of inputs) sequential.push(withoutSpeed(await model.predict(input)));
  const concurrent = await Promise.all([...inputs, ...inputs].map((input) => model.predict(input)));
  concurrent.forEach((out, i) => assert.deepEqual(withoutSpeed(out), sequential[i % inputs.length]));
});

test('bad calls in flight do not disturb good ones', async () => {
  const good = withoutSpeed(await model.predict(bus));
  const calls = [];
  for (let i = 0; i < 6; i++) {
    calls.push(model.predict(bus).then((r) => ({ ok: withoutSpeed(r) })));
    calls.push(model.predict(bus.subarray(0, 100 + i)).then(() => ({ bad: 'resolved' }), (e) => ({ bad: e.code })));
  }
  for (const r of await Promise.all(calls)) {
    if (r.ok) assert.deepEqual(r.ok, good);
    else assert.equal(r.bad, ErrorCodes.DECODE_FAILED);
  }
});

test('one-shot predict caches the model', async () => {
  const a = await predict(DETECT, bus, { conf: 0.4 });
  const b = await predict(DETECT, bus, { conf: 0.4 });
  assert.ok(a.images[0].results.every((r) => r.confidence > 0.4));
  assert.deepEqual(withoutSpeed(a), withoutSpeed(b));
  const cached = await cachedModels();
  assert.equal(cached.length, 1, 'one model is cached');
  assert.equal(cached[0].stats().inferenceRuns, 2, 'both calls ran on the cached model');
  await rejectsWith(predict(DETECT, bus, { conf: 2 }), ErrorCodes.INVALID_ARGUMENT, /conf/);
  await clearModelCache();
  assert.deepEqual(await cachedModels(), []);
});

test('CommonJS and ESM share one implementation', async () => {
  const require = createRequire(import.meta.url);
  const cjs = require('../dist/cjs/index.js');
  assert.equal(cjs.YoloError, YoloError);
  assert.equal(typeof cjs.loadModel, 'function');
});

afterAll(async () => {
  await model.dispose();
  await sleep(0);
});
