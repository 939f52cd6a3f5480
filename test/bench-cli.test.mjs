// `yolo-native bench` and model.bench(): the shape of the result (not its timings, which the machine decides), the
// table, the bundled sample, the caller's images, option checks. The numbers are the same machinery as npm run bench
// (lib/bench), whose own smoke test is bench.test.mjs.
import { describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, ErrorCodes } from '../dist/esm/index.js';
import { renderProgress } from '../dist/cjs/progress.js';
import { DATA, MODELS, repoRoot } from './helpers/golden.mjs';

// the dynamic model at imgsz 320: the shapes are what is checked, and small inputs keep the throughput phase short
const MODEL = join(MODELS, 'fp32/yolov8n-int8dq-dynamic.onnx');
const tmp = mkdtempSync(join(tmpdir(), 'yolo-native-bench-cli-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const cli = (...args) => spawnSync(process.execPath, [join(repoRoot, 'bin', 'yolo-native.js'), ...args], { encoding: 'utf8', timeout: 300_000 });

const summaryKeys = ['n', 'p50', 'p95', 'mean', 'min', 'max'];
function expectSummary(s, n) {
  expect(Object.keys(s)).toEqual(summaryKeys);
  if (n !== undefined) expect(s.n).toBe(n);
  for (const k of summaryKeys) expect(s[k]).toBeTypeOf('number');
  expect(s.p95).toBeGreaterThanOrEqual(s.p50);
}

describe('yolo-native bench', () => {
  test('--json: model, machine, config, per-stage and end-to-end latency, throughput per concurrency, event loop, memory', () => {
    const run = cli('bench', '--model', MODEL, '--imgsz', '320', '--json', '--iterations', '3', '--warmup', '1', '--concurrency', '1,2');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toBe(''); // no progress bar off a TTY
    const r = JSON.parse(run.stdout);
    expect(Object.keys(r)).toEqual(['model', 'machine', 'config', 'latency', 'throughput', 'eventLoopDelay', 'memory']);
    expect(r.model).toEqual({ name: 'yolov8n-int8dq-dynamic', path: MODEL, task: 'detect', inputShape: [320, 256] });
    expect(r.config).toEqual({ imgsz: 320, iterations: 3, warmup: 1, concurrency: [1, 2], images: 1, sample: true });
    expect(r.machine).toMatchObject({ cores: expect.any(Number), node: process.version, ortVersion: expect.any(String), simd: expect.any(String) });
    expectSummary(r.latency.e2e, 3);
    expect(Object.keys(r.latency.stages)).toEqual(['decode', 'letterbox', 'inference', 'postprocess']);
    for (const s of Object.values(r.latency.stages)) expectSummary(s, 3);
    expect(r.latency.stages.decode.p50).toBeGreaterThan(0);
    expect(r.latency.stages.inference.p50).toBeGreaterThan(0);
    expect(r.throughput.map((l) => [l.concurrency, l.images])).toEqual([[1, 16], [2, 16]]);
    for (const l of r.throughput) {
      expect(l.imagesPerSec).toBeGreaterThan(0);
      expectSummary(l.latency, l.images);
      expect(Object.keys(l.eventLoopDelay)).toEqual(['p50', 'p99', 'max', 'mean', 'samples']);
    }
    expect(r.eventLoopDelay.idle.samples).toBeGreaterThan(0);
    expect(r.memory.gcExposed).toBe(false);
    for (const k of ['start', 'afterWarmup', 'end']) expect(Object.keys(r.memory[k])).toEqual(['rss', 'heapUsed', 'external', 'arrayBuffers']);
    expect(r.memory.peakRss).toBeGreaterThanOrEqual(r.memory.end.rss);
  });

  test('the table names every stage, each concurrency and the memory readings', () => {
    const run = cli('bench', '--model', MODEL, '--imgsz', '320', '--images', join(DATA, 'images', 'zidane.jpg'), '--iterations', '2', '--warmup', '0', '--concurrency', '1');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^yolov8n-int8dq-dynamic · detect · input 192x320 \(imgsz 320\) · 1 image\(s\)/);
    for (const stage of ['decode', 'letterbox', 'inference', 'postprocess', 'end-to-end']) expect(run.stdout).toMatch(new RegExp(`^  ${stage} +[\\d.]+ +[\\d.]+$`, 'm'));
    expect(run.stdout).toMatch(/^ {2}1 +[\d.]+ +[\d.]+ ms +[\d.]+ ms +[\d.]+ ms$/m);
    expect(run.stdout).toMatch(/^memory \(MiB\): RSS [\d.]+ at start/m);
  });

  test('bad flags are refused with the flag named', () => {
    const run = cli('bench', '--model', MODEL, '--concurrency', '1,0');
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stderr).error.message).toMatch(/--concurrency must be an integer >= 1; received "0"/);
    expect(cli('bench', '--help').stdout).toMatch(/^Usage: yolo-native bench/);
  });
});

describe('model.bench()', () => {
  test("on a folder of the caller's images, with progress; options checked", async () => {
    for (const f of ['bus.jpg', 'zidane.jpg', 'dog.jpg']) symlinkSync(join(DATA, 'images', f), join(tmp, f));
    const model = await loadModel(MODEL);
    try {
      const phases = new Set();
      const r = await model.bench({ images: tmp, imgsz: 320, iterations: 2, warmup: 1, concurrency: [1], onProgress: (p) => phases.add(p.phase) });
      expect(r.config).toMatchObject({ images: 3, sample: false, iterations: 2 });
      expect([...phases]).toEqual(['latency', 'throughput']);
      const bytes = await model.bench({ images: [readFileSync(join(DATA, 'images', 'bus.jpg'))], imgsz: 320, iterations: 1, warmup: 0, concurrency: [1] });
      expect(bytes.config.images).toBe(1);
      await expect(model.bench({ iterations: 0 })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT, argument: 'iterations' });
      await expect(model.bench({ threads: 2 })).rejects.toThrow(/unknown bench option 'threads'/);
      await expect(model.bench({ images: [] })).rejects.toMatchObject({ argument: 'images' });
    } finally {
      await model.dispose();
    }
  });
});

test('the progress bar line: done / total, rate, ETA', () => {
  expect(renderProgress('val', 32, 128, 4000)).toBe(`val ${'█'.repeat(8)}${'░'.repeat(22)} 32/128 25% · 8.0 img/s · ETA 12s`);
  expect(renderProgress('val', 128, 128, 16000)).toMatch(/128\/128 100% · 8\.0 img\/s · ETA 0s$/);
});
