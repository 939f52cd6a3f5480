/**
 * The one error type of yolo-native. `code` is stable (switch on it); `message` says what was wrong, the valid
 * range or form, and the value received. Native errors arrive with the same codes (native/errors.h).
 */
export const ErrorCodes = {
  INVALID_ARGUMENT: 'E_INVALID_ARGUMENT', // an option is of the wrong type or out of range
  INVALID_INPUT: 'E_INVALID_INPUT', // the input is not a Buffer/Uint8Array/path (or a path that is not a file)
  FILE_NOT_FOUND: 'E_FILE_NOT_FOUND', // an input or model path does not exist
  EMPTY_INPUT: 'E_EMPTY_INPUT', // a zero-byte input
  DECODE_FAILED: 'E_DECODE_FAILED', // not a decodable (or a truncated / corrupt) image
  IMAGE_TOO_LARGE: 'E_IMAGE_TOO_LARGE', // more pixels than maxPixels (image or video frame)
  MODEL_NOT_FOUND: 'E_MODEL_NOT_FOUND', // a model name / id that resolves to no file
  MODEL_INVALID: 'E_MODEL_INVALID', // not an ONNX model
  MODEL_UNSUPPORTED: 'E_MODEL_UNSUPPORTED', // ONNX, but not a YOLO export this library understands
  ORT_LIBRARY: 'E_ORT_LIBRARY', // the ONNX Runtime library cannot be loaded
  PROVIDER: 'E_PROVIDER', // an execution provider is not available
  INFERENCE: 'E_INFERENCE', // ONNX Runtime failed while running
  DISPOSED: 'E_DISPOSED', // the model was disposed
  VIDEO_DECODE: 'E_VIDEO_DECODE', // a video that cannot be opened or decoded
  VIDEO_TOO_LONG: 'E_VIDEO_TOO_LONG', // more frames to process than maxVideoFrames
  ABORTED: 'E_ABORTED', // the call's AbortSignal fired before it finished
  STREAM_FAILED: 'E_STREAM_FAILED', // a live source could not be opened, or was lost and could not be reopened
  DOWNLOAD_FAILED: 'E_DOWNLOAD_FAILED', // fetching model weights failed
  NATIVE_ADDON: 'E_NATIVE_ADDON', // no prebuilt or source-built addon fits this platform, or it failed to load
  INTERNAL: 'E_INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class YoloError extends Error {
  readonly code: ErrorCode;
  /** The option or argument at fault, when there is one. */
  readonly argument?: string;

  constructor(code: ErrorCode, message: string, argument?: string) {
    super(message);
    this.name = 'YoloError';
    this.code = code;
    if (argument !== undefined) this.argument = argument;
  }
}

/** Wraps whatever the native layer threw into a YoloError, keeping its code. */
export function fromNative(error: unknown): YoloError {
  if (error instanceof YoloError) return error;
  const e = error as { code?: string; message?: string };
  const known = Object.values(ErrorCodes) as string[];
  const code = (e && typeof e.code === 'string' && known.includes(e.code) ? e.code : ErrorCodes.INTERNAL) as ErrorCode;
  return new YoloError(code, e?.message ?? String(error));
}
