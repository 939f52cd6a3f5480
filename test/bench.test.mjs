// Smoke test of the benchmark harness (npm run bench): a --quick run on the detect case writes a well-formed
// bench.json / bench.md / bench.svg, and the peer pipeline returns the same results as yolo-native. No timing is
// asserted here: performance targets are reported by the bench itself.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './helpers/golden.mjs';

const sharp = createRequire(import.meta.url)('sharp');
const out = mkdtempSync(join(tmpdir(), 'yolo-native-bench-'));
process.on('exit', () => rmSync(out, { recursive: true, force: true }));

const bench = (...args) => spawnSync(process.execPath, [join(repoRoot, 'benchmarks', 'run.mjs'), ...args], { encoding: 'utf8', timeout: 120_000 });

test('bench --quick --tasks detect writes bench.json, bench.md and bench.svg', async () => {
  const run = bench('--quick', '--tasks', 'detect', '--out', out);
  assert.equal(run.status, 0, `bench failed:\n${run.stdout}\n${run.stderr}`);

  const r = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8'));
  assert.equal(r.config.quick, true);
  assert.equal(r.cases.length, 1);
  const c = r.cases[0];
  assert.equal(c.name, 'detect');
  assert.equal(c.status, 'ok', c.error);
  assert.deepEqual(c.parity.problems, []);
  assert.equal(c.parity.ok, true, 'the peer must return the same results as yolo-native');
  assert.ok(c.parity.detections.yoloNative > 0);
  for (const who of ['floor', 'yoloNative', 'peer']) {
    const l = c.latency[who];
    assert.equal(l.e2e.n, r.config.iterations, who);
    assert.ok(l.e2e.p50 > 0 && l.e2e.p95 >= l.e2e.p50, who);
    assert.ok(l.stages.inference.p50 > 0, who);
  }
  for (const stage of ['preprocess', 'inference', 'postprocess']) assert.ok(c.latency.yoloNative.stages[stage], stage);
  for (const stage of ['decode', 'letterbox', 'preprocess', 'inference', 'postprocess']) assert.ok(c.latency.peer.stages[stage], stage);
  assert.ok(c.ratios.yoloNativeOverFloor > 0 && c.ratios.peerOverYoloNative > 0);

  for (const who of ['yoloNative', 'peer']) {
    const levels = r.throughput.levels[who];
    assert.deepEqual(levels.map((l) => l.concurrency), [1, 2, 4, 8], who);
    for (const l of levels) assert.ok(l.imagesPerSec > 0 && l.eventLoopDelay.p99 > 0, who);
  }
  assert.equal(r.memory.gcExposed, true, 'the memory phase runs with --expose-gc');
  assert.equal(r.memory.predictions.count, 20);
  assert.ok(r.memory.predictions.before.rss > 0 && r.memory.loadCycles.after.rss > 0);

  assert.ok(r.targets.length >= 6);
  for (const t of r.targets) assert.ok([true, false, null].includes(t.pass), JSON.stringify(t));
  assert.ok(r.meta.machine.cores > 0 && r.meta.machine.ortVersion && r.meta.machine.simd);

  const md = readFileSync(join(out, 'bench.md'), 'utf8');
  assert.match(md, /^# yolo-native benchmark/);
  for (const section of ['## Latency', '## Targets', '## Per stage', '## Throughput and event-loop delay', '## Memory', '## Machine']) assert.ok(md.includes(section), section);
  assert.match(md, /\| detect \| fp32\/yolov8n-int8dq-640\.onnx \| 640x640 \|/);
  assert.match(md, /\*\*(PASS|FAIL)\*\*/);

  const svg = readFileSync(join(out, 'bench.svg'));
  const meta = await sharp(svg).metadata(); // librsvg parses it: well-formed SVG
  assert.equal(meta.format, 'svg');
  assert.equal(meta.width, 960);
  assert.match(svg.toString(), /yolo-native \/ floor ×/);
});

test('bench rejects an unknown case with exit status 2 and names the valid ones', () => {
  const run = bench('--tasks', 'detect,nope', '--out', out);
  assert.equal(run.status, 2);
  assert.match(run.stderr, /unknown case 'nope'.*detect, detect-dynamic, detect-yolo26, segment, pose, obb, classify/);
});

test('bench --tasks detect-yolo26: the end-to-end YOLO26 case, the peer reading its rows with the same results', () => {
  const run = bench('--quick', '--tasks', 'detect-yolo26', '--phases', 'latency', '--out', out);
  assert.equal(run.status, 0, `bench failed:\n${run.stdout}\n${run.stderr}`);
  const c = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8')).cases[0];
  assert.equal(c.status, 'ok', c.error);
  assert.deepEqual(c.parity.problems, []);
  assert.ok(c.parity.detections.yoloNative >= 5);
  assert.equal(c.parity.detections.peer, c.parity.detections.yoloNative); // no extras near the threshold on bus.jpg either
  assert.ok(c.ratios.yoloNativeOverFloor > 0 && c.ratios.peerOverYoloNative > 0);
  assert.match(readFileSync(join(out, 'bench.md'), 'utf8'), /\| detect-yolo26 \| fp32\/yolo26n-int8dq-dynamic\.onnx \| 640x480 \|/);
});

test('bench:frames --quick: raw-frame vs JPEG latency, JS-thread time and the 30 fps event-loop rows, in frames.json and frames.md', () => {
  const dir = join(out, 'frames');
  const run = spawnSync(process.execPath, [join(repoRoot, 'benchmarks', 'frames.mjs'), '--quick', '--out', dir], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, `bench:frames failed:\n${run.stdout}\n${run.stderr}`);
  const r = JSON.parse(readFileSync(join(dir, 'frames.json'), 'utf8'));
  assert.deepEqual(Object.keys(r), ['date', 'machine', 'loadAverage', 'imgsz', 'iterations', 'latency', 'syncCall', 'eventLoop']);
  assert.deepEqual([...new Set(r.latency.map((l) => l.input))], ['jpeg', 'raw bgr', 'raw rgba (ImageData)']);
  for (const l of r.latency) assert.ok(l.wall.n === r.iterations && l.wall.p50 > 0 && l.preprocess.p50 > 0, `${l.picture} ${l.input}`);
  assert.equal(r.eventLoop[0].framesOffered, 0, 'the first row is the timer alone');
  for (const e of r.eventLoop.slice(1)) {
    assert.ok(e.predicted > 0 && e.predicted + e.dropped === e.framesOffered, e.picture);
    assert.ok(e.eventLoopDelay.p99 > 0, e.picture);
  }
  assert.match(readFileSync(join(dir, 'frames.md'), 'utf8'), /Event loop with a camera at 30 fps/);
});

test('bench:load: a real server under autocannon at each concurrency, RSS read from /metrics, no errors (the leak verdict is left to the benchmark: a loose limit here)', () => {
  const dir = join(out, 'load');
  const run = spawnSync(process.execPath, [join(repoRoot, 'benchmarks', 'load.mjs'), '--duration', '1', '--connections', '1,2', '--imgsz', '320', '--max-growth-mib', '256', '--out', dir], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, `bench:load failed:\n${run.stdout}\n${run.stderr}`);
  const md = readFileSync(join(dir, 'load.md'), 'utf8');
  assert.match(md, /\| c=1 \| 1 \|/);
  assert.match(md, /\| soak c=2 \| 2 \|/);
  assert.match(md, /Errors \(connection errors, timeouts, non-2xx\): 0\./);
  assert.ok(JSON.parse(readFileSync(join(dir, 'load.json'), 'utf8')));
});
