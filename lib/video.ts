/**
 * Streaming predictions: `for await (const frame of model.stream(video, opts))`. The native side opens the video
 * once (a path, or bytes spilled to a private temp file that is unlinked as soon as FFmpeg holds it) and each
 * `next(n)` decodes and predicts the next n processed frames on a worker thread. The generator keeps one chunk
 * in flight ahead of the consumer, and closes the native stream on completion, `break` / `return()`, or error.
 * An image input yields its single entry.
 */
import { ErrorCodes, YoloError, fromNative } from './errors.js';
import type { HubImage, HubResponse } from './hub.js';
import type { NativeModel, NativeVideoStream } from './native.js';
import { nativeCall } from './native-call.js';
import { resolvePredictOptions, type PredictOptions, type ResolvedPredictOptions } from './options.js';

export interface StreamOptions extends PredictOptions {
  /** Frames decoded and predicted per native call, 1-256 (default 1: the finest progress reporting). */
  chunkSize?: number;
}

/** Resolved stream options: the predict options (validated in options.ts) plus the chunk size. */
export function resolveStreamOptions(options: unknown): { predict: ResolvedPredictOptions; chunkSize: number } {
  let chunkSize = 1;
  let rest: unknown = options;
  if (options !== null && typeof options === 'object' && !Array.isArray(options) && 'chunkSize' in options) {
    const { chunkSize: c, ...others } = options as Record<string, unknown>;
    if (c !== undefined) {
      if (typeof c !== 'number' || !Number.isInteger(c) || c < 1 || c > 256) {
        throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `chunkSize must be an integer in 1-256; received ${typeof c === 'number' ? c : JSON.stringify(c) ?? typeof c}`, 'chunkSize');
      }
      chunkSize = c;
    }
    rest = others;
  }
  return { predict: resolvePredictOptions(rest), chunkSize };
}

export async function* streamImages(
  handle: NativeModel,
  input: Uint8Array | string,
  options: { predict: ResolvedPredictOptions; chunkSize: number },
): AsyncGenerator<HubImage, void, undefined> {
  const call = nativeCall(options.predict);
  try {
    yield* chunks(handle, input, call.options, options.chunkSize);
  } finally {
    call.done();
  }
}

async function* chunks(handle: NativeModel, input: Uint8Array | string, options: object, chunkSize: number): AsyncGenerator<HubImage, void, undefined> {
  let stream: NativeVideoStream | null;
  try {
    stream = await handle.openStream(input, options);
  } catch (e) {
    throw fromNative(e);
  }
  if (stream === null) {
    // An image: one entry, through the ordinary predict path.
    let response: HubResponse;
    try {
      response = await handle.predict([input], options);
    } catch (e) {
      throw fromNative(e);
    }
    yield* response.images;
    return;
  }
  const s = stream;
  let pending: Promise<HubImage[]> | undefined;
  try {
    pending = s.next(chunkSize);
    for (;;) {
      let chunk: HubImage[];
      try {
        chunk = await pending;
      } catch (e) {
        pending = undefined;
        throw fromNative(e);
      }
      pending = undefined;
      if (chunk.length === 0) return;
      pending = s.next(chunkSize); // decode + predict the next chunk while the consumer handles this one
      yield* chunk;
    }
  } finally {
    // Early exit with a chunk in flight: the native worker keeps the reader alive until it settles; nobody
    // awaits it any more, so swallow its outcome.
    if (pending) pending.catch(() => undefined);
    s.close();
  }
}
