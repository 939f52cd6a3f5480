export { loadModel, predict, clearModelCache, cachedModels, Model, normalizeInputs } from './model.js';
export type { Head, ImageInput } from './model.js';
export type { Task, HubResponse, HubImage, HubResult, HubMetadata, Box, ObbBox } from './hub.js';
export type { NativeModelInfo as ModelInfo, NativeModelStats as ModelStats } from './native.js';
export { YoloError, ErrorCodes } from './errors.js';
export type { ErrorCode } from './errors.js';
export { resolvePredictOptions, resolveLoadOptions, physicalCores, PREDICT_DEFAULTS, LOAD_DEFAULTS, LIVE_DEFAULTS } from './options.js';
export type { PredictOptions, LoadOptions, Provider, PlotOptions, LiveOptions } from './options.js';
export type { RawFrameInput, RawFrame, SharpRawFrame, ImageDataLike, MatLike, PixelFormat } from './raw-frame.js';
export { isLiveSource } from './live.js';
export type { StreamOptions, ImageStream, StreamInfo } from './video.js';
export type { ValOptions, ValProgress } from './val/options.js';
export type { ValResult, DetectionValResult, ClassifyValResult, ValMetrics, ValClassRow } from './val/validator.js';
export type { LabelProblem } from './val/labels.js';
export type { BenchOptions, BenchResult, BenchProgress } from './bench/bench.js';
export { resolveModelPath, hubModelId, defaultModelsDir } from './resolve.js';
export { version } from './version.js';

import { native } from './native.js';
/** Loaded ONNX Runtime library and version, and the active SIMD path. */
export function runtimeInfo() {
  return native().runtimeInfo();
}
export { downloadModel } from './download.js';
export type { DownloadOptions } from './download.js';

/** Whether an input is a video rather than an image (bytes: magic numbers; a path: its content, then its extension). */
export function isVideo(input: Uint8Array | string): boolean {
  return native().isVideo(input);
}

// The REST server: Fastify, prom-client and ioredis load only when a server is created.
export { createServer } from './server/index.js';
export type { ServerOptions, ResolvedServerOptions, YoloServer, ListenOptions } from './server/index.js';
