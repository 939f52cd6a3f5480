/**
 * Finds a validation split the way Ultralytics does (data/utils.py check_det_dataset / check_cls_dataset,
 * data/base.py get_img_files, img2label_paths): a dataset yaml (`path`, `train` / `val` / `test` as a folder, a .txt
 * list or a list of them, `names`, `kpt_shape`), or a folder. Detection-style splits pair every image
 * `.../images/.../x.jpg` with `.../labels/.../x.txt`; classification splits are folders of class folders.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, resolve, sep } from 'node:path';
import { ErrorCodes, YoloError } from '../errors.js';
import { parseDatasetYaml, YamlError, type YamlValue } from './yaml.js';

/** Ultralytics' IMG_FORMATS. */
export const IMAGE_EXTENSIONS = new Set(['bmp', 'dng', 'jpeg', 'jpg', 'mpo', 'png', 'tif', 'tiff', 'webp', 'pfm', 'heic']);

export interface DetectionSplit {
  kind: 'labels';
  /** The yaml file, when the dataset was given as one. */
  yaml?: string;
  root: string;
  split: string;
  images: string[];
  /** Class names of the dataset (the yaml's; the model's when a folder was given). */
  names: string[];
  kptShape?: [number, number];
}

export interface ClassificationSplit {
  kind: 'folders';
  root: string;
  split: string;
  /** Every image with the index of its class folder (sorted folder names, as torchvision's ImageFolder). */
  images: { file: string; cls: number }[];
  names: string[];
}

function fail(message: string): never {
  throw new YoloError(ErrorCodes.INVALID_ARGUMENT, message, 'data');
}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
const isImage = (name: string) => IMAGE_EXTENSIONS.has(extname(name).slice(1).toLowerCase());

/** Every image under a folder, recursively, sorted (glob '**' + '/*.*' then sorted). */
function imagesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (isImage(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** img2label_paths: the last /images/ of the path becomes /labels/, the extension .txt. */
export function labelPathOf(image: string): string {
  const a = `${sep}images${sep}`;
  const at = image.lastIndexOf(a);
  const swapped = at < 0 ? image : `${image.slice(0, at)}${sep}labels${sep}${image.slice(at + a.length)}`;
  const dot = swapped.lastIndexOf('.');
  return `${dot > swapped.lastIndexOf(sep) ? swapped.slice(0, dot) : swapped}.txt`;
}

function namesFrom(value: YamlValue | undefined, nc: YamlValue | undefined, file: string): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => [Number(k), String(v)] as const);
    if (entries.some(([k]) => !Number.isInteger(k) || k < 0)) fail(`${file}: 'names' keys must be class indices 0, 1, ...`);
    const names: string[] = [];
    for (const [k, v] of entries) names[k] = v;
    for (let i = 0; i < names.length; i++) if (names[i] === undefined) fail(`${file}: 'names' has no class ${i}`);
    return names;
  }
  if (typeof nc === 'number') return Array.from({ length: nc }, (_, i) => `class${i}`);
  return fail(`${file}: no 'names' (or 'nc')`);
}

/**
 * The dataset root of a yaml: `path` absolute, or relative to the yaml's folder; a relative `path` that does not
 * exist there (Ultralytics resolves it under its datasets directory: '../datasets/coco8') is also looked for by its
 * last component beside the yaml and beside the yaml's folder; no `path`: the yaml's folder.
 */
function rootOf(yamlFile: string, path: YamlValue | undefined): string {
  const here = dirname(yamlFile);
  if (path === null || path === undefined || path === '') return here;
  if (typeof path !== 'string') fail(`${yamlFile}: 'path' must be a folder`);
  if (isAbsolute(path)) return path;
  const candidates = [resolve(here, path), resolve(here, basename(path)), resolve(here, '..', basename(path))];
  const found = candidates.find(isDir);
  if (!found) fail(`${yamlFile}: dataset folder '${path}' not found (looked in ${candidates.join(', ')})`);
  return found;
}

function imagesOfEntry(entry: string, root: string, yamlFile: string): string[] {
  const p = isAbsolute(entry) ? entry : resolve(root, entry);
  if (isDir(p)) return imagesUnder(p);
  if (existsSync(p) && p.endsWith('.txt')) {
    // one image per line; './x' is relative to the list's folder, other relative paths to the dataset root
    return readFileSync(p, 'utf8')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => (l.startsWith('./') ? resolve(dirname(p), l) : isAbsolute(l) ? l : resolve(root, l)))
      .filter(isImage)
      .sort();
  }
  if (existsSync(p) && isImage(p)) return [p];
  return fail(`${yamlFile}: '${entry}' (${p}) is neither a folder of images nor a .txt list`);
}

/** A detect / segment / pose / obb split from a yaml or a folder; `modelNames` name the classes of a bare folder. */
export function resolveDetectionSplit(data: string, split: string, modelNames: string[]): DetectionSplit {
  const path = resolve(data);
  if (!existsSync(path)) fail(`dataset '${data}' not found`);
  if (isDir(path)) {
    const own = readdirSync(path).filter((f) => /\.ya?ml$/i.test(f));
    if (own.length === 1) return resolveDetectionSplit(join(path, own[0]), split, modelNames);
    // a bare folder: images/<split>, else images/, else the folder itself; the model's class names
    const dir = [join(path, 'images', split), join(path, 'images'), path].find(isDir)!;
    const images = imagesUnder(dir);
    if (images.length === 0) fail(`no images under ${dir}`);
    return { kind: 'labels', root: path, split, images, names: modelNames };
  }
  let doc: Record<string, YamlValue>;
  try {
    doc = parseDatasetYaml(readFileSync(path, 'utf8'));
  } catch (e) {
    if (e instanceof YamlError) fail(`${path}: ${e.message}`);
    throw e;
  }
  const root = rootOf(path, doc.path);
  let entry = doc[split];
  if ((entry === null || entry === undefined) && split === 'val' && doc.test) entry = doc.test; // as Ultralytics
  if (entry === null || entry === undefined) fail(`${path}: no '${split}' split`);
  const entries = Array.isArray(entry) ? entry : [entry];
  const images = [...new Set(entries.flatMap((e) => imagesOfEntry(String(e), root, path)))].sort();
  if (images.length === 0) fail(`${path}: the '${split}' split has no images`);
  const kpt = doc.kpt_shape;
  const kptShape = Array.isArray(kpt) && kpt.length === 2 && kpt.every((k) => typeof k === 'number') ? ([kpt[0], kpt[1]] as [number, number]) : undefined;
  return { kind: 'labels', yaml: path, root, split, images, names: namesFrom(doc.names, doc.nc, path), ...(kptShape ? { kptShape } : {}) };
}

/** A classification split: <folder>/<split>/<class>/<image> (val falls back to test, as Ultralytics), or <folder>/<class>/<image>. */
export function resolveClassificationSplit(data: string, split: string): ClassificationSplit {
  const root = resolve(data);
  if (!isDir(root)) fail(`classification dataset '${data}' must be a folder of <split>/<class>/<image>`);
  const candidates = split === 'val' ? ['val', 'validation', 'test'] : [split];
  const dir = candidates.map((s) => join(root, s)).find(isDir) ?? root;
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  if (names.length === 0) fail(`${dir} has no class folders`);
  const images = names.flatMap((name, cls) => imagesUnder(join(dir, name)).map((file) => ({ file, cls })));
  if (images.length === 0) fail(`no images under ${dir}`);
  return { kind: 'folders', root: dir, split, images, names };
}
