/**
 * The server's error mapping: one table from stable error codes (the library's YoloError codes plus the few
 * that only the server raises) to HTTP statuses, and one function that turns anything thrown into the contract's
 * `{"error": {"code", "message"}}` body.
 */
import { ErrorCodes, YoloError } from '../errors.js';

/** Codes only the server raises (the library never throws these). */
export const ServerErrorCodes = {
  UNAUTHORIZED: 'E_UNAUTHORIZED', // missing or unknown x-api-key
  RATE_LIMITED: 'E_RATE_LIMITED', // over the calls-per-window limit of the key
  DRAINING: 'E_DRAINING', // the server is shutting down (SIGTERM / SIGINT)
  OVERLOADED: 'E_OVERLOADED', // the inference queue is full
  TIMEOUT: 'E_TIMEOUT', // the request waited / ran longer than the request timeout
  NOT_FOUND: 'E_NOT_FOUND', // no such route
  UNSUPPORTED_MEDIA_TYPE: 'E_UNSUPPORTED_MEDIA_TYPE', // the body is not multipart/form-data
  UNAVAILABLE: 'E_UNAVAILABLE', // a backing service (the Redis rate-limit store) failed
} as const;

export type ServerErrorCode = (typeof ServerErrorCodes)[keyof typeof ServerErrorCodes];

/** Every code -> HTTP status. The one place statuses are decided. */
export const STATUS_OF: Readonly<Record<string, number>> = Object.freeze({
  [ErrorCodes.INVALID_ARGUMENT]: 400,
  [ErrorCodes.INVALID_INPUT]: 400,
  [ErrorCodes.FILE_NOT_FOUND]: 404,
  [ErrorCodes.EMPTY_INPUT]: 415,
  [ErrorCodes.DECODE_FAILED]: 415,
  [ErrorCodes.VIDEO_DECODE]: 415,
  [ErrorCodes.VIDEO_TOO_LONG]: 413,
  [ErrorCodes.ABORTED]: 503, // the request timed out (or its client left) while it ran
  [ErrorCodes.STREAM_FAILED]: 502, // a live source failed (the server takes uploads only; listed so that every code has a status)
  [ErrorCodes.IMAGE_TOO_LARGE]: 413,
  [ErrorCodes.MODEL_NOT_FOUND]: 404,
  [ErrorCodes.MODEL_INVALID]: 500, // a .onnx file in the operator's models directory that is not ONNX
  [ErrorCodes.MODEL_UNSUPPORTED]: 500,
  [ErrorCodes.ORT_LIBRARY]: 500,
  [ErrorCodes.PROVIDER]: 500,
  [ErrorCodes.INFERENCE]: 500,
  [ErrorCodes.DISPOSED]: 503,
  [ErrorCodes.DOWNLOAD_FAILED]: 502,
  [ErrorCodes.NATIVE_ADDON]: 500,
  [ErrorCodes.INTERNAL]: 500,
  [ServerErrorCodes.UNAUTHORIZED]: 401,
  [ServerErrorCodes.RATE_LIMITED]: 429,
  [ServerErrorCodes.DRAINING]: 503,
  [ServerErrorCodes.OVERLOADED]: 503,
  [ServerErrorCodes.TIMEOUT]: 503,
  [ServerErrorCodes.NOT_FOUND]: 404,
  [ServerErrorCodes.UNSUPPORTED_MEDIA_TYPE]: 415,
  [ServerErrorCodes.UNAVAILABLE]: 503,
});

/** An error the server raises itself; carries its code (the status comes from STATUS_OF). */
export class HttpError extends Error {
  readonly code: string;
  /** Extra response headers (Retry-After). */
  readonly headers?: Record<string, string>;
  constructor(code: string, message: string, headers?: Record<string, string>) {
    super(message);
    this.name = 'HttpError';
    this.code = code;
    if (headers) this.headers = headers;
  }
}

export interface ErrorBody {
  error: { code: string; message: string };
}

/** Maps Fastify's and its plugins' own errors (FST_*) onto our codes. */
function fromFramework(e: { code?: string; statusCode?: number; message?: string }, limits: { maxUploadBytes: number }): [string, string] | undefined {
  switch (e.code) {
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return [ErrorCodes.IMAGE_TOO_LARGE, `file must be at most ${limits.maxUploadBytes} bytes (the server's upload limit); received more`];
    case 'FST_FILES_LIMIT':
      return [ErrorCodes.INVALID_ARGUMENT, 'file must be sent exactly once; received more than one file part'];
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return [ErrorCodes.INVALID_ARGUMENT, 'the form has too many fields; valid fields: file, model, imgsz, conf, iou, plot'];
    case 'FST_PROTO_VIOLATION':
      return [ErrorCodes.INVALID_ARGUMENT, 'the form has a field named after a prototype property; valid fields: file, model, imgsz, conf, iou, plot'];
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return [ServerErrorCodes.UNSUPPORTED_MEDIA_TYPE, `the request body must be multipart/form-data (file, model, imgsz, conf, iou, plot); ${e.message ?? ''}`.trim()];
    case 'FST_MP_PREMATURE_CLOSE':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return [ErrorCodes.INVALID_ARGUMENT, e.message ?? 'malformed request body'];
    default:
      if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
        if (e.statusCode === 413) return [ErrorCodes.IMAGE_TOO_LARGE, e.message ?? 'request too large'];
        if (e.statusCode === 415) return [ServerErrorCodes.UNSUPPORTED_MEDIA_TYPE, e.message ?? 'unsupported media type'];
        if (e.statusCode === 404) return [ServerErrorCodes.NOT_FOUND, e.message ?? 'not found'];
        return [ErrorCodes.INVALID_ARGUMENT, e.message ?? 'bad request'];
      }
      return undefined;
  }
}

/**
 * What a client is told of a server-side failure: the library's messages for these name the server's files (model
 * paths, ONNX Runtime's and OpenCV's own text), which stay in the server's log.
 */
const PUBLIC_MESSAGE: Readonly<Record<string, string>> = Object.freeze({
  [ErrorCodes.MODEL_INVALID]: 'the requested model cannot be loaded by this server (see its log)',
  [ErrorCodes.MODEL_UNSUPPORTED]: 'the requested model is not a YOLO export this server can run (see its log)',
  [ErrorCodes.ORT_LIBRARY]: 'the inference runtime is not available on this server (see its log)',
  [ErrorCodes.PROVIDER]: 'the inference runtime is not available on this server (see its log)',
  [ErrorCodes.INFERENCE]: 'the inference failed on this server (see its log)',
  [ErrorCodes.NATIVE_ADDON]: 'the inference runtime is not available on this server (see its log)',
});

/** Anything thrown -> [status, body, extra headers]. */
export function toErrorResponse(error: unknown, limits: { maxUploadBytes: number }): [number, ErrorBody, Record<string, string> | undefined] {
  let code: string;
  let message: string;
  let headers: Record<string, string> | undefined;
  if (error instanceof YoloError || error instanceof HttpError) {
    code = error.code;
    message = error.message;
    if (error instanceof HttpError) headers = error.headers;
  } else {
    const e = (error ?? {}) as { code?: string; statusCode?: number; message?: string };
    const known = typeof e.code === 'string' && e.code in STATUS_OF;
    const mapped = known ? undefined : fromFramework(e, limits);
    if (known) [code, message] = [e.code as string, e.message ?? String(error)];
    else if (mapped) [code, message] = mapped;
    else [code, message] = [ErrorCodes.INTERNAL, 'internal server error'];
  }
  const status = STATUS_OF[code] ?? 500;
  if (status >= 500 && !(error instanceof HttpError)) message = PUBLIC_MESSAGE[code] ?? (status === 500 ? 'internal server error' : message);
  return [status, { error: { code, message } }, headers];
}
