/** Loads the compiled addon and finds the default ONNX Runtime library (the one onnxruntime-node ships). */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ErrorCodes, YoloError } from './errors.js';

import type { HubImage, HubResponse } from './hub.js';

export interface NativeModelInfo {
  task: 'detect' | 'segment' | 'pose' | 'obb' | 'classify';
  names: string[];
  stride: number;
  imgsz: [number, number];
  dynamic: boolean;
  dynamicBatch: boolean;
  inputShape: (number | null)[];
  kptShape?: [number, number];
  metadata: Record<string, string>;
  /** The file ONNX Runtime built the session from (the model, or its optimized-model cache entry). */
  sessionPath: string;
  /** ONNX Runtime session config entries in force. */
  sessionConfig: Record<string, string>;
}

export interface NativeModelStats {
  /** session.Run calls so far (a batch of n images is one). */
  inferenceRuns: number;
  /** Images those runs carried. */
  imagesInferred: number;
}

export interface NativeVideoStream {
  /** The next n processed frames (an empty array once the video has ended). One call at a time. */
  next(n: number): Promise<HubImage[]>;
  /** Releases the decoder (and the spilled temp file); idempotent. */
  close(): void;
  /** dropped: frames a live source with buffer 'latest' skipped so far. */
  info(): { fps?: number; frameCount?: number; dropped?: number; closed: boolean };
}

/** Set from JS while a call runs: the worker stops between images and between frames (E_ABORTED). */
export interface NativeAbortFlag {
  abort(): void;
}

export interface NativeModel {
  /** Resolves to the whole HUB response, built natively. Inputs: paths, encoded bytes, raw frames (lib/raw-frame.ts). */
  predict(inputs: unknown[], options: object): Promise<HubResponse>;
  /** Opens a video or a live source ({ url }) for chunked prediction; null when the input is an image. */
  openStream(input: unknown, options: object): Promise<NativeVideoStream | null>;
  /** The picture of one images[] entry on its image (options: resolved predict options, `plot` set). */
  plot(input: unknown, image: HubImage, options: object): Promise<Buffer>;
  info(): NativeModelInfo;
  stats(): NativeModelStats;
  dispose(): void;
}

/** Hooks for the test suite only (native/test_hooks.cc). */
export interface NativeTestHooks {
  letterboxTensor(image: Uint8Array, imgsz: number, autoPad: boolean, stride?: number, simd?: boolean): { data: Float32Array; shape: number[] };
  classifyTensor(image: Uint8Array, height: number, width?: number, simd?: boolean): { data: Float32Array; shape: number[] };
  /** Decodes like predict (JPEGs through libjpeg directly unless `opencv`, or it declines) into BGR rows at
   * 1/reduction scale, without the header gate; `direct` says which path ran, `ms` times the decode alone. */
  decodeImage(
    image: Uint8Array,
    options?: { opencv?: boolean; reduction?: 1 | 2 | 4 | 8 },
  ): { width: number; height: number; data: Buffer; direct: boolean; ms: number };
  nms(boxes: Float32Array, iou: number, rotated: boolean, simd: boolean): number[];
  /** Native video readers alive. */
  liveVideoReaders(): number;
}

export interface NativeBinding {
  load(path: string, options: object): Promise<NativeModel>;
  runtimeInfo(): { ortLibrary: string; ortVersion: string; simd: string; ortApiVersion: number };
  /** Whether the input is a video (bytes: magic numbers; a path: its content, then its extension). */
  isVideo(input: Uint8Array | string): boolean;
  createAbortFlag(): NativeAbortFlag;
  __test: NativeTestHooks;
}

export const packageRoot = join(__dirname, '..', '..');

let binding: NativeBinding | undefined;

export function native(): NativeBinding {
  if (binding) return binding;
  const candidates = [
    process.env.YOLO_NATIVE_BINDING,
    join(packageRoot, 'build', 'Release', 'yolo_native.node'),
    join(packageRoot, 'build', 'Debug', 'yolo_native.node'),
  ].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new YoloError(ErrorCodes.INTERNAL, `the yolo-native addon is not built (looked for ${candidates.join(', ')}); run 'npm run build'`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  binding = require(found) as NativeBinding;
  return binding;
}

/** The ORT library to load: an explicit option, else $YOLO_NATIVE_ORT_LIBRARY, else onnxruntime-node's own. */
export function defaultOrtLibrary(): string {
  if (process.env.YOLO_NATIVE_ORT_LIBRARY) return process.env.YOLO_NATIVE_ORT_LIBRARY;
  let ortNodeRoot: string;
  try {
    ortNodeRoot = dirname(require.resolve('onnxruntime-node/package.json'));
  } catch {
    throw new YoloError(ErrorCodes.ORT_LIBRARY, "onnxruntime-node is not installed and no ortLibrary / YOLO_NATIVE_ORT_LIBRARY was given");
  }
  const dir = join(ortNodeRoot, 'bin', 'napi-v6', process.platform, process.arch);
  const file = process.platform === 'win32' ? 'onnxruntime.dll' : process.platform === 'darwin' ? 'libonnxruntime.1.dylib' : 'libonnxruntime.so.1';
  return join(dir, file);
}
