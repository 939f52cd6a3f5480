/** The public facade: loadModel / Model.predict / predict, returning the HUB Inference API JSON. */
import { basename, resolve as resolvePath } from 'node:path';
import { ErrorCodes, YoloError, fromNative } from './errors.js';
import { defaultOrtLibrary, native, type NativeImage, type NativeModel, type NativeModelInfo } from './native.js';
import { resolveLoadOptions, resolvePredictOptions, type LoadOptions, type PredictOptions, type ResolvedPredictOptions } from './options.js';
import { defaultModelsDir, hubModelId, resolveModelPath } from './resolve.js';
import { downloadModel } from './download.js';
import { loadOptimized } from './optimized-cache.js';
import { version } from './version.js';
import { nativeOptions, resolveStreamOptions, streamImages, type StreamOptions } from './video.js';

export type Task = NativeModelInfo['task'];
export type Head = NativeModelInfo['head'];
/** An encoded image (Buffer / Uint8Array / ArrayBuffer) or a file path. */
export type ImageInput = string | Uint8Array | ArrayBuffer;

export interface Box { x1: number; y1: number; x2: number; y2: number }
export interface ObbBox extends Box { x3: number; y3: number; x4: number; y4: number }
export interface HubResult {
  name: string;
  class: number;
  confidence: number;
  box?: Box | ObbBox;
  segments?: { x: number[]; y: number[] };
  keypoints?: { x: number[]; y: number[]; visible: number[] };
}
export interface HubImage {
  results: HubResult[];
  shape: [number, number];
  speed: { preprocess: number; inference: number; postprocess: number };
  frame?: number;
  top5?: { name: string; class: number; confidence: number }[];
}
export interface HubMetadata {
  model: string;
  task: Task;
  imgsz: number;
  inputShape: [number, number] | null;
  conf: number;
  iou: number;
  version: { yoloNative: string; onnxruntime: string };
}
export interface HubResponse { images: HubImage[]; metadata: HubMetadata }

function toNativeInput(input: unknown, index: number): Uint8Array | string {
  if (typeof input === 'string') {
    if (input.length === 0) throw new YoloError(ErrorCodes.INVALID_INPUT, `input #${index} is an empty path string`, 'input');
    return resolvePath(input);
  }
  if (input instanceof Uint8Array) {
    if (input.byteLength === 0) throw new YoloError(ErrorCodes.EMPTY_INPUT, `input #${index} is empty (0 bytes); expected an encoded image`, 'input');
    return input;
  }
  if (input instanceof ArrayBuffer) return toNativeInput(new Uint8Array(input), index);
  const kind = input === null ? 'null' : Array.isArray(input) ? 'array' : typeof input === 'object' ? (input as object).constructor?.name ?? 'object' : typeof input;
  throw new YoloError(ErrorCodes.INVALID_INPUT, `input #${index} must be a Buffer, Uint8Array, ArrayBuffer or file path; received ${kind}`, 'input');
}

export function normalizeInputs(input: unknown): (Uint8Array | string)[] {
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
  readonly path: string;
  /** Every metadata_props entry of the ONNX file, raw. */
  readonly metadata: Record<string, string>;
  #native: NativeModel | undefined;
  #ortVersion: string;

  /** @internal use loadModel() */
  constructor(nativeModel: NativeModel, path?: string) {
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
    this.path = path ?? info.path; // the model file, also when the session came from the optimized-model cache
    this.metadata = info.metadata;
    this.#ortVersion = native().runtimeInfo().ortVersion;
  }

  get disposed(): boolean {
    return this.#native === undefined;
  }

  /** The size the network actually runs at for a requested imgsz. */
  effectiveImgsz(imgsz: number): number {
    if (!this.dynamic) return Math.max(this.inputShape[2] ?? 0, this.inputShape[3] ?? 0);
    return Math.max(this.stride, Math.ceil(imgsz / this.stride) * this.stride);
  }

  /** @internal the native handle, for the stream / video paths */
  nativeHandle(): NativeModel {
    if (!this.#native) throw new YoloError(ErrorCodes.DISPOSED, 'the model has been disposed; load it again');
    return this.#native;
  }

  /** @internal one native image result as a HUB `images[]` entry */
  hubImage(img: NativeImage, o: ResolvedPredictOptions): HubImage {
    const out: HubImage = { results: img.results as HubResult[], shape: img.shape, speed: img.speed };
    if (img.frame !== undefined) out.frame = img.frame;
    if (img.top && o.topk > 1) out.top5 = img.top;
    return out;
  }

  /** @internal builds the HUB envelope around native image results */
  envelope(images: NativeImage[], o: ResolvedPredictOptions): HubResponse {
    const first = images[0];
    return {
      images: images.map((img) => this.hubImage(img, o)),
      metadata: {
        model: basename(this.path).replace(/\.onnx$/i, ''),
        task: this.task,
        imgsz: this.effectiveImgsz(o.imgsz),
        inputShape: first ? first.inputShape : null,
        conf: o.conf,
        iou: o.iou,
        version: { yoloNative: version, onnxruntime: this.#ortVersion },
      },
    };
  }

  /**
   * Runs the model on one image or an array of images (one `images[]` entry each). A video (path or bytes:
   * mp4, mov, avi, mkv, webm, ... told apart by content) gives one entry per processed frame, with `frame`.
   */
  async predict(input: ImageInput | ImageInput[], options?: PredictOptions): Promise<HubResponse> {
    const o = resolvePredictOptions(options);
    const inputs = normalizeInputs(input);
    const handle = this.nativeHandle();
    let images: NativeImage[];
    try {
      images = await handle.predict(inputs, nativeOptions(o));
    } catch (e) {
      throw fromNative(e);
    }
    return this.envelope(images, o);
  }

  /**
   * Predicts a video frame by frame as an async iterable of `images[]` entries (each with `frame`), for long
   * videos and progress reporting: `for await (const frame of model.stream(video, { vidStride: 2 }))`. Breaking
   * out of the loop closes the video. An image input yields one entry. Options are validated here, at once.
   */
  stream(input: ImageInput, options?: StreamOptions): AsyncGenerator<HubImage, void, undefined> {
    const o = resolveStreamOptions(options);
    if (Array.isArray(input)) throw new YoloError(ErrorCodes.INVALID_INPUT, 'stream() takes one video or image, not an array; received array', 'input');
    const [nativeInput] = normalizeInputs(input);
    return streamImages(this.nativeHandle(), nativeInput, o, (img) => this.hubImage(img, o.predict));
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
  const ortLibrary = o.ortLibrary ?? defaultOrtLibrary();
  let handle: NativeModel;
  try {
    handle = await loadOptimized((p, opts) => native().load(p, opts), path, { ...o, ortLibrary });
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

/** Disposes every model the one-shot predict() cached. */
export async function clearModelCache(): Promise<void> {
  const models = [...cache.values()];
  cache.clear();
  for (const m of models) await m.then((x) => x.dispose(), () => undefined);
}
