#!/usr/bin/env node
/**
 * Load test of `yolo-native serve`: a real server process on 127.0.0.1, driven by autocannon with the contract's
 * multipart request (file, model, imgsz, conf, iou + x-api-key) at several concurrencies, each for a bounded time.
 * Reports requests/s, latency p50/p99, errors and the server's RSS (its /metrics) after warm-up, after each level
 * and after a final soak at the highest concurrency, which must not grow the RSS. Exits 1 on any error or growth.
 *
 *   node benchmarks/load.mjs [--duration 10] [--connections 1,2,4,8] [--imgsz 640] [--image path] [--model path]
 *                            [--threads 0] [--max-growth-mib 16] [--out benchmarks/results]
 *
 * Writes load.json and load.md to --out. Loopback only (npm run bench:load; test/bench.test.mjs runs a 1 s smoke of it).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const shared = process.env.YOLO_NATIVE_SHARED || resolve(root, '..', 'shared');
const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '1,2,4,8' },
    imgsz: { type: 'string', default: '640' },
    image: { type: 'string', default: join(shared, 'data', 'images', 'bus.jpg') },
    model: { type: 'string', default: join(shared, 'models', 'fp32', 'yolov8n-int8dq-dynamic.onnx') },
    threads: { type: 'string', default: '0' },
    'max-growth-mib': { type: 'string', default: '16' },
    out: { type: 'string', default: join(root, 'benchmarks', 'results') },
  },
});
const duration = Number(args.duration);
const levels = args.connections.split(',').map(Number);
if (!(duration > 0 && duration <= 120) || levels.some((c) => !(Number.isInteger(c) && c >= 1 && c <= 256))) {
  console.error('--duration must be in (0, 120] seconds and --connections a list of integers in [1, 256]');
  process.exit(2);
}

const MODEL_ID = 'LoadTestModel0000001';
const KEY = randomBytes(16).toString('hex');
const MiB = 1024 * 1024;

/** The contract's multipart body, built once (autocannon resends the same bytes). */
function multipartBody(image) {
  const boundary = `----yolo-native-load-${randomBytes(8).toString('hex')}`;
  const field = (name, value) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head = field('model', `https://hub.ultralytics.com/models/${MODEL_ID}`) + field('imgsz', args.imgsz) + field('conf', '0.25') + field('iou', '0.45');
  const body = Buffer.concat([
    Buffer.from(`${head}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${basename(image)}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    readFileSync(image),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Starts the server process; resolves with its URL once it listens. */
function startServer(modelsDir) {
  const proc = spawn(process.execPath, [join(root, 'bin', 'yolo-native.js'), 'serve', '--port', '0', '--host', '127.0.0.1', '--log-level', 'warn',
    '--models-dir', modelsDir, '--rate-limit', '0', '--max-queue', String(Math.max(64, ...levels)), '--threads', args.threads], {
    env: { ...process.env, YOLO_NATIVE_API_KEYS: KEY, REDIS_URL: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((done) => proc.once('exit', (code, signal) => done(code ?? signal)));
  return new Promise((done, fail) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /serving the HUB Inference API on (http:\/\/\S+)/.exec(out);
      if (m) done({ proc, url: m[1], exited });
    });
    exited.then((code) => fail(new Error(`the server exited (${code}) before listening:\n${out}`)));
  });
}

async function rssMiB(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^yolo_native_process_resident_memory_bytes (\S+)$/m.exec(text);
  return m ? Math.round((Number(m[1]) / MiB) * 10) / 10 : NaN;
}

function cannon(url, request, connections) {
  return new Promise((done, fail) => {
    autocannon(
      { url, method: 'POST', connections, duration, timeout: 60, body: request.body, headers: { 'x-api-key': KEY, 'content-type': request.contentType } },
      (err, r) => (err ? fail(err) : done(r)),
    );
  });
}

async function level(url, request, connections, label) {
  const r = await cannon(url, request, connections);
  const completed = r['2xx'] + r.non2xx;
  return {
    label,
    connections,
    durationS: r.duration,
    requests: completed,
    requestsPerS: Math.round((completed / r.duration) * 100) / 100,
    latencyMs: { p50: r.latency.p50, p99: r.latency.p99, mean: Math.round(r.latency.mean * 10) / 10, max: r.latency.max },
    errors: r.errors + r.timeouts + r.non2xx,
    non2xx: r.non2xx,
    timeouts: r.timeouts,
    rssMiB: await rssMiB(url),
  };
}

const modelsDir = mkdtempSync(join(tmpdir(), 'yolo-native-load-'));
writeFileSync(join(modelsDir, 'models.json'), JSON.stringify({ [MODEL_ID]: resolve(args.model) }));
const request = multipartBody(args.image);
const server = await startServer(modelsDir);
let report;
try {
  // warm-up: load the model, let ORT and the allocator settle
  for (let i = 0; i < 5; i++) {
    const res = await fetch(server.url, { method: 'POST', body: request.body, headers: { 'x-api-key': KEY, 'content-type': request.contentType } });
    if (res.status !== 200) throw new Error(`warm-up request failed: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  }
  const rssStart = await rssMiB(server.url);
  const rows = [];
  for (const c of levels) {
    rows.push(await level(server.url, request, c, `c=${c}`));
    console.error(`c=${c}: ${rows.at(-1).requestsPerS} req/s, p50 ${rows.at(-1).latencyMs.p50} ms, p99 ${rows.at(-1).latencyMs.p99} ms, ${rows.at(-1).errors} errors, RSS ${rows.at(-1).rssMiB} MiB`);
  }
  // soak: the highest concurrency again; a leak would show as RSS growth between its start and its end
  const soakStart = rows.at(-1).rssMiB;
  rows.push(await level(server.url, request, Math.max(...levels), `soak c=${Math.max(...levels)}`));
  const rssEnd = rows.at(-1).rssMiB;
  const errors = rows.reduce((n, r) => n + r.errors, 0);
  const soakGrowthMiB = Math.round((rssEnd - soakStart) * 10) / 10;
  report = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? '', node: process.version, platform: `${process.platform}-${process.arch}` },
    setup: { model: basename(args.model), image: basename(args.image), imgsz: Number(args.imgsz), durationPerLevelS: duration, serverThreads: Number(args.threads), serverConcurrency: 1 },
    rssMiB: { start: rssStart, end: rssEnd, soakGrowth: soakGrowthMiB, maxSoakGrowth: Number(args['max-growth-mib']) },
    errors,
    levels: rows,
    ok: errors === 0 && soakGrowthMiB <= Number(args['max-growth-mib']),
  };
} finally {
  server.proc.kill('SIGTERM');
  const code = await server.exited;
  rmSync(modelsDir, { recursive: true, force: true });
  if (report) report.serverExit = code;
}

const md = [
  `# Load test: yolo-native serve`,
  '',
  `${report.date}; ${report.machine.cpus} × ${report.machine.cpu}; Node ${report.machine.node}.`,
  `POST / with ${report.setup.image} (multipart, the contract's fields), model ${report.setup.model}, imgsz ${report.setup.imgsz};`,
  `one server process on 127.0.0.1 (1 inference at a time, ORT threads ${report.setup.serverThreads || 'one per core'}), autocannon in this process, ${duration} s per level.`,
  '',
  '| level | connections | requests | req/s | p50 ms | p99 ms | mean ms | errors | server RSS MiB |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...report.levels.map((r) => `| ${r.label} | ${r.connections} | ${r.requests} | ${r.requestsPerS} | ${r.latencyMs.p50} | ${r.latencyMs.p99} | ${r.latencyMs.mean} | ${r.errors} | ${r.rssMiB} |`),
  '',
  `Server RSS: ${report.rssMiB.start} MiB after warm-up, ${report.rssMiB.end} MiB at the end; growth during the soak ${report.rssMiB.soakGrowth} MiB (limit ${report.rssMiB.maxSoakGrowth}).`,
  `Errors (connection errors, timeouts, non-2xx): ${report.errors}. Server exit code after SIGTERM: ${report.serverExit}. Verdict: ${report.ok ? 'OK' : 'FAILED'}.`,
  '',
].join('\n');
const out = args.out;
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'load.json'), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(out, 'load.md'), md);
console.log(md);
if (!report.ok || report.serverExit !== 0) process.exitCode = 1;
