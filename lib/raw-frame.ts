/**
 * Raw pixel frames: recognises the shapes callers hold (by shape alone, without depending on their libraries) and
 * hands the native side one form, `{ format, data: Uint8Array, width, height, stride }`, over the caller's own memory
 * (a view, never a copy or a conversion here). The native side checks the sizes against the data and copies the rows
 * (native/raw_frame.h says why), then converts the pixels into the letterbox in one pass.
 *
 * - `{ data, width, height, format, channels?, stride? }`: format 'bgr' | 'rgb' | 'bgra' | 'rgba' | 'gray'.
 * - sharp's raw output `{ data, info: { width, height, channels } }` (`.raw().toBuffer({ resolveWithObject: true })`):
 *   RGB order; 1, 3 or 4 channels (gray, rgb, rgba).
 * - `ImageData` and look-alikes `{ data: Uint8ClampedArray, width, height }`: RGBA.
 * - An opencv4nodejs `Mat` (`rows`, `cols`, `channels`, `getData()`): BGR order; 1, 3 or 4 channels, 8-bit.
 */
import { ErrorCodes, YoloError } from './errors.js';

export type PixelFormat = 'bgr' | 'rgb' | 'bgra' | 'rgba' | 'gray';

/** Channels of each format. */
export const PIXEL_FORMATS: Readonly<Record<PixelFormat, number>> = Object.freeze({ bgr: 3, rgb: 3, bgra: 4, rgba: 4, gray: 1 });

type Bytes = Uint8Array | Uint8ClampedArray | ArrayBuffer;

/** A frame described in full. */
export interface RawFrame {
  data: Bytes;
  width: number;
  height: number;
  format: PixelFormat;
  /** Optional: must equal the format's channel count. */
  channels?: number;
  /** Bytes per row (default width * channels): padded rows from camera APIs. */
  stride?: number;
}
/** sharp's `{ data, info }` from `.raw().toBuffer({ resolveWithObject: true })` (RGB order). */
export interface SharpRawFrame {
  data: Uint8Array;
  info: { width: number; height: number; channels: number };
}
/** A canvas `ImageData` or look-alike (RGBA). */
export interface ImageDataLike {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}
/** An opencv4nodejs `Mat` or look-alike (BGR order, 8-bit). */
export interface MatLike {
  rows: number;
  cols: number;
  channels: number;
  depth?: number;
  getData(): Uint8Array;
}
export type RawFrameInput = RawFrame | SharpRawFrame | ImageDataLike | MatLike;

/** What the native side takes. */
export interface NativeRawFrame {
  format: PixelFormat;
  data: Uint8Array;
  width: number;
  height: number;
  /** 0 = width * channels. */
  stride: number;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array) && !(x instanceof ArrayBuffer);
}

/** Whether `input` has one of the raw-frame shapes (not whether it is valid: toNativeRawFrame says that). */
export function isRawFrame(input: unknown): boolean {
  if (!isObject(input)) return false;
  return 'format' in input || ('info' in input && 'data' in input) || (typeof input.getData === 'function' && 'rows' in input && 'cols' in input) ||
    (input.data instanceof Uint8ClampedArray && 'width' in input && 'height' in input);
}

function bad(where: string, message: string): never {
  throw new YoloError(ErrorCodes.INVALID_INPUT, `${where}: ${message}`, 'input');
}

function shown(v: unknown): string {
  try {
    return typeof v === 'object' && v !== null ? ((v as object).constructor?.name ?? 'object') : String(JSON.stringify(v) ?? v);
  } catch {
    return typeof v;
  }
}

/** The bytes of `data` as a Uint8Array view over the same memory (8-bit data only). */
function bytesOf(where: string, field: string, data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof Uint8ClampedArray) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return bad(where, `${field} must be a Buffer, Uint8Array, Uint8ClampedArray or ArrayBuffer of 8-bit pixels; received ${shown(data)}`);
}

function number(where: string, field: string, v: unknown): number {
  if (typeof v !== 'number') bad(where, `${field} must be a number; received ${shown(v)}`);
  return v as number;
}

function formatOf(where: string, field: string, channels: unknown, byChannels: Record<number, PixelFormat>): PixelFormat {
  const f = typeof channels === 'number' ? byChannels[channels] : undefined;
  if (!f) bad(where, `${field} must be ${Object.keys(byChannels).join(', ')}; received ${shown(channels)}`);
  return f as PixelFormat;
}

/** The native form of a raw frame, or E_INVALID_INPUT naming the field at fault. `where` names the input ("input #0"). */
export function toNativeRawFrame(input: Record<string, unknown>, where: string): NativeRawFrame {
  if ('format' in input) {
    const format = input.format as PixelFormat;
    if (typeof format !== 'string' || !(format in PIXEL_FORMATS)) {
      bad(where, `format must be one of ${Object.keys(PIXEL_FORMATS).map((f) => `'${f}'`).join(', ')}; received ${shown(input.format)}`);
    }
    const channels = PIXEL_FORMATS[format];
    if (input.channels !== undefined && input.channels !== channels) bad(where, `channels must be ${channels} for format '${format}'; received ${shown(input.channels)}`);
    return {
      format,
      data: bytesOf(where, 'data', input.data),
      width: number(where, 'width', input.width),
      height: number(where, 'height', input.height),
      stride: input.stride === undefined ? 0 : number(where, 'stride', input.stride),
    };
  }
  if ('info' in input && 'data' in input) {
    const info = input.info as Record<string, unknown>;
    if (!isObject(info)) bad(where, `info must be sharp's { width, height, channels }; received ${shown(info)}`);
    return {
      format: formatOf(where, 'info.channels', info.channels, { 1: 'gray', 3: 'rgb', 4: 'rgba' }),
      data: bytesOf(where, 'data', input.data),
      width: number(where, 'info.width', info.width),
      height: number(where, 'info.height', info.height),
      stride: 0,
    };
  }
  if (typeof input.getData === 'function') {
    if (input.depth !== undefined && input.depth !== 0) bad(where, `the Mat's depth must be CV_8U (0); received ${shown(input.depth)}`);
    const format = formatOf(where, 'channels', input.channels, { 1: 'gray', 3: 'bgr', 4: 'bgra' });
    const width = number(where, 'cols', input.cols);
    const height = number(where, 'rows', input.rows);
    return { format, data: bytesOf(where, 'getData()', (input.getData as () => unknown)()), width, height, stride: 0 };
  }
  return { format: 'rgba', data: bytesOf(where, 'data', input.data), width: number(where, 'width', input.width), height: number(where, 'height', input.height), stride: 0 };
}
