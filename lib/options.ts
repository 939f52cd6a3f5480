/**
 * Every option is validated here, once, before anything crosses into C++, and completed with its default: the
 * defaults below are the only ones (the native side requires every field). Ranges are Ultralytics' own (conf and iou
 * in [0, 1], any imgsz the model allows), so a library user can run what Ultralytics runs (conf 0.001 for mAP); the
 * REST server narrows them to the HUB Inference API's (lib/server/form.ts). Messages name the argument, the valid
 * range and the value received.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { ErrorCodes, YoloError } from './errors.js';

export interface PredictOptions {
  /** Inference size, 1-8192 (default 640). Dynamic models round it up to the stride; static models use their own size. */
  imgsz?: number;
  /** Confidence threshold, 0-1 (default 0.25): a candidate is kept when its score is strictly greater. */
  conf?: number;
  /** NMS IoU threshold, 0-1 (default 0.45): a box is suppressed when its IoU is strictly greater. */
  iou?: number;
  /** Most detections per image, 1-30000 (default 300, as Ultralytics). */
  maxDet?: number;
  /** Report only these class ids (Ultralytics `classes`; default: all). */
  classes?: number | number[];
  /** Classify: also report the top-5 classes as `top5` on each image (default false). */
  top5?: boolean;
  /**
   * Refuse images (and video frames) with more pixels than this, read from the header before any decoder runs
   * (default 134217728 = 2^27, 384 MiB as BGR; 0 = no limit).
   */
  maxPixels?: number;
  /**
   * Images per inference, 1-64 (default 1, as Ultralytics' batch): with an array input on a dynamic-batch model,
   * consecutive images of equal input size run as one batch. Worth it on GPUs; on a CPU the intra-op threads are
   * already busy with one image.
   */
  batch?: number;
  /** Video: process every n-th frame (default 1). */
  vidStride?: number;
  /** Video: stop after this many processed frames (default 0 = all). */
  maxFrames?: number;
  /**
   * Video: refuse (E_VIDEO_TOO_LONG) a video that would give more processed frames than this, checked against the
   * container's frame count before any frame is decoded, and while decoding when the container does not say
   * (default 0 = no limit).
   */
  maxVideoFrames?: number;
  /** Aborts the call (E_ABORTED) between images and between video frames. */
  signal?: AbortSignal;
  /** Dynamic models: letterbox only to a multiple of the stride (default true, as Ultralytics); false pads to imgsz x imgsz. */
  rect?: boolean;
  /** Use the SIMD kernels (default true); false runs the scalar reference kernels. */
  simd?: boolean;
  /**
   * Decode JPEGs at a reduced DCT scale (1/2, 1/4, 1/8) when they are at least that much larger than the network
   * input (default false). Several times faster on large photos; pixels differ slightly from Ultralytics' full
   * decode + resize, so results may differ slightly too.
   */
  fastDecode?: boolean;
  /**
   * @internal Pre- and post-process as Ultralytics' validator instead of its predictor (model.val() sets it): the
   * dataset letterbox (long side to imgsz with ceil'd sides, centred on the rect val shape
   * ceil(shape * imgsz / stride + 0.5) * stride of a dynamic model, imgsz x imgsz with rect false, a static model's
   * input), results mapped back with the validator's ratio_pad; multi-label NMS; segment detections with an empty
   * mask kept (no polygon).
   */
  val?: boolean;
  /** @internal Also report each image's decode time as `decodeMs` beside its speed (lib/bench splits preprocess). */
  profile?: boolean;
  /**
   * Also draw each image (and video frame) as Ultralytics' `Results.plot()` does and return it as `plot` (a Buffer
   * holding a JPEG or PNG) on its `images[]` entry, from the pixels the call decoded (default false). `true` or the
   * picture's options.
   */
  plot?: boolean | PlotOptions;
}

/** What a picture shows and how it is encoded (model.plot, predict's `plot`). */
export interface PlotOptions {
  /** Line width in pixels, 1-100 (default Ultralytics': max(round((h + w + 3) / 2 * 0.003), 2)). */
  lineWidth?: number;
  /** Draw the label box with the class name (default true). */
  labels?: boolean;
  /** Put the confidence in the label (default true). */
  conf?: boolean;
  /** 'jpeg' (default) or 'png'. */
  format?: 'jpeg' | 'png';
  /** JPEG quality, 1-100 (default 95, what cv2.imwrite uses). */
  quality?: number;
}

export interface ResolvedPlotOptions {
  enabled: boolean;
  /** 0 = Ultralytics' default for the image. */
  lineWidth: number;
  labels: boolean;
  conf: boolean;
  format: 'jpeg' | 'png';
  quality: number;
}

export interface ResolvedPredictOptions {
  imgsz: number;
  conf: number;
  iou: number;
  maxDet: number;
  classes: number[];
  topk: number;
  maxPixels: number;
  batch: number;
  vidStride: number;
  maxFrames: number;
  maxVideoFrames: number;
  rect: boolean;
  simd: boolean;
  fastDecode: boolean;
  plot: ResolvedPlotOptions;
  signal?: AbortSignal;
  /** @internal Ultralytics' validator pre- and post-processing (lib/val). */
  val: boolean;
  /** @internal report each image's decode time as decodeMs (lib/bench). */
  profile: boolean;
}

export type Provider = 'cpu' | 'cuda' | 'tensorrt';

export interface LoadOptions {
  /** Intra-op threads for ONNX Runtime (default 0 = one per physical core this process may run on: physicalCores()). */
  threads?: number;
  /** How many inferences may run at once on this model (default 1: the intra-op threads already fill the cores). */
  parallelRuns?: number;
  /** Path of an ONNX Runtime shared library to use instead of onnxruntime-node's (a GPU or JetPack build). */
  ortLibrary?: string;
  /** Execution providers in order of preference (default ['cpu']). */
  providers?: Provider[];
  /** GPU index for cuda / tensorrt (default 0). */
  deviceId?: number;
  /** Let ORT's worker threads spin while waiting (default true: lowest latency; false saves CPU when idle). */
  spinning?: boolean;
  /** ORT graph optimisation level (default 'all'). */
  graphOptimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Write ORT's optimised graph to this file. */
  optimizedModelPath?: string;
  /**
   * Optimized-model cache directory (default $YOLO_NATIVE_CACHE_DIR, else none): the first load of a model saves
   * ONNX Runtime's optimised graph there, later loads skip the optimisation (several times faster). CPU only.
   */
  cacheDir?: string;
  /**
   * Extra ONNX Runtime session config entries (AddConfigEntry), e.g. { 'session.intra_op.spin_duration_us': '200' }.
   * Keys and values are strings; ORT ignores keys it does not know.
   */
  ortConfig?: Record<string, string>;
  /** Where model names and HUB ids are looked up (default $YOLO_NATIVE_MODELS_DIR, then ./models). */
  modelsDir?: string;
  /** When the model is not found locally, fetch `<baseUrl>/<name>.onnx` into modelsDir (default false). */
  download?: boolean | { baseUrl?: string; sha256?: string; maxBytes?: number; timeoutMs?: number };
}

export interface ResolvedLoadOptions {
  threads: number;
  parallelRuns: number;
  ortLibrary?: string;
  providers: Provider[];
  deviceId: number;
  spinning: boolean;
  graphOptimization: number;
  optimizedModelPath?: string;
  cacheDir?: string;
  ortConfig?: Record<string, string>;
  modelsDir?: string;
  download?: { baseUrl?: string; sha256?: string; maxBytes?: number; timeoutMs?: number };
}

export const PREDICT_DEFAULTS: Readonly<ResolvedPredictOptions> = Object.freeze({
  imgsz: 640,
  conf: 0.25,
  iou: 0.45,
  maxDet: 300,
  classes: [],
  topk: 1,
  maxPixels: 2 ** 27,
  batch: 1,
  vidStride: 1,
  maxFrames: 0,
  maxVideoFrames: 0,
  rect: true,
  simd: true,
  fastDecode: false,
  val: false,
  profile: false,
  plot: Object.freeze({ enabled: false, lineWidth: 0, labels: true, conf: true, format: 'jpeg', quality: 95 }) as ResolvedPlotOptions,
});

/** How live sources (rtsp://, rtmp://, http(s)://, /dev/video0) are read by model.stream(). */
export interface LiveOptions {
  /**
   * 'latest' (default for live sources): when inference is slower than the source, frames are dropped and the newest
   * is predicted. 'all': every frame is predicted in order (the source is read at the speed of inference, up to 32
   * frames buffered). Files are always read frame by frame.
   */
  buffer?: 'latest' | 'all';
  /**
   * Longest time to connect and identify the stream, in milliseconds, 100-600000 (default 10000). FFmpeg reads a
   * second or two of a live stream before its first frame (to learn its codec and frame rate).
   */
  openTimeoutMs?: number;
  /** Longest wait for the next frame before the source counts as lost, 100-600000 ms (default 10000). */
  readTimeoutMs?: number;
  /** How many times in a row a lost source is reopened before the stream fails with E_STREAM_FAILED, 0-100 (default 5). */
  reconnect?: number;
  /** Wait before the first reopen, doubled for each further try up to 8 s, 0-60000 ms (default 500). */
  reconnectDelayMs?: number;
}

export interface ResolvedLiveOptions {
  buffer: 'latest' | 'all';
  openTimeoutMs: number;
  readTimeoutMs: number;
  reconnect: number;
  reconnectDelayMs: number;
}

/** Live-source defaults (buffer: 'latest' for live sources, 'all' for files). */
export const LIVE_DEFAULTS: Readonly<Omit<ResolvedLiveOptions, 'buffer'>> = Object.freeze({ openTimeoutMs: 10_000, readTimeoutMs: 10_000, reconnect: 5, reconnectDelayMs: 500 });

/**
 * The physical cores this process may run on: the cores Linux lists under /sys/devices/system/cpu (SMT siblings
 * counted once), at most os.availableParallelism() (the CPU affinity mask); elsewhere, or when /sys cannot be read,
 * availableParallelism(). This is what `threads: 0` means. ONNX Runtime's own default for 0 reads the CPU's topology
 * itself and, on the project's 2-vCPU VM (2 cores, 1 thread each, as Linux reports them), runs 1 thread: 1.4x
 * slower inference than 2.
 */
export function physicalCores(): number {
  const logical = availableParallelism();
  try {
    const root = '/sys/devices/system/cpu';
    const cores = new Set<string>();
    for (const cpu of readdirSync(root).filter((n) => /^cpu\d+$/.test(n))) {
      const topology = `${root}/${cpu}/topology`;
      cores.add(`${readFileSync(`${topology}/physical_package_id`, 'utf8').trim()}:${readFileSync(`${topology}/core_id`, 'utf8').trim()}`);
    }
    return Math.max(1, Math.min(logical, cores.size || logical));
  } catch {
    return logical;
  }
}

export const LOAD_DEFAULTS: Readonly<ResolvedLoadOptions> = Object.freeze({
  threads: 0,
  parallelRuns: 1,
  providers: ['cpu'] as Provider[],
  deviceId: 0,
  spinning: true,
  graphOptimization: 99,
});

/** Throws the E_INVALID_ARGUMENT every validator here throws: `<argument> must be <expected>; received <value>`. */
export function fail(argument: string, expected: string, value: unknown): never {
  let shown: string;
  try {
    shown = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'bigint' ? `${value}n` : String(JSON.stringify(value) ?? value);
  } catch {
    shown = Object.prototype.toString.call(value);
  }
  throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `${argument} must be ${expected}; received ${shown}`, argument);
}

/** A number in [min, max]; integer when `integer`. */
export function checkNumber(argument: string, value: unknown, min: number, max: number, integer: boolean): number {
  const expected = `${integer ? 'an integer' : 'a number'} in [${min}, ${max}]`;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    fail(argument, expected, value);
  }
  return value as number;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A plain decimal numeral: what text that stands for a number may look like (no hex, no blanks, no empty string). */
export const isDecimalNumeral = (value: string): boolean => DECIMAL.test(value);

/**
 * checkNumber for values that arrive as text (form fields, environment variables, command-line flags): a number,
 * or a plain decimal numeral (no hex, no blanks, no empty string), with the same message as checkNumber.
 */
export function checkNumeral(argument: string, value: unknown, min: number, max: number, integer: boolean): number {
  if (typeof value === 'string' && isDecimalNumeral(value)) {
    const n = Number(value);
    if (n >= min && n <= max && (!integer || Number.isInteger(n))) return n;
  }
  if (typeof value === 'number') return checkNumber(argument, value, min, max, integer);
  return fail(argument, `${integer ? 'an integer' : 'a number'} in [${min}, ${max}]`, value);
}

function checkBoolean(argument: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(argument, 'a boolean', value);
  return value as boolean;
}

function checkObject(argument: string, value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) fail(argument, 'an object', value);
  return value as Record<string, unknown>;
}

function checkKeys(argument: string, options: Record<string, unknown>, allowed: readonly string[]) {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `unknown ${argument} '${key}'; valid: ${allowed.join(', ')}`, key);
    }
  }
}

const PREDICT_KEYS = ['imgsz', 'conf', 'iou', 'maxDet', 'classes', 'top5', 'maxPixels', 'batch', 'vidStride', 'maxFrames', 'maxVideoFrames', 'rect', 'simd', 'fastDecode', 'plot', 'signal', 'val', 'profile'] as const;
const PLOT_KEYS = ['lineWidth', 'labels', 'conf', 'format', 'quality'] as const;
const LIVE_KEYS = ['buffer', 'openTimeoutMs', 'readTimeoutMs', 'reconnect', 'reconnectDelayMs'] as const;

/** Picture options (model.plot's `options`, predict's `plot`), completed with their defaults; `enabled` is set. */
export function resolvePlotOptions(input: unknown, argument = 'plot options'): ResolvedPlotOptions {
  const o = checkObject(argument, input);
  checkKeys('plot option', o, PLOT_KEYS);
  const r: ResolvedPlotOptions = { ...PREDICT_DEFAULTS.plot, enabled: true };
  if (o.lineWidth !== undefined) r.lineWidth = checkNumber('lineWidth', o.lineWidth, 1, 100, true);
  if (o.labels !== undefined) r.labels = checkBoolean('labels', o.labels);
  if (o.conf !== undefined) r.conf = checkBoolean('conf', o.conf);
  if (o.format !== undefined) {
    if (o.format !== 'jpeg' && o.format !== 'png') fail('format', "'jpeg' or 'png'", o.format);
    r.format = o.format as 'jpeg' | 'png';
  }
  if (o.quality !== undefined) r.quality = checkNumber('quality', o.quality, 1, 100, true);
  return r;
}

/**
 * Live-source options picked out of `options` (the other keys are left to the caller), completed with their defaults;
 * `live` says whether the source is live ('latest' is then the default buffer).
 */
export function resolveLiveOptions(options: Record<string, unknown>, live: boolean): ResolvedLiveOptions {
  const r: ResolvedLiveOptions = { buffer: live ? 'latest' : 'all', ...LIVE_DEFAULTS };
  if (options.buffer !== undefined) {
    if (options.buffer !== 'latest' && options.buffer !== 'all') fail('buffer', "'latest' or 'all'", options.buffer);
    r.buffer = options.buffer as 'latest' | 'all';
  }
  if (options.openTimeoutMs !== undefined) r.openTimeoutMs = checkNumber('openTimeoutMs', options.openTimeoutMs, 100, 600_000, true);
  if (options.readTimeoutMs !== undefined) r.readTimeoutMs = checkNumber('readTimeoutMs', options.readTimeoutMs, 100, 600_000, true);
  if (options.reconnect !== undefined) r.reconnect = checkNumber('reconnect', options.reconnect, 0, 100, true);
  if (options.reconnectDelayMs !== undefined) r.reconnectDelayMs = checkNumber('reconnectDelayMs', options.reconnectDelayMs, 0, 60_000, true);
  return r;
}

export { LIVE_KEYS };

export function resolvePredictOptions(input: unknown): ResolvedPredictOptions {
  const o = checkObject('options', input);
  checkKeys('predict option', o, PREDICT_KEYS);
  const r: ResolvedPredictOptions = { ...PREDICT_DEFAULTS };
  if (o.imgsz !== undefined) r.imgsz = checkNumber('imgsz', o.imgsz, 1, 8192, true);
  if (o.conf !== undefined) r.conf = checkNumber('conf', o.conf, 0, 1, false);
  if (o.iou !== undefined) r.iou = checkNumber('iou', o.iou, 0, 1, false);
  if (o.maxDet !== undefined) r.maxDet = checkNumber('maxDet', o.maxDet, 1, 30000, true);
  if (o.classes !== undefined) {
    const list = Array.isArray(o.classes) ? o.classes : [o.classes];
    r.classes = list.map((c, i) => checkNumber(`classes[${i}]`, c, 0, 1_000_000, true));
  }
  if (o.top5 !== undefined) r.topk = checkBoolean('top5', o.top5) ? 5 : 1;
  if (o.maxPixels !== undefined) r.maxPixels = checkNumber('maxPixels', o.maxPixels, 0, Number.MAX_SAFE_INTEGER, true);
  if (o.batch !== undefined) r.batch = checkNumber('batch', o.batch, 1, 64, true);
  if (o.vidStride !== undefined) r.vidStride = checkNumber('vidStride', o.vidStride, 1, 10000, true);
  if (o.maxFrames !== undefined) r.maxFrames = checkNumber('maxFrames', o.maxFrames, 0, Number.MAX_SAFE_INTEGER, true);
  if (o.maxVideoFrames !== undefined) r.maxVideoFrames = checkNumber('maxVideoFrames', o.maxVideoFrames, 0, Number.MAX_SAFE_INTEGER, true);
  if (o.rect !== undefined) r.rect = checkBoolean('rect', o.rect);
  if (o.simd !== undefined) r.simd = checkBoolean('simd', o.simd);
  if (o.fastDecode !== undefined) r.fastDecode = checkBoolean('fastDecode', o.fastDecode);
  if (o.plot !== undefined && o.plot !== false) r.plot = o.plot === true ? resolvePlotOptions({}) : resolvePlotOptions(o.plot, 'plot');
  if (o.signal !== undefined) {
    if (!(o.signal instanceof AbortSignal)) fail('signal', 'an AbortSignal', o.signal);
    r.signal = o.signal as AbortSignal;
  }
  if (o.val !== undefined) r.val = checkBoolean('val', o.val);
  if (o.profile !== undefined) r.profile = checkBoolean('profile', o.profile);
  return r;
}

const LOAD_KEYS = ['threads', 'parallelRuns', 'ortLibrary', 'providers', 'deviceId', 'spinning', 'graphOptimization', 'optimizedModelPath', 'cacheDir', 'ortConfig', 'modelsDir', 'download'] as const;
const GRAPH_LEVELS = { disabled: 0, basic: 1, extended: 2, all: 99 } as const;
const PROVIDERS: readonly Provider[] = ['cpu', 'cuda', 'tensorrt'];

function checkString(argument: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) fail(argument, 'a non-empty string', value);
  return value as string;
}

export function resolveLoadOptions(input: unknown): ResolvedLoadOptions {
  const o = checkObject('options', input);
  checkKeys('load option', o, LOAD_KEYS);
  const r: ResolvedLoadOptions = { ...LOAD_DEFAULTS, providers: [...LOAD_DEFAULTS.providers] };
  if (o.threads !== undefined) r.threads = checkNumber('threads', o.threads, 0, 1024, true);
  if (o.parallelRuns !== undefined) r.parallelRuns = checkNumber('parallelRuns', o.parallelRuns, 1, 64, true);
  if (o.ortLibrary !== undefined) r.ortLibrary = checkString('ortLibrary', o.ortLibrary);
  if (o.providers !== undefined) {
    if (!Array.isArray(o.providers) || o.providers.length === 0 || o.providers.some((p) => !PROVIDERS.includes(p as Provider))) {
      fail('providers', `a non-empty array of ${PROVIDERS.map((p) => `'${p}'`).join(', ')}`, o.providers);
    }
    r.providers = o.providers as Provider[];
  }
  if (o.deviceId !== undefined) r.deviceId = checkNumber('deviceId', o.deviceId, 0, 64, true);
  if (o.spinning !== undefined) r.spinning = checkBoolean('spinning', o.spinning);
  if (o.graphOptimization !== undefined) {
    const level = GRAPH_LEVELS[o.graphOptimization as keyof typeof GRAPH_LEVELS];
    if (level === undefined) fail('graphOptimization', `one of ${Object.keys(GRAPH_LEVELS).join(', ')}`, o.graphOptimization);
    r.graphOptimization = level;
  }
  if (o.optimizedModelPath !== undefined) r.optimizedModelPath = checkString('optimizedModelPath', o.optimizedModelPath);
  if (o.modelsDir !== undefined) r.modelsDir = checkString('modelsDir', o.modelsDir);
  if (o.ortConfig !== undefined) {
    const entries = checkObject('ortConfig', o.ortConfig);
    for (const [k, v] of Object.entries(entries)) {
      if (!/^[\w.-]{1,128}$/.test(k) || typeof v !== 'string' || v.length > 4096) fail(`ortConfig['${k}']`, 'a string value under a key of [A-Za-z0-9_.-]', v);
    }
    r.ortConfig = { ...(entries as Record<string, string>) };
  }
  if (o.cacheDir !== undefined) r.cacheDir = checkString('cacheDir', o.cacheDir);
  else if (process.env.YOLO_NATIVE_CACHE_DIR) r.cacheDir = process.env.YOLO_NATIVE_CACHE_DIR;
  if (o.download !== undefined && o.download !== false) {
    if (o.download === true) r.download = {};
    else {
      const d = checkObject('download', o.download);
      checkKeys('download option', d, ['baseUrl', 'sha256', 'maxBytes', 'timeoutMs']);
      r.download = {};
      if (d.baseUrl !== undefined) r.download.baseUrl = checkString('download.baseUrl', d.baseUrl);
      if (d.sha256 !== undefined) {
        if (typeof d.sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(d.sha256)) fail('download.sha256', 'a 64-digit hex SHA-256', d.sha256);
        r.download.sha256 = d.sha256 as string;
      }
      if (d.maxBytes !== undefined) r.download.maxBytes = checkNumber('download.maxBytes', d.maxBytes, 1, Number.MAX_SAFE_INTEGER, true);
      if (d.timeoutMs !== undefined) r.download.timeoutMs = checkNumber('download.timeoutMs', d.timeoutMs, 1, 86_400_000, true);
    }
  }
  return r;
}
