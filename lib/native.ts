/** Loads the compiled addon and finds the default ONNX Runtime library (the one onnxruntime-node ships). */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ErrorCodes, YoloError } from './errors.js';

import type { HubImage, HubResponse } from './hub.js';

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
  /** The file ONNX Runtime built the session from (the model, or its optimized-model cache entry). */
  sessionPath: string;
  /** ONNX Runtime session config entries in force. */
  sessionConfig: Record<string, string>;
  /** The intra-op thread count the session was built with. */
  intraOpThreads: number;
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

export interface NativeInputPlan {
  imgsz: number;
  target: [number, number];
  rect: boolean;
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
  /** The network input a request at imgsz would get: the size it runs at, the letterbox target, rect padding. */
  plan(imgsz: number, rect: boolean): NativeInputPlan;
  dispose(): void;
}

/** Hooks for the test suite only (native/test_hooks.cc). */
export interface NativeTestHooks {
  letterboxTensor(image: Uint8Array, imgsz: number, autoPad: boolean, stride?: number, simd?: boolean): { data: Float32Array; shape: number[] };
  classifyTensor(image: Uint8Array, height: number, width?: number, simd?: boolean): { data: Float32Array; shape: number[] };
  /** The validator's letterbox geometry (native PlanValLetterbox). */
  valLetterboxPlan(origH: number, origW: number, imgsz: number, targetH: number, targetW: number): { newH: number; newW: number; top: number; left: number; inH: number; inW: number };
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

interface NodeGypBuild {
  parseTuple(name: string): { name: string; platforms: string; architectures: string[] } | undefined;
  matchTuple(platform: string, arch: string): (tuple: unknown) => boolean;
  compareTuples(a: unknown, b: unknown): number;
  parseTags(file: string): { file: string } | undefined;
  matchTags(runtime: string, abi: string): (tags: unknown) => boolean;
  compareTags(runtime: string): (a: unknown, b: unknown) => number;
}

/** The prebuilt addon for this platform in prebuilds/<platform>-<arch>/, chosen by node-gyp-build's own tag rules
 * (N-API, libc), or undefined. */
function prebuildFor(dir: string): string | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const gyp = require('node-gyp-build') as NodeGypBuild;
  const list = (d: string) => { try { return readdirSync(d); } catch { return []; } };
  const tuple = list(dir).map(gyp.parseTuple).filter((t) => t && gyp.matchTuple(process.platform, process.arch)(t)).sort(gyp.compareTuples)[0];
  if (!tuple) return undefined;
  const files = list(join(dir, tuple.name)).map(gyp.parseTags).filter((t) => t && gyp.matchTags('node', process.versions.modules)(t));
  const winner = files.sort(gyp.compareTags('node'))[0];
  return winner ? join(dir, tuple.name, winner.file) : undefined;
}

/**
 * Loads the addon: $YOLO_NATIVE_BINDING if set (that file only), else the prebuilt binary for this platform
 * (prebuilds/linux-x64, prebuilds/linux-arm64: static, glibc), else a source build (build/Release, build/Debug).
 * The first that loads wins; when none does, a YoloError E_NATIVE_ADDON says what was looked for and why it failed.
 */
export function native(): NativeBinding {
  if (binding) return binding;
  const explicit = process.env.YOLO_NATIVE_BINDING;
  const candidates = explicit
    ? [explicit]
    : [prebuildFor(join(packageRoot, 'prebuilds')), join(packageRoot, 'build', 'Release', 'yolo_native.node'), join(packageRoot, 'build', 'Debug', 'yolo_native.node')].filter(
        (p): p is string => !!p,
      );
  const failures: string[] = [];
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      binding = require(file) as NativeBinding;
      return binding;
    } catch (e) {
      failures.push(`${file}: ${(e as Error).message}`);
    }
  }
  const platform = `${process.platform}-${process.arch} (Node ${process.versions.node}, N-API ${process.versions.napi})`;
  const looked = explicit
    ? `YOLO_NATIVE_BINDING=${explicit}`
    : `${join(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`)}/*.node, ${join(packageRoot, 'build', 'Release', 'yolo_native.node')}, ${join(packageRoot, 'build', 'Debug', 'yolo_native.node')}`;
  throw new YoloError(
    ErrorCodes.NATIVE_ADDON,
    (failures.length ? `the yolo-native addon failed to load on ${platform}:\n  ${failures.join('\n  ')}` : `no yolo-native addon fits ${platform}; looked for ${looked}`) +
      "\nPrebuilt binaries exist for linux-x64 and linux-arm64 (glibc >= 2.29). Elsewhere, build from source in a clone of the repository ('bash scripts/build-deps.sh <x64|arm64>' then 'npm run prebuild' for the static build, or 'npm run build:native' against the system's OpenCV) and point YOLO_NATIVE_BINDING at the .node it makes; see docs/packaging.md.",
  );
}

/**
 * The ORT library to load: $YOLO_NATIVE_ORT_LIBRARY, else the one shipped beside the prebuilt addon
 * (prebuilds/<platform>-<arch>/libonnxruntime.so.1), else onnxruntime-node's own when it is installed (a source
 * checkout). The ortLibrary load option overrides all of them.
 */
export function defaultOrtLibrary(): string {
  if (process.env.YOLO_NATIVE_ORT_LIBRARY) return process.env.YOLO_NATIVE_ORT_LIBRARY;
  const shipped = join(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`, 'libonnxruntime.so.1');
  if (existsSync(shipped)) return shipped;
  let ortNodeRoot: string;
  try {
    ortNodeRoot = dirname(require.resolve('onnxruntime-node/package.json'));
  } catch {
    throw new YoloError(
      ErrorCodes.ORT_LIBRARY,
      `no ONNX Runtime library: none ships for ${process.platform}-${process.arch} (looked for ${shipped}), onnxruntime-node is not installed, and no ortLibrary / YOLO_NATIVE_ORT_LIBRARY was given`,
    );
  }
  const dir = join(ortNodeRoot, 'bin', 'napi-v6', process.platform, process.arch);
  const file = process.platform === 'win32' ? 'onnxruntime.dll' : process.platform === 'darwin' ? 'libonnxruntime.1.dylib' : 'libonnxruntime.so.1';
  return join(dir, file);
}
