/** Loads the compiled addon and finds the default ONNX Runtime library (the one onnxruntime-node ships). */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ErrorCodes, YoloError } from './errors.js';

export interface NativeImage {
  results: unknown[];
  shape: [number, number];
  speed: { preprocess: number; inference: number; postprocess: number };
  inputShape: [number, number];
  top?: { name: string; class: number; confidence: number }[];
  frame?: number;
}

export interface NativeModelInfo {
  task: 'detect' | 'segment' | 'pose' | 'obb' | 'classify';
  /** output0 layout: the raw head, end-to-end rows (YOLOv10, YOLO26), nms=True rows, or decided per run. */
  head: 'classic' | 'end2end' | 'nms' | 'auto';
  names: string[];
  stride: number;
  imgsz: [number, number];
  dynamic: boolean;
  dynamicBatch: boolean;
  inputShape: (number | null)[];
  kptShape?: [number, number];
  metadata: Record<string, string>;
  path: string;
}

export interface NativeVideoStream {
  /** The next n processed frames (an empty array once the video has ended). One call at a time. */
  next(n: number): Promise<NativeImage[]>;
  /** Releases the decoder (and the spilled temp file); idempotent. */
  close(): void;
  info(): { fps?: number; frameCount?: number; closed: boolean };
}

export interface NativeModel {
  predict(inputs: (Uint8Array | string)[], options: object): Promise<NativeImage[]>;
  /** Opens a video for chunked prediction; null when the input is an image. */
  openStream(input: Uint8Array | string, options: object): Promise<NativeVideoStream | null>;
  dispose(): void;
  info(): NativeModelInfo;
  [extra: string]: unknown;
}

export interface NativeBinding {
  load(path: string, options: object): Promise<NativeModel>;
  letterboxTensor(image: Uint8Array, imgsz: number, autoPad: boolean, stride?: number, simd?: boolean): { data: Float32Array; shape: number[] };
  classifyTensor(image: Uint8Array, height: number, width?: number, simd?: boolean): { data: Float32Array; shape: number[] };
  /** Test hook: decodes like predict (JPEGs through libjpeg directly unless `opencv`, or it declines) into BGR rows at
   * 1/reduction scale; `direct` says which path ran, `ms` times the decode alone. */
  decodeImage(
    image: Uint8Array,
    options?: { opencv?: boolean; reduction?: 1 | 2 | 4 | 8 },
  ): { width: number; height: number; data: Buffer; direct: boolean; ms: number };
  nms(boxes: Float32Array, iou: number, rotated: boolean, simd: boolean): number[];
  runtimeInfo(): { ortLibrary: string; ortVersion: string; simd: string; ortApiVersion: number };
  /** Whether the input is a video (bytes: magic numbers; a path: its content, then its extension). */
  isVideo(input: Uint8Array | string): boolean;
  /** Test hook: native video readers alive. */
  liveVideoReaders(): number;
  [extra: string]: unknown;
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
