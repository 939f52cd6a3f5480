/**
 * Server options: programmatic options first, then the environment, then defaults. Every value is validated here,
 * with messages that name the option, its valid range and the value received (the library's own checkNumeral: numbers, or decimal numerals as environment variables and flags give them).
 */
import { resolve } from 'node:path';
import { ErrorCodes, YoloError } from '../errors.js';
import { checkNumeral } from '../options.js';
import { parseKeys } from './keys.js';

export interface ServerOptions {
  /** Models directory: the registry (default $YOLO_NATIVE_MODELS_DIR, then ./models). */
  modelsDir?: string;
  /** API keys: an array, "k1,k2", or "@/path/to/file" (one per line). Default $YOLO_NATIVE_API_KEYS. Required. */
  apiKeys?: string | string[];
  /**
   * Calls per key per window; 0 = no limit. Default: shared mode $YOLO_NATIVE_RATE_LIMIT or 100 (the HUB free
   * tier); dedicated mode $YOLO_NATIVE_DEDICATED_RATE_LIMIT or 0 (none).
   */
  rateLimit?: number;
  /** Rate-limit window in ms (default 3600000: one hour). */
  rateLimitWindowMs?: number;
  /** Redis URL for the shared rate-limit store (default $REDIS_URL; unset = in-process store). */
  redisUrl?: string;
  /** Dedicated mode: the one model this server serves, pinned and warmed at start; the form's model is optional. */
  dedicated?: string;
  /** Most unpinned models resident at once (LRU; default 4). */
  maxModels?: number;
  /** Largest accepted upload in bytes (default 50 MiB). Larger: 413. */
  maxUploadBytes?: number;
  /** Largest decoded image in pixels (default 50 megapixels, imgproxy's limit; 0 = the library's). Larger: 413. */
  maxPixels?: number;
  /**
   * Most frames a video upload may have to process (default 300); a longer one gets 413 before any frame is decoded
   * when its container says how long it is, else as soon as the limit is passed.
   */
  maxFrames?: number;
  /**
   * Upload bytes the server holds at once across all requests (default 256 MiB, at least maxUploadBytes): a request
   * reserves its Content-Length (or maxUploadBytes) before its body is read; one that does not fit gets 503.
   */
  maxInflightBytes?: number;
  /** Wrong API keys a client address may send per minute before it gets 429 (default 20; 0 = no limit). */
  authFailureLimit?: number;
  /** Inferences running at once (default 1: ONNX Runtime's intra-op threads already use every core). */
  concurrency?: number;
  /** Requests that may wait for an inference slot (default 64); more get 503. */
  maxQueue?: number;
  /** Request timeout in ms: receiving the upload, and queue + inference (default 60000). */
  timeoutMs?: number;
  /** ONNX Runtime intra-op threads per model (default 0: one per physical core). */
  threads?: number;
  /** Fastify/pino log level, or false for no logging (default false programmatically, 'info' from the CLI). */
  logLevel?: string | false;
  /** Where environment defaults are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface ResolvedServerOptions {
  modelsDir: string;
  apiKeys: string[];
  rateLimit: number;
  rateLimitWindowMs: number;
  redisUrl?: string;
  dedicated?: string;
  maxModels: number;
  maxUploadBytes: number;
  maxPixels: number;
  maxFrames: number;
  maxInflightBytes: number;
  authFailureLimit: number;
  concurrency: number;
  maxQueue: number;
  timeoutMs: number;
  threads: number;
  logLevel: string | false;
}

export const SERVER_DEFAULTS = Object.freeze({
  sharedRateLimit: 100,
  dedicatedRateLimit: 0,
  rateLimitWindowMs: 3_600_000,
  maxModels: 4,
  maxUploadBytes: 50 * 1024 * 1024,
  maxPixels: 50_000_000,
  maxFrames: 300,
  maxInflightBytes: 256 * 1024 * 1024,
  authFailureLimit: 20,
  concurrency: 1,
  maxQueue: 64,
  timeoutMs: 60_000,
  threads: 0,
});

const OPTION_KEYS = [
  'modelsDir', 'apiKeys', 'rateLimit', 'rateLimitWindowMs', 'redisUrl', 'dedicated', 'maxModels', 'maxUploadBytes',
  'maxPixels', 'maxFrames', 'maxInflightBytes', 'authFailureLimit', 'concurrency', 'maxQueue', 'timeoutMs', 'threads', 'logLevel', 'env',
] as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function nonEmpty(v: string | undefined): string | undefined {
  return v !== undefined && v.trim() !== '' ? v.trim() : undefined;
}

export function resolveServerOptions(input: ServerOptions = {}): ResolvedServerOptions {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `server options must be an object; received ${JSON.stringify(input)}`, 'options');
  }
  for (const k of Object.keys(input)) {
    if (!(OPTION_KEYS as readonly string[]).includes(k)) throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `unknown server option '${k}'; valid: ${OPTION_KEYS.join(', ')}`, k);
  }
  const env = input.env ?? process.env;
  const dedicated = input.dedicated ?? nonEmpty(env.YOLO_NATIVE_DEDICATED);
  if (dedicated !== undefined && (typeof dedicated !== 'string' || dedicated.trim() === '')) {
    throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `dedicated must be a model reference; received ${JSON.stringify(dedicated)}`, 'dedicated');
  }
  const num = (name: keyof ServerOptions, envName: string | undefined, fallback: number, min: number, max: number, integer = true): number => {
    const v = input[name] ?? (envName ? nonEmpty(env[envName]) : undefined);
    return v === undefined ? fallback : checkNumeral(envName && input[name] === undefined ? `${envName} (${name})` : name, v, min, max, integer);
  };
  const keysSpec = input.apiKeys ?? nonEmpty(env.YOLO_NATIVE_API_KEYS);
  const apiKeys = keysSpec === undefined ? [] : parseKeys(keysSpec);
  if (apiKeys.length === 0) {
    throw new YoloError(ErrorCodes.INVALID_ARGUMENT, 'apiKeys: no API key configured; set YOLO_NATIVE_API_KEYS ("k1,k2" or "@/path/to/file") or --api-keys', 'apiKeys');
  }
  const redisUrl = input.redisUrl ?? nonEmpty(env.REDIS_URL);
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `redisUrl must be a redis:// or rediss:// URL; received ${JSON.stringify(redisUrl)}`, 'redisUrl');
  }
  const logLevel = input.logLevel ?? false;
  if (logLevel !== false && !LOG_LEVELS.includes(logLevel)) {
    throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `logLevel must be one of ${LOG_LEVELS.join(', ')} or false; received ${JSON.stringify(logLevel)}`, 'logLevel');
  }
  const r: ResolvedServerOptions = {
    modelsDir: resolve(input.modelsDir ?? nonEmpty(env.YOLO_NATIVE_MODELS_DIR) ?? 'models'),
    apiKeys,
    rateLimit: dedicated
      ? num('rateLimit', 'YOLO_NATIVE_DEDICATED_RATE_LIMIT', SERVER_DEFAULTS.dedicatedRateLimit, 0, 1e12)
      : num('rateLimit', 'YOLO_NATIVE_RATE_LIMIT', SERVER_DEFAULTS.sharedRateLimit, 0, 1e12),
    rateLimitWindowMs: num('rateLimitWindowMs', 'YOLO_NATIVE_RATE_WINDOW_MS', SERVER_DEFAULTS.rateLimitWindowMs, 1000, 366 * 86_400_000),
    maxModels: num('maxModels', 'YOLO_NATIVE_MAX_MODELS', SERVER_DEFAULTS.maxModels, 1, 1024),
    maxUploadBytes: num('maxUploadBytes', 'YOLO_NATIVE_MAX_UPLOAD_BYTES', SERVER_DEFAULTS.maxUploadBytes, 1, 2 ** 40),
    maxPixels: num('maxPixels', 'YOLO_NATIVE_MAX_PIXELS', SERVER_DEFAULTS.maxPixels, 0, Number.MAX_SAFE_INTEGER),
    maxFrames: num('maxFrames', 'YOLO_NATIVE_MAX_FRAMES', SERVER_DEFAULTS.maxFrames, 1, 1_000_000),
    maxInflightBytes: 0,
    authFailureLimit: num('authFailureLimit', 'YOLO_NATIVE_AUTH_FAILURE_LIMIT', SERVER_DEFAULTS.authFailureLimit, 0, 1e9),
    concurrency: num('concurrency', 'YOLO_NATIVE_CONCURRENCY', SERVER_DEFAULTS.concurrency, 1, 256),
    maxQueue: num('maxQueue', 'YOLO_NATIVE_MAX_QUEUE', SERVER_DEFAULTS.maxQueue, 0, 100_000),
    timeoutMs: num('timeoutMs', 'YOLO_NATIVE_TIMEOUT_MS', SERVER_DEFAULTS.timeoutMs, 100, 3_600_000),
    threads: num('threads', 'YOLO_NATIVE_THREADS', SERVER_DEFAULTS.threads, 0, 1024),
    logLevel,
  };
  r.maxInflightBytes = num('maxInflightBytes', 'YOLO_NATIVE_MAX_INFLIGHT_BYTES', Math.max(SERVER_DEFAULTS.maxInflightBytes, r.maxUploadBytes), r.maxUploadBytes, 2 ** 44);
  if (redisUrl !== undefined) r.redisUrl = redisUrl;
  if (dedicated !== undefined) r.dedicated = dedicated.trim();
  return r;
}
