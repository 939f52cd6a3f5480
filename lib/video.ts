/**
 * Streaming predictions: `for await (const frame of model.stream(video, opts))`. The native side opens the video
 * once (a path, or bytes spilled to a private temp file that is unlinked as soon as FFmpeg holds it) and each
 * `next(n)` decodes and predicts the next n processed frames on a worker thread. The generator keeps one chunk
 * in flight ahead of the consumer, and closes the native stream on completion, `break` / `return()`, or error.
 * An image input yields its single entry. A live source (rtsp://, http(s)://, /dev/video0, ...) is read by a capture
 * thread of its own (native/live_source.h): `close()` (break) stops it at once.
 */
import { ErrorCodes, YoloError, fromNative } from './errors.js';
import type { HubImage, HubResponse } from './hub.js';
import type { NativeModel, NativeVideoStream } from './native.js';
import { nativeCall } from './native-call.js';
import { LIVE_KEYS, resolveLiveOptions, resolvePredictOptions, type LiveOptions, type PredictOptions, type ResolvedLiveOptions, type ResolvedPredictOptions } from './options.js';

export interface StreamOptions extends PredictOptions, LiveOptions {
  /** Frames decoded and predicted per native call, 1-256 (default 1: the finest progress reporting). */
  chunkSize?: number;
  /**
   * Also write every processed frame, annotated as `plot` draws it, into this video file (.mp4, .mov, .mkv, .m4v:
   * MPEG-4; .avi: Motion JPEG) at the source's frame rate. The file is complete when the stream ends or is closed.
   */
  saveVideo?: string;
}

export interface ResolvedStreamOptions {
  predict: ResolvedPredictOptions;
  chunkSize: number;
  live: ResolvedLiveOptions;
  saveVideo?: string;
}

/** Resolved stream options: the predict and live-source options (validated in options.ts), the chunk size and saveVideo. */
export function resolveStreamOptions(options: unknown, live = false): ResolvedStreamOptions {
  let chunkSize = 1;
  let saveVideo: string | undefined;
  let rest: unknown = options;
  let liveOptions = resolveLiveOptions({}, live);
  if (options !== null && typeof options === 'object' && !Array.isArray(options)) {
    const { chunkSize: c, saveVideo: v, ...others } = options as Record<string, unknown>;
    if (c !== undefined) {
      if (typeof c !== 'number' || !Number.isInteger(c) || c < 1 || c > 256) {
        throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `chunkSize must be an integer in 1-256; received ${typeof c === 'number' ? c : JSON.stringify(c) ?? typeof c}`, 'chunkSize');
      }
      chunkSize = c;
    }
    if (v !== undefined) {
      if (typeof v !== 'string' || v.length === 0) throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `saveVideo must be a file path; received ${JSON.stringify(v) ?? typeof v}`, 'saveVideo');
      saveVideo = v;
    }
    liveOptions = resolveLiveOptions(others, live);
    for (const k of LIVE_KEYS) delete others[k];
    rest = others;
  }
  return { predict: resolvePredictOptions(rest), chunkSize, live: liveOptions, ...(saveVideo !== undefined ? { saveVideo } : {}) };
}

/** What a stream knows about its source (before it opens and after it ends: `{ closed: true }`). */
export interface StreamInfo {
  /** The source's frame rate, as its container or stream says (0 when unknown). */
  fps?: number;
  /** The container's frame count (-1 when unknown, always for live sources). */
  frameCount?: number;
  /** Live sources with buffer 'latest': frames skipped so far because inference was busy. */
  dropped?: number;
  closed: boolean;
}

/** The async iterable model.stream() returns: the entries, plus `info()` about the source. */
export interface ImageStream extends AsyncGenerator<HubImage, void, undefined> {
  info(): StreamInfo;
}

export function streamImages(handle: NativeModel, input: unknown, options: ResolvedStreamOptions): ImageStream {
  const holder: { stream?: NativeVideoStream } = {};
  const generator = run(handle, input, options, holder);
  return Object.assign(generator, { info: (): StreamInfo => holder.stream?.info() ?? { closed: true } });
}

async function* run(handle: NativeModel, input: unknown, options: ResolvedStreamOptions, holder: { stream?: NativeVideoStream }): AsyncGenerator<HubImage, void, undefined> {
  const call = nativeCall(options.predict);
  try {
    const native = { ...call.options, live: options.live, ...(options.saveVideo !== undefined ? { saveVideo: options.saveVideo } : {}) };
    yield* chunks(handle, input, native, options.chunkSize, holder);
  } finally {
    call.done();
  }
}

async function* chunks(handle: NativeModel, input: unknown, options: object, chunkSize: number, holder: { stream?: NativeVideoStream }): AsyncGenerator<HubImage, void, undefined> {
  let stream: NativeVideoStream | null;
  try {
    stream = await handle.openStream(input, options);
  } catch (e) {
    throw fromNative(e);
  }
  if (stream) holder.stream = stream;
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
