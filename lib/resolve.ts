/**
 * Model references: a file path, a name under a models directory ("yolov8n", "yolov8n.onnx", "fp32/yolov8n-640"),
 * or a HUB model URL / bare HUB id, looked up in `<modelsDir>/models.json` ({"<id>": "file.onnx"}) or as
 * `<modelsDir>/<id>.onnx`.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
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

const hubMaps = new Map<string, { stamp: string; map: ReadonlyMap<string, string> }>();

/**
 * `<modelsDir>/models.json` as a Map of HUB id -> file (absolute), read once and again only when the file changes
 * (size or mtime). A Map, so that ids such as `__proto__` or `constructor` are plain misses. Throws
 * E_INVALID_ARGUMENT when the file is not a JSON object of strings.
 */
export function hubModelMap(modelsDir: string): ReadonlyMap<string, string> {
  const mapFile = join(modelsDir, 'models.json');
  let stamp: string;
  try {
    const s = statSync(mapFile);
    stamp = `${s.size}:${s.mtimeMs}`;
  } catch {
    hubMaps.delete(mapFile);
    return new Map();
  }
  const cached = hubMaps.get(mapFile);
  if (cached && cached.stamp === stamp) return cached.map;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(mapFile, 'utf8'));
  } catch (e) {
    throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `cannot parse ${mapFile}: ${(e as Error).message}`, 'modelsDir');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `${mapFile} must be a JSON object {"<HUB id>": "file.onnx"}`, 'modelsDir');
  }
  const map = new Map<string, string>();
  for (const [id, file] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof file !== 'string' || file === '') throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `${mapFile}: the entry for '${id}' must be a file name`, 'modelsDir');
    map.set(id, isAbsolute(file) ? file : join(modelsDir, file));
  }
  hubMaps.set(mapFile, { stamp, map });
  return map;
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
    const found = hubModelMap(modelsDir).get(id) ?? lookInDir(modelsDir, id);
    if (found && isFile(found)) return found;
    throw new YoloError(ErrorCodes.MODEL_NOT_FOUND, `HUB model '${id}' is not in the models directory ${modelsDir} (no models.json entry, no ${id}.onnx)`, 'model');
  }
  if (isFile(ref)) return resolve(ref);
  if (!ref.includes('/') || !isAbsolute(ref)) {
    const bare = ref.includes('/') ? (isFile(join(modelsDir, ref)) ? join(modelsDir, ref) : lookInDir(modelsDir, ref)) : lookInDir(modelsDir, ref);
    if (bare) return bare;
    const mapped = hubModelMap(modelsDir).get(ref);
    if (mapped && isFile(mapped)) return mapped;
  }
  throw new YoloError(ErrorCodes.MODEL_NOT_FOUND, `model '${ref}' not found: no such file, and no '${ref}' or '${ref}.onnx' in the models directory ${modelsDir}`, 'model');
}
