/**
 * Memory readings: RSS, V8 heap, external and arrayBuffers in MiB, after a full GC when the process runs with
 * --expose-gc (so that garbage not yet collected does not read as growth). `measureMemory` is the leak check of
 * `npm run bench` (many predictions, then load / predict / dispose cycles), run there in a child process of its own.
 */
import { readFileSync } from 'node:fs';
import { setImmediate as tick } from 'node:timers/promises';
import type { LoadOptions } from '../options.js';

const MiB = 1024 * 1024;
const mib = (b: number) => Math.round((b / MiB) * 100) / 100;

export interface MemoryReading {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** Growth allowed before a reading counts as a leak: predictions (whole run) and load cycles (per cycle). */
export const LIMITS = { predictionsMiB: 16, perCycleMiB: 1 };

/**
 * glibc's defaults make RSS a poor leak detector: every new thread gets its own malloc arena (each loaded model starts
 * its own ONNX Runtime threads), and freeing a large block raises the mmap threshold so that later model-sized blocks
 * come from those arenas and stay there. RSS then wanders by tens of MiB between load cycles with no leak at all. The
 * leak check's child process runs with these (unless set already), so that RSS follows live memory.
 */
export const MALLOC_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' };

/** Whether readings follow a forced GC. */
export const gcExposed = () => typeof (globalThis as { gc?: unknown }).gc === 'function';

export async function memoryReading(): Promise<MemoryReading> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    await tick(); // let N-API finalizers of collected objects run, then collect what they released
    gc();
  }
  const m = process.memoryUsage();
  return { rss: mib(m.rss), heapUsed: mib(m.heapUsed), external: mib(m.external), arrayBuffers: mib(m.arrayBuffers) };
}

/** The highest RSS the process has had, MiB. */
export const peakRss = () => mib(process.resourceUsage().maxRSS * 1024);

const delta = (a: MemoryReading, b: MemoryReading) =>
  Object.fromEntries((Object.keys(a) as (keyof MemoryReading)[]).map((k) => [k, Math.round((b[k] - a[k]) * 100) / 100])) as unknown as MemoryReading;

interface LeakModel {
  predict(input: Uint8Array, options: { imgsz: number }): Promise<unknown>;
  dispose(): Promise<void>;
}

export interface MemoryParams {
  loadModel: (path: string, options: LoadOptions) => Promise<LeakModel>;
  modelPath: string;
  imagePath: string;
  imgsz: number;
  threads: number;
  predictions: number;
  cycles: number;
}

/** RSS growth over `predictions` predictions (two in flight, as a server) and over `cycles` load / predict / dispose cycles. */
export async function measureMemory({ loadModel, modelPath, imagePath, imgsz, threads, predictions, cycles }: MemoryParams) {
  const bytes = readFileSync(imagePath);
  const options = { imgsz };

  // predictions: two calls in flight, as a server would have; warm-up first so that pools and arenas exist
  const model = await loadModel(modelPath, { threads });
  for (let i = 0; i < Math.min(10, predictions); i++) await model.predict(bytes, options);
  const before = await memoryReading();
  let done = 0;
  const worker = async () => {
    while (done < predictions) {
      done++;
      await model.predict(bytes, options);
    }
  };
  await Promise.all([worker(), worker()]);
  const after = await memoryReading();
  await model.dispose();

  // load / predict / dispose cycles, after warm-up cycles (the allocator settles over the first few)
  const cycle = async () => {
    const m = await loadModel(modelPath, { threads });
    await m.predict(bytes, options);
    await m.dispose();
  };
  for (let i = 0; i < Math.min(5, cycles); i++) await cycle();
  const cyclesBefore = await memoryReading();
  for (let i = 0; i < cycles; i++) await cycle();
  const cyclesAfter = await memoryReading();

  const growth = delta(before, after);
  const cycleGrowth = delta(cyclesBefore, cyclesAfter);
  const perCycle = Math.round((cycleGrowth.rss / cycles) * 1000) / 1000;
  return {
    gcExposed: gcExposed(),
    predictions: { count: predictions, before, after, growth, pass: growth.rss <= LIMITS.predictionsMiB },
    loadCycles: { count: cycles, before: cyclesBefore, after: cyclesAfter, growth: cycleGrowth, rssPerCycle: perCycle, pass: perCycle <= LIMITS.perCycleMiB },
  };
}
