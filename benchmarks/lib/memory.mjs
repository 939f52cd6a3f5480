/**
 * Memory of yolo-native over time: RSS (and V8 heap, external, arrayBuffers) before and after many predictions,
 * and across model load/predict/dispose cycles. It runs in a child process of its own (`measureMemoryInChild`), so
 * that the other phases' models and buffers are not part of the readings, with --expose-gc, so that each reading
 * follows a full GC and garbage not yet collected does not read as growth.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setImmediate as tick } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const MiB = 1024 * 1024;
const mib = (b) => Math.round((b / MiB) * 100) / 100;

/** Growth allowed before a reading counts as a leak: predictions (whole run) and load cycles (per cycle). */
export const LIMITS = { predictionsMiB: 16, perCycleMiB: 1 };

async function reading() {
  if (typeof globalThis.gc === 'function') {
    globalThis.gc();
    await tick(); // let N-API finalizers of collected objects run, then collect what they released
    globalThis.gc();
  }
  const m = process.memoryUsage();
  return { rss: mib(m.rss), heapUsed: mib(m.heapUsed), external: mib(m.external), arrayBuffers: mib(m.arrayBuffers) };
}

const delta = (a, b) => Object.fromEntries(Object.keys(a).map((k) => [k, Math.round((b[k] - a[k]) * 100) / 100]));

export async function measureMemory({ loadModel, modelPath, imagePath, imgsz, threads, predictions, cycles }) {
  const bytes = readFileSync(imagePath);
  const gcExposed = typeof globalThis.gc === 'function';
  const options = { imgsz };

  // predictions: two calls in flight, as a server would have; warm-up first so that pools and arenas exist
  const model = await loadModel(modelPath, { threads });
  for (let i = 0; i < Math.min(10, predictions); i++) await model.predict(bytes, options);
  const before = await reading();
  let done = 0;
  const worker = async () => {
    while (done < predictions) {
      done++;
      await model.predict(bytes, options);
    }
  };
  await Promise.all([worker(), worker()]);
  const after = await reading();
  await model.dispose();

  // load / predict / dispose cycles, after warm-up cycles (the allocator settles over the first few)
  const cycle = async () => {
    const m = await loadModel(modelPath, { threads });
    await m.predict(bytes, options);
    await m.dispose();
  };
  for (let i = 0; i < Math.min(5, cycles); i++) await cycle();
  const cyclesBefore = await reading();
  for (let i = 0; i < cycles; i++) await cycle();
  const cyclesAfter = await reading();

  const growth = delta(before, after);
  const cycleGrowth = delta(cyclesBefore, cyclesAfter);
  const perCycle = Math.round((cycleGrowth.rss / cycles) * 1000) / 1000;
  return {
    gcExposed,
    predictions: { count: predictions, before, after, growth, pass: growth.rss <= LIMITS.predictionsMiB },
    loadCycles: { count: cycles, before: cyclesBefore, after: cyclesAfter, growth: cycleGrowth, rssPerCycle: perCycle, pass: perCycle <= LIMITS.perCycleMiB },
  };
}

/**
 * measureMemory in a fresh `node --expose-gc` process; `params` as measureMemory's, without loadModel.
 * glibc's defaults make RSS a poor leak detector here: every new thread gets its own malloc arena (each loaded
 * model starts its own ONNX Runtime threads), and freeing a large block raises the mmap threshold so that later
 * model-sized blocks come from those arenas and stay there. RSS then wanders by tens of MiB between load cycles
 * with no leak at all (onnxruntime-node alone does the same). The child fixes both (unless set already), so that
 * RSS follows live memory and what grows is a leak.
 */
export const MALLOC_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' };

export async function measureMemoryInChild(params) {
  const malloc = Object.fromEntries(Object.entries(MALLOC_ENV).map(([k, v]) => [k, process.env[k] ?? v]));
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), JSON.stringify(params)], {
    maxBuffer: 1 << 20,
    env: { ...process.env, ...malloc },
  });
  const result = JSON.parse(stdout.trim().split('\n').pop());
  if (result.error) throw new Error(result.error);
  return { ...result, malloc };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { loadModel } = await import('../../dist/esm/index.js');
    console.log(JSON.stringify(await measureMemory({ ...JSON.parse(process.argv[2]), loadModel })));
  } catch (e) {
    console.log(JSON.stringify({ error: e?.code ? `${e.code}: ${e.message}` : String(e?.message ?? e) }));
  }
}
