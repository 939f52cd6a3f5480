/** The options object of one native call, and the wiring of the caller's AbortSignal to the native abort flag. */
import { tmpdir } from 'node:os';
import { ErrorCodes, YoloError } from './errors.js';
import { native } from './native.js';
import type { ResolvedPredictOptions } from './options.js';

/**
 * The options object handed to the native side: the resolved options, where video bytes are spilled, and an abort
 * flag wired to the caller's AbortSignal. `done()` unhooks the signal once the call settles.
 */
export function nativeCall(o: ResolvedPredictOptions): { options: object; done: () => void } {
  const { signal, ...rest } = o;
  if (!signal) return { options: { ...rest, tmpdir: tmpdir() }, done: () => undefined };
  if (signal.aborted) throw new YoloError(ErrorCodes.ABORTED, 'the call was aborted before it started', 'signal');
  const abortFlag = native().createAbortFlag();
  const onAbort = () => abortFlag.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  return { options: { ...rest, tmpdir: tmpdir(), abortFlag }, done: () => signal.removeEventListener('abort', onAbort) };
}

