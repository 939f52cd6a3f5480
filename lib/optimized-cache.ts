/**
 * The optimized-model cache: ONNX Runtime's graph optimisation is most of a model's load time, so the first load
 * writes the optimised graph to `<cacheDir>/<name>-<key>.onnx` and later loads read it with optimisation off.
 * The key covers everything the optimised graph depends on: the model file (path, size, mtime), the ORT library
 * file, the optimisation level, extra session config entries and this CPU (ORT's 'all' level bakes in CPU-specific layouts). CPU sessions only:
 * a GPU provider optimises differently. A cache entry that fails to load is removed and rebuilt.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, join } from 'node:path';
import type { NativeModel } from './native.js';
import type { ResolvedLoadOptions } from './options.js';

type Load = (path: string, options: object) => Promise<NativeModel>;

function fileStamp(path: string): string {
  const s = statSync(path);
  return `${path}:${s.size}:${s.mtimeMs}`;
}

export function cacheKey(modelPath: string, ortLibrary: string, graphOptimization: number, ortConfig: Record<string, string> = {}): string {
  const config = JSON.stringify(Object.entries(ortConfig).sort());
  const parts = [fileStamp(modelPath), fileStamp(ortLibrary), String(graphOptimization), config, process.arch, cpus()[0]?.model ?? ''];
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);
}

/** Loads through the cache when `o.cacheDir` is set and the session is CPU-only; otherwise loads as is. */
export async function loadOptimized(load: Load, path: string, o: ResolvedLoadOptions & { ortLibrary: string }): Promise<NativeModel> {
  const cpuOnly = o.providers.every((p) => p === 'cpu');
  if (!o.cacheDir || !cpuOnly || o.optimizedModelPath || o.graphOptimization === 0) return load(path, o);
  let cached: string;
  try {
    mkdirSync(o.cacheDir, { recursive: true });
    cached = join(o.cacheDir, `${basename(path).replace(/\.onnx$/i, '')}-${cacheKey(path, o.ortLibrary, o.graphOptimization, o.ortConfig)}.onnx`);
  } catch {
    return load(path, o); // an unusable cache directory never stops a load
  }
  try {
    statSync(cached);
    try {
      return await load(cached, { ...o, graphOptimization: 0 });
    } catch {
      rmSync(cached, { force: true }); // corrupt or from an incompatible build: rebuild it below
    }
  } catch {
    /* not cached yet */
  }
  const partial = `${cached}.${process.pid}.${Date.now()}.part`;
  try {
    const handle = await load(path, { ...o, optimizedModelPath: partial });
    try {
      renameSync(partial, cached); // atomic: concurrent loaders never see half a file
    } catch {
      rmSync(partial, { force: true });
    }
    return handle;
  } catch (e) {
    rmSync(partial, { force: true });
    throw e;
  }
}
