/**
 * Model references: a file path, a name under a models directory ("yolov8n", "yolov8n.onnx", "fp32/yolov8n-640"),
 * or a HUB model URL / bare HUB id, looked up in `<modelsDir>/models.json` ({"<id>": "file.onnx"}) or as
 * `<modelsDir>/<id>.onnx`.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ErrorCodes, YoloError } from './errors.js';

const HUB_URL = /^https?:\/\/hub\.ultralytics\.com\/models\/([A-Za-z0-9_-]+)\/?$/;

export function defaultModelsDir(): string {
  return process.env.YOLO_NATIVE_MODELS_DIR || resolve('models');
}

/** The HUB id of a HUB model URL, or undefined. */
export function hubModelId(ref: string): string | undefined {
  return HUB_URL.exec(ref.trim())?.[1];
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function readHubMap(modelsDir: string): Record<string, string> {
  const mapFile = join(modelsDir, 'models.json');
  if (!existsSync(mapFile)) return {};
  try {
    const parsed = JSON.parse(readFileSync(mapFile, 'utf8'));
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch (e) {
    throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `cannot parse ${mapFile}: ${(e as Error).message}`, 'modelsDir');
  }
}

/** Files a name may mean inside modelsDir, searched there and one folder down (e.g. fp32/, int8/). */
function lookInDir(modelsDir: string, name: string): string | undefined {
  const names = name.endsWith('.onnx') ? [name] : [`${name}.onnx`, name];
  const dirs = [modelsDir];
  try {
    for (const entry of readdirSync(modelsDir, { withFileTypes: true })) if (entry.isDirectory()) dirs.push(join(modelsDir, entry.name));
  } catch {
    return undefined;
  }
  for (const dir of dirs) for (const n of names) if (isFile(join(dir, n))) return join(dir, n);
  return undefined;
}

/** Resolves a model reference to an existing file, or throws E_MODEL_NOT_FOUND naming where it looked. */
export function resolveModelPath(ref: string, modelsDir = defaultModelsDir()): string {
  if (typeof ref !== 'string' || ref.trim() === '') {
    throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `model must be a path, a model name or a HUB model URL; received ${JSON.stringify(ref)}`, 'model');
  }
  const id = hubModelId(ref);
  if (id) {
    const mapped = readHubMap(modelsDir)[id];
    const found = mapped ? (isAbsolute(mapped) ? mapped : join(modelsDir, mapped)) : lookInDir(modelsDir, id);
    if (found && isFile(found)) return found;
    throw new YoloError(ErrorCodes.MODEL_NOT_FOUND, `HUB model '${id}' is not in the models directory ${modelsDir} (no models.json entry, no ${id}.onnx)`, 'model');
  }
  if (isFile(ref)) return resolve(ref);
  if (!ref.includes('/') || !isAbsolute(ref)) {
    const bare = ref.includes('/') ? (isFile(join(modelsDir, ref)) ? join(modelsDir, ref) : lookInDir(modelsDir, ref)) : lookInDir(modelsDir, ref);
    if (bare) return bare;
    const mapped = readHubMap(modelsDir)[ref];
    if (mapped) {
      const p = isAbsolute(mapped) ? mapped : join(modelsDir, mapped);
      if (isFile(p)) return p;
    }
  }
  throw new YoloError(ErrorCodes.MODEL_NOT_FOUND, `model '${ref}' not found: no such file, and no '${ref}' or '${ref}.onnx' in the models directory ${modelsDir}`, 'model');
}
