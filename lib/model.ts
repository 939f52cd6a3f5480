/** The public facade: loadModel / Model.predict / predict, returning the HUB Inference API JSON the native side builds. */
import { basename, resolve as resolvePath } from 'node:path';
import { ErrorCodes, YoloError, fromNative } from './errors.js';
import type { HubImage, HubResponse, Task } from './hub.js';
import { defaultOrtLibrary, native, type NativeInputPlan, type NativeModel, type NativeModelInfo, type NativeModelStats } from './native.js';
import { PREDICT_DEFAULTS, checkNumber, physicalCores, resolveLoadOptions, resolvePlotOptions, resolvePredictOptions, type LoadOptions, type PlotOptions, type PredictOptions } from './options.js';
import { isRawFrame, toNativeRawFrame, type NativeRawFrame, type RawFrameInput } from './raw-frame.js';
import { isLiveSource } from './live.js';
import { defaultModelsDir, hubModelId, resolveModelPath } from './resolve.js';
import { downloadModel } from './download.js';
import { loadOptimized } from './optimized-cache.js';
import { version } from './version.js';
import { resolveStreamOptions, streamImages, type ImageStream, type StreamOptions } from './video.js';
import { nativeCall } from './native-call.js';
import { validate, type ValResult } from './val/validator.js';
import { benchmark, type BenchOptions, type BenchResult } from './bench/bench.js';
import type { ValOptions } from './val/options.js';

export type { Task, Box, ObbBox, HubResult, HubImage, HubMetadata, HubResponse } from './hub.js';
export type Head = NativeModelInfo['head'];
export type { RawFrameInput } from './raw-frame.js';
/** An encoded image (Buffer / Uint8Array / ArrayBuffer), a file path, or a raw pixel frame (lib/raw-frame.ts). */
export type ImageInput = string | Uint8Array | ArrayBuffer | RawFrameInput;

/** What the native side takes for one input: a path, encoded bytes, a raw frame, or (stream only) a live source. */
export type NativeInput = Uint8Array | string | NativeRawFrame | { url: string };

function toNativeInput(input: unknown, index: number): NativeInput {
  if (typeof input === 'string') {
    if (input.length === 0) throw new YoloError(ErrorCodes.INVALID_INPUT, `input #${index} is an empty path string`, 'input');
    if (isLiveSource(input)) {
      throw new YoloError(ErrorCodes.INVALID_INPUT, `input #${index} is a live source (${input.split('://')[0]}): read it with model.stream(), which yields its frames as they come`, 'input');
    }
    return resolvePath(input);
  }
  if (isRawFrame(input)) return toNativeRawFrame(input as Record<string, unknown>, `input #${index} (raw frame)`);
  if (input instanceof Uint8Array) {
    if (input.byteLength === 0) throw new YoloError(ErrorCodes.EMPTY_INPUT, `input #${index} is empty (0 bytes); expected an encoded image`, 'input');
    return input;
  }
  if (input instanceof ArrayBuffer) return toNativeInput(new Uint8Array(input), index);
  const kind = input === null ? 'null' : Array.isArray(input) ? 'array' : typeof input === 'object' ? ((input as object).constructor?.name ?? 'object') : typeof input;
  throw new YoloError(ErrorCodes.INVALID_INPUT, `input #${index} must be a Buffer, Uint8Array, ArrayBuffer, file path or raw frame; received ${kind}`, 'input');
}

export function normalizeInputs(input: unknown): NativeInput[] {
  const list = Array.isArray(input) ? input : [input];
  if (list.length === 0) throw new YoloError(ErrorCodes.INVALID_INPUT, 'input must be an image or a non-empty array of images; received []', 'input');
  return list.map(toNativeInput);
}

export class Model {
  readonly task: Task;
  /**
   * What the model's output holds: 'classic' (the raw head; NMS is done here), 'end2end' (YOLOv10 / YOLO26 rows
   * after the graph's own top-k; no NMS), 'nms' (an nms=True export: NMS inside the graph), or 'auto' (no metadata
   * says and the declared shape is symbolic: each run's output shape decides).
   */
  readonly head: Head;
  readonly names: string[];
  /** Metadata imgsz [h, w] (the export size). */
  readonly imgsz: [number, number];
  readonly stride: number;
  /** True when the model takes any input height/width (rect letterbox at the requested imgsz). */
  readonly dynamic: boolean;
  readonly inputShape: (number | null)[];
  readonly kptShape?: [number, number];
  /** The model file as resolved from the reference given to loadModel. */
  readonly path: string;
  /** Every metadata_props entry of the ONNX file, raw. */
  readonly metadata: Record<string, string>;
  #native: NativeModel | undefined;

  /** @internal use loadModel() */
  constructor(nativeModel: NativeModel, path: string) {
    this.#native = nativeModel;
    const info = nativeModel.info();
    this.task = info.task;
    this.head = info.head;
    this.names = info.names;
    this.imgsz = info.imgsz;
    this.stride = info.stride;
    this.dynamic = info.dynamic;
    this.inputShape = info.inputShape;
    if (info.kptShape) this.kptShape = info.kptShape;
    this.path = path;
    this.metadata = info.metadata;
  }

  get disposed(): boolean {
    return this.#native === undefined;
  }

  /** @internal the native handle, for the stream / video paths */
  nativeHandle(): NativeModel {
    if (!this.#native) throw new YoloError(ErrorCodes.DISPOSED, 'the model has been disposed; load it again');
    return this.#native;
  }

  /** What the native session is: the model's metadata, the file ORT built the session from, its config entries. */
  info(): NativeModelInfo {
    return this.nativeHandle().info();
  }

  /**
   * The network input a predict call at `imgsz` gets (the native plan itself): the size it runs at (a static model's
   * own, else imgsz rounded up to the stride), the letterbox target [h, w], and whether it pads "rect".
   */
  inputPlan(imgsz: number, rect = true): NativeInputPlan {
    return this.nativeHandle().plan(checkNumber('imgsz', imgsz, 1, 8192, true), rect);
  }

  /** What the session has run so far: inference runs (a batch is one) and the images they carried. */
  stats(): NativeModelStats {
    return this.nativeHandle().stats();
  }

  /**
   * Runs the model on one image or an array of images (one `images[]` entry each). A video (path or bytes:
   * mp4, mov, avi, mkv, webm, ... told apart by content) gives one entry per processed frame, with `frame`. Raw pixel
   * frames (lib/raw-frame.ts) mix freely with encoded images. With `plot`, each entry also carries its picture.
   */
  async predict(input: ImageInput | ImageInput[], options?: PredictOptions): Promise<HubResponse> {
    const o = resolvePredictOptions(options);
    const inputs = normalizeInputs(input);
    const handle = this.nativeHandle();
    const call = nativeCall(o);
    try {
      return await handle.predict(inputs, call.options);
    } catch (e) {
      throw fromNative(e);
    } finally {
      call.done();
    }
  }

  /**
   * Predicts a video frame by frame as an async iterable of `images[]` entries (each with `frame`), for long
   * videos and progress reporting: `for await (const frame of model.stream(video, { vidStride: 2 }))`. Breaking
   * out of the loop closes the video. An image input yields one entry. Options are validated here, at once.
   * Live sources (rtsp://, rtmp://, http(s):// streams, /dev/video0) are read by a capture thread of their own, with
   * the live options (buffer, timeouts, reconnect); each entry carries `frame` and `timestamp`. `info()` says what the
   * source is (fps, frame count, frames dropped).
   */
  stream(input: ImageInput, options?: StreamOptions): ImageStream {
    if (Array.isArray(input)) throw new YoloError(ErrorCodes.INVALID_INPUT, 'stream() takes one video or image, not an array; received array', 'input');
    const live = typeof input === 'string' && isLiveSource(input);
    const o = resolveStreamOptions(options, live);
    const nativeInput: NativeInput = live ? { url: input as string } : normalizeInputs(input)[0];
    return streamImages(this.nativeHandle(), nativeInput, o);
  }

  /**
   * Accuracy on a dataset, as Ultralytics' `yolo val` measures it: a dataset yaml (or folder) in Ultralytics' YOLO
   * layout for detect / segment / pose / obb (mAP50, mAP50-95, precision, recall, per class and overall), a folder
   * of class folders for classify (top-1 / top-5 accuracy). See lib/val/validator.ts.
   */
  async val(data: string, options?: ValOptions): Promise<ValResult> {
    return validate(this, data, options);
  }

  /**
   * Speed on this machine, measured as `npm run bench` measures it: per-stage and end-to-end latency (p50 / p95),
   * images/s and event-loop delay at each concurrency, memory; on the given images or the bundled sample. See
   * lib/bench/bench.ts.
   */
  async bench(options?: BenchOptions): Promise<BenchResult> {
    return benchmark(this, options);
  }

  /**
   * The picture of a result on the image it belongs to, as Ultralytics' `Results.plot()` draws it: an encoded JPEG
   * (or PNG) in a Buffer. `result` is an `images[]` entry of a predict response (or a response of one image).
   */
  async plot(input: ImageInput, result: HubImage | HubResponse, options?: PlotOptions): Promise<Buffer> {
    const plot = resolvePlotOptions(options);
    if (Array.isArray(input)) throw new YoloError(ErrorCodes.INVALID_INPUT, 'plot() takes one image, not an array; received array', 'input');
    const [nativeInput] = normalizeInputs(input);
    let image: unknown = result;
    if (result !== null && typeof result === 'object' && Array.isArray((result as HubResponse).images)) {
      const images = (result as HubResponse).images;
      if (images.length !== 1) throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `result must be one images[] entry (or a response of one image); received a response of ${images.length} images`, 'result');
      image = images[0];
    }
    if (image === null || typeof image !== 'object' || Array.isArray(image)) throw new YoloError(ErrorCodes.INVALID_ARGUMENT, 'result must be an images[] entry of a predict response', 'result');
    const handle = this.nativeHandle();
    try {
      return await handle.plot(nativeInput, image as HubImage, { ...PREDICT_DEFAULTS, plot });
    } catch (e) {
      throw fromNative(e);
    }
  }

  /** Releases the session; predictions already in flight still complete. */
  async dispose(): Promise<void> {
    if (this.#native) this.#native.dispose();
    this.#native = undefined;
  }
}

/** Loads a model by path, by name under the models directory, or by HUB model URL / id. */
export async function loadModel(model: string, options?: LoadOptions): Promise<Model> {
  const o = resolveLoadOptions(options);
  let path: string;
  try {
    path = resolveModelPath(model, o.modelsDir);
  } catch (e) {
    if (!(e instanceof YoloError && e.code === ErrorCodes.MODEL_NOT_FOUND && o.download)) throw e;
    path = await downloadModel(hubModelId(model) ?? model, o.modelsDir ?? defaultModelsDir(), o.download);
  }
  const nativeOptions = { ...o, threads: o.threads || physicalCores(), ortLibrary: o.ortLibrary ?? defaultOrtLibrary(), label: basename(path).replace(/\.onnx$/i, ''), version };
  let handle: NativeModel;
  try {
    handle = await loadOptimized((p, opts) => native().load(p, opts), path, nativeOptions);
  } catch (e) {
    throw fromNative(e);
  }
  return new Model(handle, path);
}

const cache = new Map<string, Promise<Model>>();

/** One-shot predict: loads (and caches) the model, then predicts. */
export async function predict(model: string, input: ImageInput | ImageInput[], options?: PredictOptions & { load?: LoadOptions }): Promise<HubResponse> {
  const { load, ...predictOptions } = options ?? {};
  resolvePredictOptions(predictOptions); // fail fast before loading anything
  const key = `${model}\u0000${JSON.stringify(load ?? {})}`;
  let pending = cache.get(key);
  if (!pending) {
    pending = loadModel(model, load);
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
  }
  return (await pending).predict(input, predictOptions);
}

/** The models the one-shot predict() holds now, loaded ones only. */
export async function cachedModels(): Promise<Model[]> {
  const settled = await Promise.allSettled(cache.values());
  return settled.flatMap((s) => (s.status === 'fulfilled' && !s.value.disposed ? [s.value] : []));
}

/** Disposes every model the one-shot predict() cached. */
export async function clearModelCache(): Promise<void> {
  const models = [...cache.values()];
  cache.clear();
  for (const m of models) await m.then((x) => x.dispose(), () => undefined);
}
