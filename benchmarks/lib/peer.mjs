/**
 * The peer: the pipeline a Node user writes today with onnxruntime-node + sharp, written well.
 *
 *   decode               sharp (libvips, on the libuv pool): encoded bytes -> raw RGB HWC u8
 *   letterbox + tensor   JS, one pass into a pooled Float32Array (peer-image.mjs): OpenCV's bilinear letterbox,
 *                        or for classify PIL's antialiased resize + centre crop, exactly as Ultralytics does them
 *   inference            onnxruntime-node InferenceSession.run
 *   postprocess          JS: best class per anchor, conf filter, stable sort, class-aware NMS (Ultralytics' offset
 *                        trick), scale back + clip; segment: masks only inside kept boxes + outer contours;
 *                        pose: keypoints; obb: probiou "fast" NMS, regularised xywhr -> corners; classify: top-1.
 *                        End-to-end / nms=True detect rows (YOLO26, YOLOv10): the confidence filter and max_det
 *                        only, as Ultralytics 8.4, then scale back with 8.4's letterbox offset + clip.
 *
 * Geometry is Ultralytics 8.3's (rect letterbox for dynamic models, square for static ones), so the detections are
 * the same as yolo-native's (the bench checks them with the golden tests' tolerances).
 */
import { createRequire } from 'node:module';
import { detectionMask, externalContours, linearAxis, mergeMultiSegment } from './peer-segment.mjs';
import { classifyToTensor, letterboxToTensor, planClassify, planLetterbox, roundHalfEven } from './peer-image.mjs';

const require = createRequire(import.meta.url);
const sharp = require('sharp');
const ort = require('onnxruntime-node');

sharp.cache(false); // every request is a new image in real life: no libvips operation cache hits on a reused buffer

const MAX_WH = 7680; // Ultralytics max_wh (class offset for class-aware NMS)
const MAX_NMS = 30000;

const now = () => performance.now();

function round5(x) {
  return Math.round(x * 1e5) / 1e5;
}

/** A tiny pool so that concurrent calls never share a tensor and sequential calls reuse one. */
class TensorPool {
  #free = [];
  acquire(n) {
    const i = this.#free.findIndex((b) => b.length === n);
    return i >= 0 ? this.#free.splice(i, 1)[0] : new Float32Array(n);
  }
  release(b) {
    if (this.#free.length < 8) this.#free.push(b);
  }
}

export class Peer {
  /**
   * @param {string} modelPath
   * @param {{threads:number, session?: any}} opts  pass `session` to share an existing InferenceSession
   */
  static async create(modelPath, { threads, session }) {
    const s = session ?? (await ort.InferenceSession.create(modelPath, sessionOptions(threads)));
    return new Peer(s);
  }

  constructor(session) {
    this.session = session;
    this.pool = new TensorPool();
    const meta = session.inputMetadata?.[0];
    const shape = meta?.shape ?? [];
    this.inputName = session.inputNames[0];
    this.outputNames = session.outputNames;
    // onnxruntime-node has no metadata_props API: the task facts a user would hard-code come from the model card
    this.staticHW = typeof shape[2] === 'number' && typeof shape[3] === 'number' ? [shape[2], shape[3]] : null;
  }

  /** @param {{task:string, names:string[], stride:number, kpt?:[number,number], head?:string}} info */
  configure(info) {
    this.info = info;
    return this;
  }

  /** Effective network input [h, w] target and letterbox mode for a requested imgsz. */
  plan(imgsz) {
    if (this.staticHW) return { h: this.staticHW[0], w: this.staticHW[1], autoPad: false };
    const s = this.info.stride;
    const size = Math.max(s, Math.ceil(imgsz / s) * s);
    return { h: size, w: size, autoPad: true };
  }

  /** Decode with sharp: raw RGB HWC bytes and their size. */
  async decodeImage(bytes) {
    const { data, info } = await sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`sharp decoded ${info.channels} channels, expected 3`);
    return { data, w0: info.width, h0: info.height };
  }

  /** Letterbox (or classify resize + crop) + /255 + CHW in one pass, into a pooled tensor. */
  toTensor({ data, w0, h0 }, imgsz) {
    const p = this.plan(imgsz);
    if (this.info.task === 'classify') {
      const g = planClassify(h0, w0, p.h);
      return { t: classifyToTensor(data, g, this.pool.acquire(3 * g.inH * g.inW)), g };
    }
    const g = planLetterbox(h0, w0, p.h, p.w, p.autoPad, this.info.stride);
    return { t: letterboxToTensor(data, g, this.pool.acquire(3 * g.inH * g.inW)), g };
  }

  /** A pre-made input tensor for `bytes` (for the floor measurement). */
  async tensorFor(bytes, imgsz) {
    const { t, g } = this.toTensor(await this.decodeImage(bytes), imgsz);
    return new ort.Tensor('float32', t, [1, 3, g.inH, g.inW]);
  }

  /** The whole pipeline; returns HUB-like results and per-stage times (ms). */
  async predict(bytes, { imgsz = 640, conf = 0.25, iou = 0.45, maxDet = 300 } = {}) {
    const t0 = now();
    const image = await this.decodeImage(bytes);
    const t1 = now();
    const { t, g } = this.toTensor(image, imgsz);
    const t2 = now();
    let outputs;
    try {
      outputs = await this.session.run({ [this.inputName]: new ort.Tensor('float32', t, [1, 3, g.inH, g.inW]) });
    } finally {
      this.pool.release(t);
    }
    const t3 = now();
    const results = this.decode(outputs, g, { conf, iou, maxDet });
    const t4 = now();
    for (const name of this.outputNames) outputs[name].dispose?.();
    return {
      results,
      shape: [g.h0, g.w0],
      inputShape: [g.inH, g.inW],
      speed: { decode: t1 - t0, letterbox: t2 - t1, preprocess: t2 - t0, inference: t3 - t2, postprocess: t4 - t3 },
    };
  }

  decode(outputs, g, o) {
    const out0 = outputs[this.outputNames[0]];
    if (this.info.head === 'end2end' || this.info.head === 'nms') {
      if (this.info.task !== 'detect') throw new Error(`the peer reads end-to-end rows for detect only, not ${this.info.task}`);
      return decodeRowsDetect(out0, g, o, this.info.names);
    }
    switch (this.info.task) {
      case 'detect':
        return decodeDetect(out0, g, o, this.info.names);
      case 'segment':
        return decodeSegment(out0, outputs[this.outputNames[1]], g, o, this.info.names);
      case 'pose':
        return decodePose(out0, g, o, this.info.names, this.info.kpt ?? [17, 3]);
      case 'obb':
        return decodeObb(out0, g, o, this.info.names);
      case 'classify':
        return decodeClassify(out0, this.info.names);
      default:
        throw new Error(`unknown task ${this.info.task}`);
    }
  }
}

export function sessionOptions(threads) {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // The same thread behaviour as yolo-native's default: spin during a run, stop when it returns. Without the
    // stop, the pool threads of whichever session ran last keep spinning into the next contender's call and
    // inflate its time (each contender has its own session and pool in this one process).
    extra: { session: { intra_op: { allow_spinning: '1' }, force_spinning_stop: '1' } },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// postprocess

/** Best class per anchor (channel-major scan), kept when > conf; sorted by descending score (stable). */
function candidates(d, anchors, nc, conf) {
  const best = d.slice(4 * anchors, 5 * anchors);
  const cls = new Uint16Array(anchors);
  for (let c = 1; c < nc; c++) {
    const off = (4 + c) * anchors;
    for (let a = 0; a < anchors; a++) {
      const v = d[off + a];
      if (v > best[a]) {
        best[a] = v;
        cls[a] = c;
      }
    }
  }
  const idx = [];
  for (let a = 0; a < anchors; a++) if (best[a] > conf) idx.push(a);
  idx.sort((x, y) => best[y] - best[x]); // Array.prototype.sort is stable
  if (idx.length > MAX_NMS) idx.length = MAX_NMS;
  return { idx, best, cls };
}

/** xyxy (input pixels) of the kept anchors, plus torchvision NMS with the per-class offset. Returns kept positions. */
function boxesXyxy(d, anchors, idx) {
  const n = idx.length;
  const b = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    const a = idx[i];
    const cx = d[a], cy = d[anchors + a], w = d[2 * anchors + a], h = d[3 * anchors + a];
    const dw = Math.fround(w / 2), dh = Math.fround(h / 2);
    b[4 * i] = cx - dw;
    b[4 * i + 1] = cy - dh;
    b[4 * i + 2] = cx + dw;
    b[4 * i + 3] = cy + dh;
  }
  return b;
}

export function nmsClassAware(b, cls, idx, iouThr, maxDet) {
  const n = idx.length;
  const x1 = new Float32Array(n), y1 = new Float32Array(n), x2 = new Float32Array(n), y2 = new Float32Array(n), area = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const off = cls[idx[i]] * MAX_WH;
    x1[i] = b[4 * i] + off;
    y1[i] = b[4 * i + 1] + off;
    x2[i] = b[4 * i + 2] + off;
    y2[i] = b[4 * i + 3] + off;
    area[i] = (x2[i] - x1[i]) * (y2[i] - y1[i]);
  }
  const suppressed = new Uint8Array(n);
  const keep = [];
  for (let i = 0; i < n && keep.length < maxDet; i++) {
    if (suppressed[i]) continue;
    keep.push(i);
    const ax1 = x1[i], ay1 = y1[i], ax2 = x2[i], ay2 = y2[i], aa = area[i];
    for (let j = i + 1; j < n; j++) {
      if (suppressed[j]) continue;
      const w = Math.min(ax2, x2[j]) - Math.max(ax1, x1[j]);
      if (w <= 0) continue;
      const h = Math.min(ay2, y2[j]) - Math.max(ay1, y1[j]);
      if (h <= 0) continue;
      const inter = w * h;
      if (inter / (aa + area[j] - inter) > iouThr) suppressed[j] = 1;
    }
  }
  return keep;
}

function inverseBoxes(g) {
  const gain = Math.min(g.inH / g.h0, g.inW / g.w0);
  return { gain, padX: roundHalfEven((g.inW - g.w0 * gain) / 2 - 0.1), padY: roundHalfEven((g.inH - g.h0 * gain) / 2 - 0.1) };
}

function inverseCoords(g) {
  const gain = Math.min(g.inH / g.h0, g.inW / g.w0);
  return { gain, padX: (g.inW - g.w0 * gain) / 2, padY: (g.inH - g.h0 * gain) / 2 };
}

const clamp = (v, lo, hi) => (v < lo ? lo : v > hi ? hi : v);

function scaleBox(b, i, inv, g) {
  return {
    x1: round5(clamp((b[4 * i] - inv.padX) / inv.gain, 0, g.w0)),
    y1: round5(clamp((b[4 * i + 1] - inv.padY) / inv.gain, 0, g.h0)),
    x2: round5(clamp((b[4 * i + 2] - inv.padX) / inv.gain, 0, g.w0)),
    y2: round5(clamp((b[4 * i + 3] - inv.padY) / inv.gain, 0, g.h0)),
  };
}

/** Ultralytics 8.4 scale_boxes: the letterbox's own offset, round((W1 - round(W0 * gain)) / 2 - 0.1). */
function inverseBoxes84(g) {
  const gain = Math.min(g.inH / g.h0, g.inW / g.w0);
  return { gain, padX: roundHalfEven((g.inW - roundHalfEven(g.w0 * gain)) / 2 - 0.1), padY: roundHalfEven((g.inH - roundHalfEven(g.h0 * gain)) / 2 - 0.1) };
}

/** Rows [x1, y1, x2, y2, score, class] in the model's order: score > conf, the first maxDet; no NMS. */
function decodeRowsDetect(out0, g, o, names) {
  const [, rows, width] = out0.dims;
  if (width !== 6) throw new Error(`end-to-end detect rows have ${width} values, expected 6`);
  const d = out0.data;
  const inv = inverseBoxes84(g);
  const box = new Float32Array(4);
  const out = [];
  for (let r = 0; r < rows && out.length < o.maxDet; r++) {
    const row = r * width;
    const score = d[row + 4];
    if (!(score > o.conf)) continue;
    box.set(d.subarray(row, row + 4));
    const cls = d[row + 5];
    out.push({ name: names[cls], class: cls, confidence: round5(score), box: scaleBox(box, 0, inv, g) });
  }
  return out;
}

function dims(t) {
  const [, c, a] = t.dims;
  return { d: t.data, channels: c, anchors: a };
}

function decodeDetect(out0, g, o, names) {
  const { d, channels, anchors } = dims(out0);
  const nc = names.length;
  if (channels !== 4 + nc) throw new Error(`detect output has ${channels} channels, expected ${4 + nc}`);
  const { idx, best, cls } = candidates(d, anchors, nc, o.conf);
  const b = boxesXyxy(d, anchors, idx);
  const keep = nmsClassAware(b, cls, idx, o.iou, o.maxDet);
  const inv = inverseBoxes(g);
  return keep.map((i) => {
    const a = idx[i];
    return { name: names[cls[a]], class: cls[a], confidence: round5(best[a]), box: scaleBox(b, i, inv, g) };
  });
}

function decodePose(out0, g, o, names, kpt) {
  const { d, channels, anchors } = dims(out0);
  const nc = names.length;
  const [nk, kd] = kpt;
  if (channels !== 4 + nc + nk * kd) throw new Error(`pose output has ${channels} channels, expected ${4 + nc + nk * kd}`);
  const { idx, best, cls } = candidates(d, anchors, nc, o.conf);
  const b = boxesXyxy(d, anchors, idx);
  const keep = nmsClassAware(b, cls, idx, o.iou, o.maxDet);
  const inv = inverseBoxes(g);
  const ic = inverseCoords(g);
  return keep.map((i) => {
    const a = idx[i];
    const x = [], y = [], visible = [];
    for (let k = 0; k < nk; k++) {
      const base = (4 + nc + k * kd) * anchors + a;
      x.push(round5(clamp((d[base] - ic.padX) / ic.gain, 0, g.w0)));
      y.push(round5(clamp((d[base + anchors] - ic.padY) / ic.gain, 0, g.h0)));
      visible.push(kd === 3 ? round5(d[base + 2 * anchors]) : 1);
    }
    return { name: names[cls[a]], class: cls[a], confidence: round5(best[a]), box: scaleBox(b, i, inv, g), keypoints: { x, y, visible } };
  });
}

function decodeClassify(out0, names) {
  const p = out0.data;
  let top = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[top]) top = i;
  return [{ name: names[top], class: top, confidence: round5(p[top]) }];
}

// --- segment ----------------------------------------------------------------------------------------------------

function decodeSegment(out0, out1, g, o, names) {
  const { d, channels, anchors } = dims(out0);
  const nc = names.length;
  const [, nm, mh, mw] = out1.dims;
  if (channels !== 4 + nc + nm) throw new Error(`segment output0 has ${channels} channels, expected ${4 + nc + nm}`);
  const protos = out1.data;
  const { idx, best, cls } = candidates(d, anchors, nc, o.conf);
  const b = boxesXyxy(d, anchors, idx);
  const keep = nmsClassAware(b, cls, idx, o.iou, o.maxDet);
  const inv = inverseBoxes(g);
  const ic = inverseCoords(g);
  const rows = linearAxis(mh, g.inH), cols = linearAxis(mw, g.inW);
  const ratioX = Math.fround(mw / g.inW), ratioY = Math.fround(mh / g.inH);
  const coeff = new Float32Array(nm);
  const gain = Math.fround(ic.gain), padX = Math.fround(ic.padX), padY = Math.fround(ic.padY);
  const out = [];
  for (const i of keep) {
    const a = idx[i];
    for (let m = 0; m < nm; m++) coeff[m] = d[(4 + nc + m) * anchors + a];
    const mask = detectionMask(protos, nm, mh, mw, coeff, b.subarray(4 * i, 4 * i + 4), rows, cols, ratioX, ratioY);
    if (!mask) continue; // Ultralytics keeps only detections with a non-empty mask
    const contours = externalContours(mask);
    const poly = contours.length > 1 ? mergeMultiSegment(contours) : contours[0];
    const x = new Array(poly.length / 2), y = new Array(poly.length / 2);
    for (let p = 0; p < poly.length; p += 2) {
      // scale_coords in float32, then clip
      x[p / 2] = round5(clamp(Math.fround(Math.fround(poly[p] - padX) / gain), 0, g.w0));
      y[p / 2] = round5(clamp(Math.fround(Math.fround(poly[p + 1] - padY) / gain), 0, g.h0));
    }
    out.push({ name: names[cls[a]], class: cls[a], confidence: round5(best[a]), box: scaleBox(b, i, inv, g), segments: { x, y } });
  }
  return out;
}

// --- obb --------------------------------------------------------------------------------------------------------

function covariance(w, h, r) {
  const a = (w * w) / 12, b = (h * h) / 12;
  const c = Math.cos(r), s = Math.sin(r);
  return [a * c * c + b * s * s, a * s * s + b * c * c, (a - b) * c * s];
}

/** Ultralytics batch_probiou for one pair (boxes as [x, y, w, h, r] + their covariances). */
function probiou(x1, y1, c1, x2, y2, c2) {
  const eps = 1e-7;
  const A = c1[0] + c2[0], B = c1[1] + c2[1], C = c1[2] + c2[2];
  const den = A * B - C * C;
  const t1 = ((A * (y1 - y2) ** 2 + B * (x1 - x2) ** 2) / (den + eps)) * 0.25;
  const t2 = ((C * (x2 - x1) * (y1 - y2)) / (den + eps)) * 0.5;
  const t3 = Math.log(den / (4 * Math.sqrt(Math.max(c1[0] * c1[1] - c1[2] ** 2, 0) * Math.max(c2[0] * c2[1] - c2[2] ** 2, 0)) + eps) + eps) * 0.5;
  const bd = clamp(t1 + t2 + t3, eps, 100);
  const hd = Math.sqrt(1 - Math.exp(-bd) + eps);
  return 1 - hd;
}

function decodeObb(out0, g, o, names) {
  const { d, channels, anchors } = dims(out0);
  const nc = names.length;
  if (channels !== 4 + nc + 1) throw new Error(`obb output has ${channels} channels, expected ${4 + nc + 1}`);
  const { idx, best, cls } = candidates(d, anchors, nc, o.conf);
  const n = idx.length;
  const ang = (4 + nc) * anchors;
  const X = new Float64Array(n), Y = new Float64Array(n), Wd = new Float64Array(n), Ht = new Float64Array(n), R = new Float64Array(n);
  const cov = new Array(n);
  for (let i = 0; i < n; i++) {
    const a = idx[i];
    const off = cls[a] * MAX_WH; // class-aware: offset the centre
    X[i] = Math.fround(d[a] + off);
    Y[i] = Math.fround(d[anchors + a] + off);
    Wd[i] = d[2 * anchors + a];
    Ht[i] = d[3 * anchors + a];
    R[i] = d[ang + a];
    cov[i] = covariance(Wd[i], Ht[i], R[i]);
  }
  // "fast NMS": dropped when any higher-scoring box (kept or not) has probiou >= iou
  const keep = [];
  for (let j = 0; j < n && keep.length < o.maxDet; j++) {
    let drop = false;
    for (let i = 0; i < j; i++) {
      if (probiou(X[i], Y[i], cov[i], X[j], Y[j], cov[j]) >= o.iou) {
        drop = true;
        break;
      }
    }
    if (!drop) keep.push(j);
  }
  const inv = inverseBoxes(g);
  const HALF_PI = Math.PI / 2;
  return keep.map((i) => {
    const a = idx[i];
    let w = d[2 * anchors + a], h = d[3 * anchors + a], t = d[ang + a];
    const tm = ((t % Math.PI) + Math.PI) % Math.PI;
    if (tm >= HALF_PI) [w, h] = [h, w];
    t = ((t % HALF_PI) + HALF_PI) % HALF_PI;
    const cx = (d[a] - inv.padX) / inv.gain, cy = (d[anchors + a] - inv.padY) / inv.gain;
    w /= inv.gain;
    h /= inv.gain;
    const c = Math.cos(t), s = Math.sin(t);
    const v1x = (w / 2) * c, v1y = (w / 2) * s, v2x = (-h / 2) * s, v2y = (h / 2) * c;
    const box = {
      x1: round5(cx + v1x + v2x), y1: round5(cy + v1y + v2y),
      x2: round5(cx + v1x - v2x), y2: round5(cy + v1y - v2y),
      x3: round5(cx - v1x - v2x), y3: round5(cy - v1y - v2y),
      x4: round5(cx - v1x + v2x), y4: round5(cy - v1y + v2y),
    };
    return { name: names[cls[a]], class: cls[a], confidence: round5(best[a]), box };
  });
}
