/**
 * model.bench(): how fast a loaded model runs on this machine, measured with the machinery of `npm run bench`
 * (latency.ts, throughput.ts, memory.ts): per-stage p50 / p95 one call at a time (decode, letterbox, inference,
 * post-process) and end to end (encoded bytes to the HUB JSON), images/s and call latency at each concurrency with
 * the event-loop delay meanwhile, and memory. On the caller's images or the bundled sample (bus.jpg).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { ErrorCodes, YoloError } from '../errors.js';
import type { HubImage } from '../hub.js';
import type { Model } from '../model.js';
import { packageRoot } from '../native.js';
import { IMAGE_EXTENSIONS } from '../val/dataset.js';
import { measureLatency, type Contender, type LatencySummary } from './latency.js';
import { machineInfo, loadAverage, type MachineInfo } from './machine.js';
import { gcExposed, memoryReading, peakRss, type MemoryReading } from './memory.js';
import { idleEventLoopDelay, runConcurrent, type DelaySummary, type ThroughputLevel } from './throughput.js';

/** The image benchmarks run on when given none: Ultralytics' bus.jpg (810x1080), shipped in assets/. */
export const SAMPLE_IMAGE = join(packageRoot, 'assets', 'bus.jpg');

/** At most this many images are read from a folder; calls cycle through them. */
const MAX_IMAGES = 64;

export interface BenchProgress {
  phase: 'latency' | 'throughput';
  done: number;
  total: number;
  elapsedMs: number;
}

export interface BenchOptions {
  /** Image files, encoded images, or a folder of images (default: the bundled sample). */
  images?: string | (string | Uint8Array)[];
  /** Inference size (default 640). */
  imgsz?: number;
  /** Timed calls, one at a time (default 30). */
  iterations?: number;
  /** Untimed calls first (default 3). */
  warmup?: number;
  /** Calls in flight for the throughput phase (default [1, 2, 4, 8]); each level runs max(16, 4 x concurrency) calls. */
  concurrency?: number[];
  onProgress?: (progress: BenchProgress) => void;
}

export interface BenchResult {
  model: { name: string; path: string; task: string; inputShape: [number, number] | null };
  machine: MachineInfo & { loadAverage: number[] };
  config: { imgsz: number; iterations: number; warmup: number; concurrency: number[]; images: number; sample: boolean };
  /** Milliseconds: `e2e` from encoded bytes to the HUB JSON; `stages` decode, letterbox, inference, postprocess. */
  latency: LatencySummary;
  throughput: ThroughputLevel[];
  eventLoopDelay: { idle: DelaySummary };
  /** MiB. Readings follow a forced GC only when the process runs with --expose-gc (`gcExposed`). */
  memory: { gcExposed: boolean; start: MemoryReading; afterWarmup: MemoryReading; end: MemoryReading; peakRss: number };
}

function invalid(argument: string, expected: string, value: unknown): never {
  throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `${argument} must be ${expected}; received ${JSON.stringify(value) ?? String(value)}`, argument);
}

function positiveInteger(argument: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) invalid(argument, `an integer >= ${min}`, value);
  return value;
}

function readImages(images: BenchOptions['images']): { bytes: Uint8Array[]; sample: boolean } {
  if (images === undefined) return { bytes: [readFileSync(SAMPLE_IMAGE)], sample: true };
  let list: (string | Uint8Array)[];
  if (typeof images === 'string') {
    if (statSync(images, { throwIfNoEntry: false })?.isDirectory()) {
      list = readdirSync(images)
        .filter((f) => IMAGE_EXTENSIONS.has(extname(f).slice(1).toLowerCase()))
        .sort()
        .slice(0, MAX_IMAGES)
        .map((f) => join(images, f));
      if (list.length === 0) invalid('images', 'a folder with images', images);
    } else list = [images];
  } else if (Array.isArray(images) && images.length > 0) list = images.slice(0, MAX_IMAGES);
  else return invalid('images', 'a folder, an image path or a non-empty array of images', images);
  return {
    bytes: list.map((x) => {
      if (x instanceof Uint8Array) return x;
      try {
        return readFileSync(x);
      } catch (e) {
        throw new YoloError(ErrorCodes.FILE_NOT_FOUND, `cannot read image ${x}: ${(e as Error).message}`, 'images');
      }
    }),
    sample: false,
  };
}

export async function benchmark(model: Model, options: BenchOptions = {}): Promise<BenchResult> {
  if (typeof options !== 'object' || options === null) invalid('options', 'an object', options);
  const allowed = ['images', 'imgsz', 'iterations', 'warmup', 'concurrency', 'onProgress'];
  for (const k of Object.keys(options)) if (!allowed.includes(k)) throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `unknown bench option '${k}'; valid: ${allowed.join(', ')}`, k);
  const imgsz = options.imgsz === undefined ? 640 : positiveInteger('imgsz', options.imgsz, 1);
  const iterations = options.iterations === undefined ? 30 : positiveInteger('iterations', options.iterations, 1);
  const warmup = options.warmup === undefined ? 3 : positiveInteger('warmup', options.warmup, 0);
  const concurrency = options.concurrency ?? [1, 2, 4, 8];
  if (!Array.isArray(concurrency) || concurrency.length === 0) invalid('concurrency', 'a non-empty array of integers >= 1', concurrency);
  concurrency.forEach((c) => positiveInteger('concurrency', c, 1));
  const onProgress = options.onProgress;
  const { bytes, sample } = readImages(options.images);

  let inputShape: [number, number] | null = null;
  // One call: encoded bytes -> native pipeline -> the HUB JSON, exactly model.predict; the stages from its timings
  // (the internal `profile` option adds each image's decode time beside its speed).
  const call = async (image: Uint8Array) => {
    const t0 = performance.now();
    const out = await model.predict(image, { imgsz, profile: true });
    const ms = performance.now() - t0;
    const img = out.images[0] as HubImage & { decodeMs?: number };
    inputShape = out.metadata.inputShape;
    const decode = img.decodeMs ?? 0;
    return { ms, stages: { decode, letterbox: Math.max(0, img.speed.preprocess - decode), inference: img.speed.inference, postprocess: img.speed.postprocess } };
  };
  let next = 0;
  const nextImage = () => bytes[next++ % bytes.length];

  const start = await memoryReading();
  const started = performance.now();
  let latencyDone = 0;
  const timed: Contender = async () => {
    const r = await call(nextImage());
    onProgress?.({ phase: 'latency', done: Math.min(++latencyDone, warmup + iterations), total: warmup + iterations, elapsedMs: performance.now() - started });
    return r;
  };
  for (let i = 0; i < warmup; i++) await timed();
  const afterWarmup = await memoryReading();
  const latency = (await measureLatency({ model: timed }, { iterations, warmup: 0 })).model;

  const idle = await idleEventLoopDelay();
  const perLevel = (c: number) => Math.max(16, 4 * c);
  const total = concurrency.reduce((n, c) => n + perLevel(c), 0);
  let throughputDone = 0;
  const throughputStarted = performance.now();
  const throughput: ThroughputLevel[] = [];
  for (const c of concurrency) {
    await call(nextImage()); // settle after the previous level
    throughput.push(
      await runConcurrent(
        async () => {
          await call(nextImage());
          onProgress?.({ phase: 'throughput', done: ++throughputDone, total, elapsedMs: performance.now() - throughputStarted });
        },
        c,
        perLevel(c),
      ),
    );
  }
  const end = await memoryReading();

  return {
    model: { name: basename(model.path).replace(/\.onnx$/i, ''), path: model.path, task: model.task, inputShape },
    machine: { ...machineInfo(), loadAverage: loadAverage() },
    config: { imgsz, iterations, warmup, concurrency: [...concurrency], images: bytes.length, sample },
    latency,
    throughput,
    eventLoopDelay: { idle },
    memory: { gcExposed: gcExposed(), start, afterWarmup, end, peakRss: peakRss() },
  };
}
