#!/usr/bin/env node
/**
 * npm run bench: yolo-native against raw ONNX Runtime (the floor) and an onnxruntime-node + sharp pipeline (the
 * peer), per task; then throughput and event-loop delay under concurrency, and memory over time. Writes
 * bench.json, bench.md and bench.svg (see docs/benchmarks.md). Targets are reported, never asserted: the exit
 * status is 0 whenever the run completes, whatever the numbers.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// memory readings want a forced GC: re-run with --expose-gc when it is missing
if (typeof globalThis.gc !== 'function' && !process.env.YOLO_NATIVE_BENCH_CHILD) {
  const child = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, YOLO_NATIVE_BENCH_CHILD: '1' },
  });
  process.exit(child.status ?? 1);
}

const { mkdirSync, writeFileSync } = await import('node:fs');
const { join } = await import('node:path');
const { casePaths, parseConfig } = await import('./lib/config.mjs');

let cfg;
try {
  cfg = parseConfig(process.argv.slice(2));
} catch (e) {
  console.error(`bench: ${e.message}\n(run with --help for the options)`);
  process.exit(2);
}
if (cfg.help) {
  console.log(cfg.help);
  process.exit(0);
}

let yn;
try {
  yn = await import('../dist/esm/index.js');
  yn.runtimeInfo(); // fails here, not in the middle of the run, when the addon is not built
} catch (e) {
  console.error(`bench: cannot load yolo-native (${e.message}); run 'npm run build' first`);
  process.exit(2);
}
// The measuring machinery is the library's own (lib/bench, shared with model.bench() and `yolo-native bench`).
const { measureLatency } = await import('../dist/cjs/bench/latency.js');
const { idleEventLoopDelay, measureThroughput } = await import('../dist/cjs/bench/throughput.js');
const { ratio } = await import('../dist/cjs/bench/stats.js');
const { openCase, CONTENDERS, LABELS } = await import('./lib/contenders.mjs');
const { measureMemoryInChild } = await import('./lib/memory.mjs');
const { evaluateTargets } = await import('./lib/targets.mjs');
const { renderMarkdown } = await import('./lib/report.mjs');
const { renderChart } = await import('./lib/chart.mjs');
const { loadAverage, machineInfo } = await import('./lib/machine.mjs');

const log = (s) => console.log(s);
const errorMessage = (e) => (e?.code ? `${e.code}: ${e.message}` : String(e?.message ?? e));
const loadStart = loadAverage();
const results = {
  meta: { date: new Date().toISOString(), argv: process.argv.slice(2), machine: null },
  config: { ...cfg, out: undefined },
  cases: [],
  throughput: null,
  memory: null,
  targets: [],
};

log(`yolo-native bench: ${cfg.cases.join(', ')} · ${cfg.threads} threads · imgsz ${cfg.imgsz} · ${cfg.iterations} iterations${cfg.quick ? ' (quick)' : ''}`);

if (cfg.phases.includes('latency')) {
  for (const name of cfg.cases) {
    const spec = casePaths(name);
    const entry = { name, task: spec.task, model: spec.model, image: spec.image, peerTarget: spec.peerTarget, status: 'ok', errors: {} };
    results.cases.push(entry);
    let opened;
    try {
      opened = await openCase(spec, cfg, yn);
      Object.assign(entry, { inputShape: opened.info.inputShape, imageShape: opened.info.imageShape, parity: opened.parity, errors: opened.errors });
      if (Object.keys(opened.errors).length) {
        entry.status = 'error';
        entry.error = Object.entries(opened.errors).map(([who, m]) => `${LABELS[who]}: ${m}`).join('; ');
      }
      if (opened.parity.checked && !opened.parity.ok) log(`  ${name}: PARITY MISMATCH between the peer and yolo-native:\n    ${opened.parity.problems.join('\n    ')}`);
      entry.latency = await measureLatency(opened.contenders, cfg);
      const p50 = (who) => entry.latency[who]?.e2e.p50;
      entry.ratios = { yoloNativeOverFloor: ratio(p50('yoloNative'), p50('floor')), peerOverYoloNative: ratio(p50('peer'), p50('yoloNative')), peerOverFloor: ratio(p50('peer'), p50('floor')) };
      const shown = CONTENDERS.map((who) => `${LABELS[who]} ${entry.latency[who] ? `${p50(who).toFixed(1)} ms` : 'error'}`).join(', ');
      log(`  ${name}: p50 ${shown}${entry.error ? ` · error: ${entry.error}` : ''}${opened.parity.checked ? ` · parity ${opened.parity.ok ? 'ok' : 'MISMATCH'}` : ''}`);
    } catch (e) {
      entry.status = 'error';
      entry.error = errorMessage(e);
      log(`  ${name}: error: ${entry.error}`);
    } finally {
      await opened?.close();
    }
  }
}

const throughputSpec = casePaths(cfg.throughputCase);
if (cfg.phases.includes('throughput')) {
  const imagesFor = (c) => (cfg.quick ? Math.max(2, c) : Math.max(16, 4 * c));
  results.throughput = { case: cfg.throughputCase, imagesPerLevel: cfg.quick ? 'max(2, concurrency) images per level' : 'max(16, 4 x concurrency) images per level' };
  let opened;
  try {
    opened = await openCase(throughputSpec, cfg, yn);
    const { yoloNative, peer } = opened.contenders;
    const contenders = Object.fromEntries(Object.entries({ yoloNative, peer }).filter(([, fn]) => fn));
    if (!Object.keys(contenders).length) throw new Error(Object.values(opened.errors).join('; '));
    results.throughput.idle = await idleEventLoopDelay();
    results.throughput.levels = await measureThroughput(contenders, cfg.concurrency, imagesFor);
    for (const [who, levels] of Object.entries(results.throughput.levels)) {
      log(`  throughput ${LABELS[who]}: ${levels.map((l) => `${l.concurrency}x ${l.imagesPerSec} img/s (event loop p99 ${l.eventLoopDelay.p99} ms)`).join(', ')}`);
    }
  } catch (e) {
    results.throughput.error = errorMessage(e);
    log(`  throughput: error: ${results.throughput.error}`);
  } finally {
    await opened?.close();
  }
}

if (cfg.phases.includes('memory')) {
  try {
    const m = await measureMemoryInChild({
      modelPath: throughputSpec.modelPath,
      imagePath: throughputSpec.imagePath,
      imgsz: cfg.imgsz,
      threads: cfg.threads,
      predictions: cfg.memoryPredictions,
      cycles: cfg.loadCycles,
    });
    results.memory = { case: cfg.throughputCase, ...m };
    log(`  memory: RSS ${m.predictions.before.rss} -> ${m.predictions.after.rss} MiB over ${m.predictions.count} predictions; ${m.loadCycles.rssPerCycle} MiB per load/dispose cycle`);
  } catch (e) {
    results.memory = { case: cfg.throughputCase, error: errorMessage(e) };
    log(`  memory: error: ${results.memory.error}`);
  }
}

results.meta.machine = { ...machineInfo(loadStart), loadEnd: loadAverage() };
results.targets = evaluateTargets(results);

mkdirSync(cfg.out, { recursive: true });
writeFileSync(join(cfg.out, 'bench.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(cfg.out, 'bench.md'), renderMarkdown(results));
writeFileSync(join(cfg.out, 'bench.svg'), renderChart(results));

const verdict = (p) => (p === true ? 'PASS' : p === false ? 'FAIL' : 'n/a ');
log('\ntargets:');
for (const t of results.targets) log(`  ${verdict(t.pass)}  ${t.scope}: ${t.target} = ${t.value ?? '—'} (${t.threshold})${t.note ? ` · ${t.note}` : ''}`);
log(`\nwrote ${join(cfg.out, 'bench.json')}, bench.md, bench.svg`);
