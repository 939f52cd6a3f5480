/**
 * The model registry of the server: a models directory resolved through the library's resolveModelPath (HUB URL,
 * bare HUB id via models.json or <id>.onnx, or a model name), loaded lazily, cached, and bounded: at most
 * `maxModels` unpinned models stay resident (least recently used evicted first). An evicted model is disposed once
 * its in-flight predictions have finished.
 */
import { isAbsolute, resolve, sep } from 'node:path';
import { ErrorCodes, YoloError } from '../errors.js';
import { loadModel, type Model } from '../model.js';
import type { LoadOptions } from '../options.js';
import { hubModelId, hubModelMap, resolveModelPath } from '../resolve.js';
import { shown } from './form.js';

interface Entry {
  path: string;
  promise: Promise<Model>;
  model?: Model;
  inflight: number;
  pinned: boolean;
  evicted: boolean;
}

export interface Lease {
  model: Model;
  /** A short, bounded label for metrics and logs (the file name without .onnx). */
  label: string;
  release(): void;
}

export class ModelRegistry {
  readonly modelsDir: string;
  readonly maxModels: number;
  readonly #load: LoadOptions;
  readonly #entries = new Map<string, Entry>();
  #closed = false;

  constructor(modelsDir: string, maxModels: number, load: LoadOptions = {}) {
    this.modelsDir = resolve(modelsDir);
    this.maxModels = maxModels;
    this.#load = load;
  }

  /**
   * A form's `model` value -> an ONNX file of the registry. Only HUB URLs, bare ids and names of `.onnx` files inside
   * the models directory (or models.json targets) are served: never another file (models.json itself, notes) and
   * never an arbitrary path of the server's file system. Messages name the client's value, not the server's paths.
   */
  resolve(ref: string): string {
    if (typeof ref !== 'string' || ref.trim() === '') {
      throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `model must be https://hub.ultralytics.com/models/<ID>, a HUB id or a model name; received ${JSON.stringify(ref)}`, 'model');
    }
    const trimmed = ref.trim();
    const notFound = () =>
      new YoloError(ErrorCodes.MODEL_NOT_FOUND, `model ${shown(trimmed)} not found: expected https://hub.ultralytics.com/models/<ID>, a HUB id or a model name in the server's models directory`, 'model');
    if (!hubModelId(trimmed) && (isAbsolute(trimmed) || trimmed.includes('\\') || trimmed.split('/').some((s) => s === '..' || s === '.' || s === '') || trimmed.length > 256)) {
      throw notFound();
    }
    let path: string;
    try {
      path = resolve(resolveModelPath(trimmed, this.modelsDir));
    } catch (e) {
      if (e instanceof YoloError && e.code === ErrorCodes.MODEL_NOT_FOUND) throw notFound();
      // a malformed models.json: the operator's to fix, named in the log, not to the client
      throw new YoloError(ErrorCodes.INTERNAL, (e as Error).message);
    }
    if (!/\.onnx$/i.test(path)) throw notFound();
    if (path.startsWith(this.modelsDir + sep)) return path;
    for (const target of hubModelMap(this.modelsDir).values()) if (resolve(target) === path) return path;
    throw notFound(); // e.g. a relative name that matched a file in the server's working directory
  }

  static label(path: string): string {
    return (path.split(sep).pop() ?? path).replace(/\.onnx$/i, '');
  }

  /** Loads (once) and returns the model of `path`, counting the caller as in flight until release(). */
  async acquire(path: string, pinned = false): Promise<Lease> {
    if (this.#closed) throw new YoloError(ErrorCodes.DISPOSED, 'the server is shutting down', 'model');
    let entry = this.#entries.get(path);
    if (entry) {
      this.#entries.delete(path); // most recently used goes last
      this.#entries.set(path, entry);
      if (pinned) entry.pinned = true;
    } else {
      const created: Entry = { path, promise: loadModel(path, this.#load), inflight: 0, pinned, evicted: false };
      created.promise.then(
        (m) => {
          created.model = m;
          if (created.evicted && created.inflight === 0) void m.dispose();
        },
        () => {
          if (this.#entries.get(path) === created) this.#entries.delete(path);
        },
      );
      entry = created;
      this.#entries.set(path, entry);
      this.#evict();
    }
    entry.inflight++;
    const e = entry;
    let model: Model;
    try {
      model = await e.promise;
    } catch (err) {
      e.inflight--;
      throw err;
    }
    let released = false;
    return {
      model,
      label: ModelRegistry.label(path),
      release: () => {
        if (released) return;
        released = true;
        e.inflight--;
        if (e.evicted && e.inflight === 0 && e.model) void e.model.dispose();
      },
    };
  }

  #evict(): void {
    let unpinned = [...this.#entries.values()].filter((x) => !x.pinned);
    while (unpinned.length > this.maxModels) {
      const victim = unpinned.shift() as Entry; // least recently used first
      this.#entries.delete(victim.path);
      victim.evicted = true;
      if (victim.inflight === 0 && victim.model) void victim.model.dispose();
      unpinned = [...this.#entries.values()].filter((x) => !x.pinned);
    }
  }

  /** Paths of the models resident now (loaded or loading), least recently used first. */
  resident(): string[] {
    return [...this.#entries.keys()];
  }

  /** True once `path` is loaded. */
  isLoaded(path: string): boolean {
    return this.#entries.get(path)?.model !== undefined;
  }

  /** Disposes every model (after their in-flight calls) and refuses new ones. */
  async close(): Promise<void> {
    this.#closed = true;
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    for (const e of entries) {
      e.evicted = true;
      const m = await e.promise.catch(() => undefined);
      if (m && e.inflight === 0) await m.dispose();
    }
  }
}
