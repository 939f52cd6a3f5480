/** model.val() options: Ultralytics' val defaults, validated here (numbers only: the CLI converts its flags). */
import { ErrorCodes, YoloError } from '../errors.js';
import type { Task } from '../model.js';

export interface ValProgress {
  /** Images evaluated so far, of `total`. */
  done: number;
  total: number;
  elapsedMs: number;
}

export interface ValOptions {
  /** Inference size (default 640). Dynamic models round it up to the stride; static models use their own size. */
  imgsz?: number;
  /** Confidence threshold, 0-1 (default 0.001; 0.01 for OBB, as Ultralytics). */
  conf?: number;
  /** NMS IoU threshold, 0-1 (default 0.7). */
  iou?: number;
  /** Most detections per image (default 300). */
  maxDet?: number;
  /** Which split of the dataset yaml (default 'val'; 'val' falls back to 'test' when the yaml has none). */
  split?: string;
  /** Dynamic models: Ultralytics' rect val shapes (default true); false letterboxes to imgsz x imgsz. */
  rect?: boolean;
  /** Called after every image. */
  onProgress?: (progress: ValProgress) => void;
}

export interface ResolvedValOptions {
  imgsz: number;
  conf: number;
  iou: number;
  maxDet: number;
  split: string;
  rect: boolean;
  onProgress?: (progress: ValProgress) => void;
}

const KEYS = ['imgsz', 'conf', 'iou', 'maxDet', 'split', 'rect', 'onProgress'];

function invalid(argument: string, expected: string, value: unknown): never {
  throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `${argument} must be ${expected}; received ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`, argument);
}

function number(argument: string, value: unknown, min: number, max: number, integer: boolean): number {
  const expected = `${integer ? 'an integer' : 'a number'} in [${min}, ${max}]`;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) invalid(argument, expected, value);
  return value;
}

export function resolveValOptions(input: unknown, task: Task): ResolvedValOptions {
  if (input !== undefined && input !== null && (typeof input !== 'object' || Array.isArray(input))) invalid('options', 'an object', input);
  const o = (input ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KEYS.includes(key)) throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `unknown val option '${key}'; valid: ${KEYS.join(', ')}`, key);
  }
  const r: ResolvedValOptions = { imgsz: 640, conf: task === 'obb' ? 0.01 : 0.001, iou: 0.7, maxDet: 300, split: 'val', rect: true };
  if (o.imgsz !== undefined) r.imgsz = number('imgsz', o.imgsz, 1, 65536, true);
  if (o.conf !== undefined) r.conf = number('conf', o.conf, 0, 1, false);
  if (o.iou !== undefined) r.iou = number('iou', o.iou, 0, 1, false);
  if (o.maxDet !== undefined) r.maxDet = number('maxDet', o.maxDet, 1, 30000, true);
  if (o.split !== undefined) {
    if (typeof o.split !== 'string' || !/^[\w.-]+$/.test(o.split)) invalid('split', "a split name such as 'val'", o.split);
    r.split = o.split;
  }
  if (o.rect !== undefined) {
    if (typeof o.rect !== 'boolean') invalid('rect', 'a boolean', o.rect);
    r.rect = o.rect;
  }
  if (o.onProgress !== undefined) {
    if (typeof o.onProgress !== 'function') invalid('onProgress', 'a function', o.onProgress);
    r.onProgress = o.onProgress as ResolvedValOptions['onProgress'];
  }
  return r;
}
