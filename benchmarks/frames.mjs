#!/usr/bin/env node
// Raw frames vs encoded input, and the event loop under a 30 fps camera (npm run bench:frames; docs/benchmarks.md).
//
// 1. Latency: model.predict on the same picture as an encoded JPEG and as a raw frame (BGR, and RGBA as a canvas
//    gives it), interleaved in short blocks; end-to-end wall time and the native preprocess stage, p50 / p95.
// 2. Event loop at 30 fps: a raw frame is submitted every 33.3 ms, as a camera delivers them, for --seconds; a frame
//    that arrives while --inflight calls are still running is dropped (what a live app does). The event-loop delay
//    (perf_hooks.monitorEventLoopDelay, 1 ms resolution) is recorded over the whole run: its p99 is the number.
//    1080p and 720p BGR frames (the native side copies the pixels on the JS thread: that copy is in the delay).
// 3. JS-thread time of a call itself. The first event-loop row is the 30 fps timer alone: the machine's floor.
// Writes frames.json and frames.md to --out (default benchmarks/results). Reports, never asserts.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DATA, MODELS, repoRoot } from '../test/helpers/golden.mjs';
import { loadAverage, machineInfo } from './lib/machine.mjs';

const require = createRequire(import.meta.url);
const yn = require('../dist/cjs/index.js');
const { native } = require('../dist/cjs/native.js');
const { summarize } = require('../dist/cjs/bench/stats.js');
const sharp = require('sharp');

const { values: args } = parseArgs({
  options: {
    iterations: { type: 'string', default: '30' },
    seconds: { type: 'string', default: '10' },
    inflight: { type: 'string', default: '1' },
    threads: { type: 'string' },
    imgsz: { type: 'string', default: '640' },
    out: { type: 'string', default: join(repoRoot, 'benchmarks', 'results') },
    quick: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('node benchmarks/frames.mjs [--iterations 30] [--seconds 10] [--inflight 1] [--threads N] [--imgsz 640] [--out DIR] [--quick]');
  process.exit(0);
}
const iterations = args.quick ? 3 : Number(args.iterations);
const seconds = args.quick ? 2 : Number(args.seconds);
const inflightMax = Number(args.inflight);
const imgsz = Number(args.imgsz);
const loadStart = loadAverage();
const model = await yn.loadModel(join(MODELS, 'fp32', 'yolov8n-int8dq-dynamic.onnx'), args.threads ? { threads: Number(args.threads) } : {});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The pictures: bus.jpg as it is, and camera-sized frames made from it (sharp), each as JPEG and as raw pixels.
const busJpeg = readFileSync(join(DATA, 'images', 'bus.jpg'));
async function picture(name, width, height) {
  const jpeg = width ? await sharp(busJpeg).resize(width, height, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer() : busJpeg;
  const px = native().__test.decodeImage(jpeg); // the BGR pixels the encoded path decodes
  const rgba = Buffer.alloc(px.width * px.height * 4);
  for (let i = 0, j = 0; i < px.data.length; i += 3, j += 4) rgba.set([px.data[i + 2], px.data[i + 1], px.data[i], 255], j);
  return {
    name,
    width: px.width,
    height: px.height,
    inputs: {
      jpeg,
      'raw bgr': { data: px.data, width: px.width, height: px.height, format: 'bgr' },
      'raw rgba (ImageData)': { data: new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.length), width: px.width, height: px.height },
    },
  };
}
const pictures = [await picture('bus.jpg 810x1080'), await picture('1280x720', 1280, 720), await picture('1920x1080', 1920, 1080)];

// 1. Latency, interleaved in blocks of 3 calls per input kind.
const latency = [];
for (const p of pictures) {
  const kinds = Object.keys(p.inputs);
  const wall = Object.fromEntries(kinds.map((k) => [k, []]));
  const pre = Object.fromEntries(kinds.map((k) => [k, []]));
  for (const k of kinds) await model.predict(p.inputs[k], { imgsz }); // warm-up
  for (let done = 0; done < iterations; done += 3) {
    for (const k of kinds) {
      for (let i = 0; i < 3 && done + i < iterations; i++) {
        const t0 = performance.now();
        const out = await model.predict(p.inputs[k], { imgsz });
        wall[k].push(performance.now() - t0);
        pre[k].push(out.images[0].speed.preprocess);
      }
    }
  }
  for (const k of kinds) latency.push({ picture: p.name, input: k, wall: summarize(wall[k]), preprocess: summarize(pre[k]) });
  console.log(`latency ${p.name}: ${kinds.map((k) => `${k} p50 ${summarize(wall[k]).p50} ms`).join(', ')}`);
}

// JS-thread time of one call (until predict() returns its promise): what a call itself blocks the event loop for
// (argument checks, and the native copy of the input's bytes or pixels).
const syncCall = [];
for (const p of pictures) {
  for (const [k, input] of Object.entries(p.inputs)) {
    const samples = [];
    for (let i = 0; i < iterations; i++) {
      const t0 = performance.now();
      const pending = model.predict(input, { imgsz });
      samples.push(performance.now() - t0);
      await pending;
    }
    syncCall.push({ picture: p.name, input: k, js: summarize(samples) });
  }
}

// 2. Event-loop delay at 30 fps input (frame = null: the same 30 fps timer with no prediction, the machine's floor).
async function camera(p) {
  const frame = p ? p.inputs['raw bgr'] : null;
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let submitted = 0, dropped = 0, completed = 0, inflight = 0;
  const ends = [];
  const started = performance.now();
  histogram.enable();
  await new Promise((resolve) => {
    const tick = setInterval(() => {
      if (performance.now() - started >= seconds * 1000) {
        clearInterval(tick);
        resolve();
        return;
      }
      if (!frame) return;
      if (inflight >= inflightMax) {
        dropped++;
        return;
      }
      inflight++;
      submitted++;
      const t0 = performance.now();
      model.predict(frame, { imgsz }).then(() => {
        ends.push(performance.now() - t0);
        completed++;
        inflight--;
      });
    }, 1000 / 30);
  });
  while (inflight > 0) await sleep(5);
  histogram.disable();
  const ms = (ns) => Math.round((ns / 1e6) * 1000) / 1000;
  return {
    picture: p ? p.name : 'none (timer only)',
    seconds,
    framesOffered: submitted + dropped,
    predicted: completed,
    dropped,
    predictedFps: Math.round((completed / seconds) * 10) / 10,
    latency: summarize(ends),
    eventLoopDelay: { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) },
  };
}
const loop = [];
for (const p of [null, ...pictures.slice(1)]) {
  const r = await camera(p);
  loop.push(r);
  console.log(`30 fps ${r.picture}: ${r.predicted} predicted, ${r.dropped} dropped, event-loop delay p99 ${r.eventLoopDelay.p99} ms`);
}

const report = { date: new Date().toISOString(), machine: machineInfo(loadStart), loadAverage: { start: loadStart, end: loadAverage() }, imgsz, iterations, latency, syncCall, eventLoop: loop };
mkdirSync(args.out, { recursive: true });
writeFileSync(join(args.out, 'frames.json'), `${JSON.stringify(report, null, 2)}\n`);
const md = [
  '# Raw frames vs encoded input (`npm run bench:frames`)',
  '',
  `${report.date}, ${report.machine.cpu} (${report.machine.cores} cores), Node ${report.machine.node}, ONNX Runtime ${report.machine.ortVersion}, ` +
    `\`fp32/yolov8n-int8dq-dynamic.onnx\` at imgsz ${imgsz}, load average ${loadStart.join(' ')} -> ${report.loadAverage.end.join(' ')}.`,
  '',
  '## Latency (one call at a time, interleaved)',
  '',
  '| picture | input | end-to-end p50 / p95 (ms) | preprocess p50 / p95 (ms) |',
  '|---|---|---|---|',
  ...latency.map((r) => `| ${r.picture} | ${r.input} | ${r.wall.p50} / ${r.wall.p95} | ${r.preprocess.p50} / ${r.preprocess.p95} |`),
  '',
  '## JS-thread time per call (until predict() returns its promise)',
  '',
  '| picture | input | p50 / p95 / max (ms) |',
  '|---|---|---|',
  ...syncCall.map((r) => `| ${r.picture} | ${r.input} | ${r.js.p50} / ${r.js.p95} / ${r.js.max} |`),
  '',
  `## Event loop with a camera at 30 fps (raw BGR frames, at most ${inflightMax} call(s) in flight, ${seconds} s)`,
  '',
  '| frames | offered | predicted (fps) | dropped | call latency p50 / p95 (ms) | event-loop delay p50 / p99 / max (ms) |',
  '|---|---|---|---|---|---|',
  ...loop.map((r) => `| ${r.picture} | ${r.framesOffered} | ${r.predicted} (${r.predictedFps}) | ${r.dropped} | ${r.latency.n ? `${r.latency.p50} / ${r.latency.p95}` : '–'} | ${r.eventLoopDelay.p50} / ${r.eventLoopDelay.p99} / ${r.eventLoopDelay.max} |`),
  '',
];
writeFileSync(join(args.out, 'frames.md'), md.join('\n'));
console.log(md.join('\n'));
await model.dispose();
