/**
 * model.val(): runs a model over a dataset split the way Ultralytics' `yolo val` does (batch 1, rect shapes, its
 * letterbox and multi-label NMS via the internal `val` predict option, conf 0.001, iou 0.7, max_det 300) and
 * computes its metrics: mAP50, mAP50-95, precision and recall per class and overall (box; mask for segment, OKS
 * for pose, rotated IoU for OBB), or top-1 / top-5 accuracy for classify.
 */
import { basename } from 'node:path';
import { ErrorCodes, YoloError } from '../errors.js';
import type { HubImage, HubResponse, Model } from '../model.js';
import type { PredictOptions } from '../options.js';
import { apPerClass, type ApResult } from './ap.js';
import { labelPathOf, resolveClassificationSplit, resolveDetectionSplit } from './dataset.js';
import { evaluateImage, keypointSigmas, type DetectionTask, type ImageMatches } from './evaluate.js';
import { valGeometry, type ValShape } from './geometry.js';
import { readLabels, type ImageLabels, type LabelProblem } from './labels.js';
import { IOU_THRESHOLDS } from './match.js';
import { resolveValOptions, type ResolvedValOptions, type ValOptions } from './options.js';

export interface ValMetrics {
  precision: number;
  recall: number;
  mAP50: number;
  mAP50_95: number;
}

export interface ValClassRow {
  class: number;
  name: string;
  /** Images with at least one label of the class. */
  images: number;
  /** Labels of the class. */
  instances: number;
  box: ValMetrics;
  mask?: ValMetrics;
  pose?: ValMetrics;
}

interface ValCommon {
  model: string;
  data: { path: string; split: string; root: string; yaml?: string };
  options: { imgsz: number; conf: number; iou: number; maxDet: number; rect: boolean };
  /** Images evaluated (images whose labels break a rule are left out and listed in `problems`). */
  images: number;
  /** Mean per image, milliseconds (the HUB `speed` of each prediction). */
  speed: { preprocess: number; inference: number; postprocess: number };
  problems: LabelProblem[];
}

export interface DetectionValResult extends ValCommon {
  task: DetectionTask;
  instances: number;
  metrics: { box: ValMetrics; mask?: ValMetrics; pose?: ValMetrics };
  classes: ValClassRow[];
}

export interface ClassifyValResult extends ValCommon {
  task: 'classify';
  metrics: { top1: number; top5: number };
  classes: { class: number; name: string; images: number; top1: number; top5: number }[];
}

export type ValResult = DetectionValResult | ClassifyValResult;

/** Keeps one prediction in flight while the previous one is evaluated. */
async function forEachPrediction<T, R>(items: T[], predict: (item: T) => Promise<R>, visit: (item: T, response: R) => void): Promise<void> {
  let pending: Promise<R> | undefined = items.length ? predict(items[0]) : undefined;
  try {
    for (let i = 0; i < items.length; i++) {
      const response = await pending!;
      pending = i + 1 < items.length ? predict(items[i + 1]) : undefined;
      visit(items[i], response);
    }
  } finally {
    pending?.catch(() => undefined); // an error stopped the loop: nobody awaits the prediction in flight
  }
}

class SpeedMeter {
  #sum = { preprocess: 0, inference: 0, postprocess: 0 };
  #n = 0;
  add(image: HubImage) {
    this.#sum.preprocess += image.speed.preprocess;
    this.#sum.inference += image.speed.inference;
    this.#sum.postprocess += image.speed.postprocess;
    this.#n++;
  }
  mean() {
    const n = Math.max(1, this.#n);
    const r3 = (x: number) => Math.round((x / n) * 1000) / 1000;
    return { preprocess: r3(this.#sum.preprocess), inference: r3(this.#sum.inference), postprocess: r3(this.#sum.postprocess) };
  }
}

function metricsOf(r: ApResult): ValMetrics {
  return { precision: r.precision, recall: r.recall, mAP50: r.mAP50, mAP50_95: r.mAP50_95 };
}

function classMetrics(r: ApResult, cls: number): ValMetrics {
  const c = r.classes.find((x) => x.class === cls);
  if (!c) return { precision: 0, recall: 0, mAP50: 0, mAP50_95: 0 };
  return { precision: c.precision, recall: c.recall, mAP50: c.ap[0], mAP50_95: c.ap.reduce((a, b) => a + b, 0) / c.ap.length };
}

/** Concatenated per-image matches. */
function concat(parts: ImageMatches[], pick: (m: ImageMatches) => Uint8Array | undefined) {
  const nt = IOU_THRESHOLDS.length;
  const total = parts.reduce((n, m) => n + m.conf.length, 0);
  const tp = new Uint8Array(total * nt);
  const conf = new Float64Array(total);
  const predCls = new Int32Array(total);
  let at = 0;
  for (const m of parts) {
    tp.set(pick(m) ?? new Uint8Array(m.conf.length * nt), at * nt);
    conf.set(m.conf, at);
    predCls.set(m.predCls, at);
    at += m.conf.length;
  }
  const targetCls = Int32Array.from(parts.flatMap((m) => Array.from(m.targetCls)));
  return { tp, thresholds: nt, conf, predCls, targetCls };
}

const IMAGE_PROBLEMS: string[] = [ErrorCodes.DECODE_FAILED, ErrorCodes.EMPTY_INPUT, ErrorCodes.IMAGE_TOO_LARGE, ErrorCodes.FILE_NOT_FOUND];

/** model.predict, except that an image that cannot be read becomes a problem of the run (null) instead of its end. */
async function predictOrReport(model: Model, file: string, options: PredictOptions, problems: LabelProblem[]): Promise<HubResponse | null> {
  try {
    return await model.predict(file, options);
  } catch (e) {
    if (!(e instanceof YoloError) || !IMAGE_PROBLEMS.includes(e.code)) throw e;
    problems.push({ file, severity: 'error', message: `the image cannot be read (${e.message})` });
    return null;
  }
}

export async function validate(model: Model, data: string, options?: ValOptions): Promise<ValResult> {
  if (typeof data !== 'string' || data.length === 0) {
    throw new YoloError(ErrorCodes.INVALID_ARGUMENT, 'data must be a dataset yaml or folder path', 'data');
  }
  const o = resolveValOptions(options, model.task);
  return model.task === 'classify' ? validateClassify(model, data, o) : validateDetection(model, data, o);
}

function common(model: Model, data: string, o: ResolvedValOptions, imgsz: number) {
  return {
    model: basename(model.path).replace(/\.onnx$/i, ''),
    options: { imgsz, conf: o.conf, iou: o.iou, maxDet: o.maxDet, rect: o.rect && model.dynamic },
    dataPath: data,
  };
}

async function validateDetection(model: Model, data: string, o: ResolvedValOptions): Promise<DetectionValResult> {
  const task = model.task as DetectionTask;
  const split = resolveDetectionSplit(data, o.split, model.names);
  const kptShape = split.kptShape ?? model.kptShape;
  if (task === 'pose' && !kptShape) throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `${data}: a pose dataset needs 'kpt_shape'`, 'data');
  const problems: LabelProblem[] = [];
  const items: { file: string; labels: ImageLabels }[] = [];
  for (const file of split.images) {
    const read = readLabels(labelPathOf(file), { task, classes: split.names.length, ...(kptShape ? { kptShape } : {}) });
    problems.push(...read.problems);
    if (read.labels) items.push({ file, labels: read.labels });
  }

  const inputH = model.inputShape[2];
  const inputW = model.inputShape[3];
  const imgsz = model.inputPlan(o.imgsz).imgsz;
  const shape: ValShape = !model.dynamic ? { kind: 'fixed', h: inputH ?? imgsz, w: inputW ?? imgsz } : o.rect ? { kind: 'rect', stride: model.stride } : { kind: 'square' };
  const predictOptions = { imgsz, conf: o.conf, iou: o.iou, maxDet: o.maxDet, rect: o.rect, val: true };
  const sigmas = task === 'pose' ? keypointSigmas(kptShape!) : undefined;

  const matches: ImageMatches[] = [];
  const imagesWithClass = new Map<number, number>();
  const speed = new SpeedMeter();
  const started = performance.now();
  let done = 0;
  const predict = (item: (typeof items)[number]) => predictOrReport(model, item.file, predictOptions, problems);
  await forEachPrediction(items, predict, (item, response) => {
    done++;
    if (response) {
      const image = response.images[0];
      const geometry = valGeometry(image.shape[0], image.shape[1], imgsz, shape);
      const reported = response.metadata.inputShape;
      if (!reported || reported[0] !== geometry.inH || reported[1] !== geometry.inW) {
        throw new YoloError(ErrorCodes.INTERNAL, `val letterbox mismatch on ${item.file}: the native side ran ${reported?.join('x')}, expected ${geometry.inH}x${geometry.inW}`);
      }
      speed.add(image);
      matches.push(evaluateImage(item.labels, image.results, { task, geometry, ...(kptShape ? { kptShape } : {}), ...(sigmas ? { sigmas } : {}) }));
      for (const c of new Set(item.labels.cls)) imagesWithClass.set(c, (imagesWithClass.get(c) ?? 0) + 1);
    }
    o.onProgress?.({ done, total: items.length, elapsedMs: performance.now() - started });
  });

  const box = apPerClass(concat(matches, (m) => m.tp));
  const extra = task === 'segment' || task === 'pose' ? apPerClass(concat(matches, (m) => m.tpExtra)) : undefined;
  const extraKey = task === 'segment' ? 'mask' : 'pose';
  const c = common(model, data, o, imgsz);
  const classes: ValClassRow[] = box.classes.map((row) => ({
    class: row.class,
    name: model.names[row.class] ?? split.names[row.class] ?? String(row.class),
    images: imagesWithClass.get(row.class) ?? 0,
    instances: row.instances,
    box: classMetrics(box, row.class),
    ...(extra ? { [extraKey]: classMetrics(extra, row.class) } : {}),
  }));
  return {
    task,
    model: c.model,
    data: { path: c.dataPath, split: split.split, root: split.root, ...(split.yaml ? { yaml: split.yaml } : {}) },
    options: c.options,
    images: matches.length,
    instances: matches.reduce((n, m) => n + m.targetCls.length, 0),
    metrics: { box: metricsOf(box), ...(extra ? { [extraKey]: metricsOf(extra) } : {}) },
    classes,
    speed: speed.mean(),
    problems,
  };
}

async function validateClassify(model: Model, data: string, o: ResolvedValOptions): Promise<ClassifyValResult> {
  const split = resolveClassificationSplit(data, o.split);
  const problems: LabelProblem[] = [];
  const mismatch = split.names.findIndex((n, i) => model.names[i] !== n);
  if (split.names.length !== model.names.length || mismatch >= 0) {
    problems.push({
      file: split.root,
      severity: 'warning',
      message:
        `the dataset's ${split.names.length} classes are not the model's ${model.names.length} (first difference: class ${mismatch >= 0 ? mismatch : Math.min(split.names.length, model.names.length)}); ` +
        'classes are compared by index, as Ultralytics does',
    });
  }
  const imgsz = model.inputPlan(o.imgsz).imgsz;
  const n5 = Math.min(model.names.length, 5);
  const perClass = split.names.map(() => ({ images: 0, top1: 0, top5: 0 }));
  const speed = new SpeedMeter();
  const started = performance.now();
  let done = 0;
  let top1 = 0;
  let top5 = 0;
  let seen = 0;
  const predict = (item: (typeof split.images)[number]) => predictOrReport(model, item.file, { imgsz, top5: true }, problems);
  await forEachPrediction(split.images, predict, (item, response) => {
    done++;
    if (response) {
      const image = response.images[0];
      speed.add(image);
      const ranked = (image.top5 ?? []).slice(0, n5).map((t) => t.class);
      const hit1 = ranked[0] === item.cls ? 1 : 0;
      const hit5 = ranked.includes(item.cls) ? 1 : 0;
      top1 += hit1;
      top5 += hit5;
      seen++;
      perClass[item.cls].images++;
      perClass[item.cls].top1 += hit1;
      perClass[item.cls].top5 += hit5;
    }
    o.onProgress?.({ done, total: split.images.length, elapsedMs: performance.now() - started });
  });
  const c = common(model, data, o, imgsz);
  return {
    task: 'classify',
    model: c.model,
    data: { path: c.dataPath, split: split.split, root: split.root },
    options: { ...c.options, rect: false },
    images: seen,
    metrics: { top1: seen ? top1 / seen : 0, top5: seen ? top5 / seen : 0 },
    classes: perClass.map((p, i) => ({ class: i, name: split.names[i], images: p.images, top1: p.images ? p.top1 / p.images : 0, top5: p.images ? p.top5 / p.images : 0 })),
    speed: speed.mean(),
    problems,
  };
}
