/**
 * The peer: the pipeline a Node user writes today with onnxruntime-node + sharp, written well.
 *
 *   decode + letterbox   sharp (libvips): metadata() for the size, then resize (linear) + extend (pad 114) -> raw RGB
 *                        classify: resize short side (linear, antialiased like PIL) + centre crop
 *   tensor               one JS pass HWC u8 RGB -> CHW float32 /255 (a 256-entry table), into a pooled Float32Array
 *   inference            onnxruntime-node InferenceSession.run
 *   postprocess          JS: best class per anchor, conf filter, stable sort, class-aware NMS (Ultralytics' offset
 *                        trick), scale back + clip; segment: masks only inside kept boxes + outer contours;
 *                        pose: keypoints; obb: probiou "fast" NMS, regularised xywhr -> corners; classify: top-1.
 *
 * Geometry is Ultralytics 8.3's (rect letterbox for dynamic models, square for static ones), so the detections are
 * the same as yolo-native's (checked by the bench within 1 px).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const sharp = require('sharp');
const ort = require('onnxruntime-node');

sharp.cache(false); // every request is a new image in real life: no libvips operation cache hits on a reused buffer

const MAX_WH = 7680; // Ultralytics max_wh (class offset for class-aware NMS)
const MAX_NMS = 30000;
const UNIT = new Float32Array(256);
for (let i = 0; i < 256; i++) UNIT[i] = i / 255;

const now = () => performance.now();

/** Python's round(): half to even. */
export function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Ultralytics LetterBox geometry (scaleup, centre, auto = rect). */
export function planLetterbox(h0, w0, th, tw, autoPad, stride) {
  const r = Math.min(th / h0, tw / w0);
  const newW = Math.max(1, roundHalfEven(w0 * r));
  const newH = Math.max(1, roundHalfEven(h0 * r));
  let dw = tw - newW;
  let dh = th - newH;
  if (autoPad) {
    dw = ((dw % stride) + stride) % stride;
    dh = ((dh % stride) + stride) % stride;
  }
  const top = roundHalfEven(dh / 2 - 0.1);
  const bottom = roundHalfEven(dh / 2 + 0.1);
  const left = roundHalfEven(dw / 2 - 0.1);
  const right = roundHalfEven(dw / 2 + 0.1);
  return { h0, w0, newW, newH, top, bottom, left, right, inH: newH + top + bottom, inW: newW + left + right };
}

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

  /** @param {{task:string, names:string[], stride:number, kpt?:[number,number]}} info */
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

  /** Decode + letterbox (or classify resize/crop) with sharp: raw RGB HWC bytes and the geometry. */
  async image(bytes, imgsz) {
    const meta = await sharp(bytes).metadata();
    const p = this.plan(imgsz);
    if (this.info.task === 'classify') {
      const S = p.h;
      const short = Math.min(meta.width, meta.height);
      const long = Math.max(meta.width, meta.height);
      const scaledLong = Math.floor((S * long) / short);
      const rw = meta.width <= meta.height ? S : scaledLong;
      const rh = meta.width <= meta.height ? scaledLong : S;
      const left = roundHalfEven((rw - S) / 2);
      const top = roundHalfEven((rh - S) / 2);
      const data = await sharp(bytes)
        .resize(rw, rh, { fit: 'fill', kernel: 'linear' })
        .extract({ left, top, width: S, height: S })
        .removeAlpha()
        .raw()
        .toBuffer();
      return { data, g: { h0: meta.height, w0: meta.width, inH: S, inW: S } };
    }
    const g = planLetterbox(meta.height, meta.width, p.h, p.w, p.autoPad, this.info.stride);
    const data = await sharp(bytes)
      .resize(g.newW, g.newH, { fit: 'fill', kernel: 'linear' })
      .extend({ top: g.top, bottom: g.bottom, left: g.left, right: g.right, background: { r: 114, g: 114, b: 114 } })
      .removeAlpha()
      .raw()
      .toBuffer();
    return { data, g };
  }

  /** HWC RGB u8 -> CHW float32 /255 in one pass. */
  toTensor(data, g) {
    const plane = g.inH * g.inW;
    if (data.length !== plane * 3) throw new Error(`sharp returned ${data.length} bytes, expected ${plane * 3}`);
    const t = this.pool.acquire(plane * 3);
    for (let i = 0, p = 0; i < plane; i++, p += 3) {
      t[i] = UNIT[data[p]];
      t[plane + i] = UNIT[data[p + 1]];
      t[2 * plane + i] = UNIT[data[p + 2]];
    }
    return t;
  }

  /** A pre-made input tensor for `bytes` (for the floor measurement). */
  async tensorFor(bytes, imgsz) {
    const { data, g } = await this.image(bytes, imgsz);
    const t = this.toTensor(data, g);
    return new ort.Tensor('float32', t, [1, 3, g.inH, g.inW]);
  }

  /** The whole pipeline; returns HUB-like results and per-stage times (ms). */
  async predict(bytes, { imgsz = 640, conf = 0.25, iou = 0.45, maxDet = 300 } = {}) {
    const t0 = now();
    const { data, g } = await this.image(bytes, imgsz);
    const t1 = now();
    const t = this.toTensor(data, g);
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
      speed: { decodeLetterbox: t1 - t0, tensor: t2 - t1, preprocess: t2 - t0, inference: t3 - t2, postprocess: t4 - t3 },
    };
  }

  decode(outputs, g, o) {
    const out0 = outputs[this.outputNames[0]];
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
    extra: { session: { intra_op: { allow_spinning: '1' } } }, // the same as yolo-native's default
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
  const coeff = new Float32Array(nm);
  return keep.map((i) => {
    const a = idx[i];
    for (let m = 0; m < nm; m++) coeff[m] = d[(4 + nc + m) * anchors + a];
    const poly = maskPolygon(protos, coeff, nm, mh, mw, b, i, g);
    const x = new Array(poly.length / 2), y = new Array(poly.length / 2);
    for (let p = 0; p < poly.length; p += 2) {
      x[p / 2] = round5(clamp((poly[p] - ic.padX) / ic.gain, 0, g.w0));
      y[p / 2] = round5(clamp((poly[p + 1] - ic.padY) / ic.gain, 0, g.h0));
    }
    return { name: names[cls[a]], class: cls[a], confidence: round5(best[a]), box: scaleBox(b, i, inv, g), segments: { x, y } };
  });
}

/**
 * Ultralytics process_mask (retina_masks=False), computed only where it can be non-zero: sigmoid(coeff . protos)
 * on the proto pixels inside the box (crop_mask), bilinear upsampling (align_corners=False) to the input size on
 * the box's input-pixel window, > 0.5; then the outer contour(s) of that binary mask (input-tensor pixels).
 */
function maskPolygon(protos, coeff, nm, mh, mw, b, i, g) {
  const sx = mw / g.inW, sy = mh / g.inH;
  const bx1 = b[4 * i] * sx, by1 = b[4 * i + 1] * sy, bx2 = b[4 * i + 2] * sx, by2 = b[4 * i + 3] * sy;
  const px0 = Math.max(0, Math.ceil(bx1)), px1 = Math.min(mw, Math.ceil(bx2)); // proto cols r with bx1 <= r < bx2
  const py0 = Math.max(0, Math.ceil(by1)), py1 = Math.min(mh, Math.ceil(by2));
  if (px1 <= px0 || py1 <= py0) return [];
  // cropped proto mask (zero outside), stored for the window [px0-1, px1] x [py0-1, py1] so interpolation sees the zeros
  const wx0 = Math.max(0, px0 - 1), wx1 = Math.min(mw - 1, px1), wy0 = Math.max(0, py0 - 1), wy1 = Math.min(mh - 1, py1);
  const ww = wx1 - wx0 + 1, wh = wy1 - wy0 + 1;
  const m = new Float32Array(ww * wh);
  const plane = mh * mw;
  for (let y = py0; y < py1; y++) {
    for (let x = px0; x < px1; x++) {
      let s = 0;
      const p = y * mw + x;
      for (let k = 0; k < nm; k++) s += coeff[k] * protos[k * plane + p];
      m[(y - wy0) * ww + (x - wx0)] = 1 / (1 + Math.exp(-s));
    }
  }
  // input pixels whose source lies in the window
  const ix0 = Math.max(0, Math.floor((wx0 + 0.5) / sx - 0.5)), ix1 = Math.min(g.inW, Math.ceil((wx1 + 1.5) / sx));
  const iy0 = Math.max(0, Math.floor((wy0 + 0.5) / sy - 0.5)), iy1 = Math.min(g.inH, Math.ceil((wy1 + 1.5) / sy));
  const W = ix1 - ix0, H = iy1 - iy0;
  if (W <= 0 || H <= 0) return [];
  const bin = new Uint8Array((W + 2) * (H + 2)); // 1-pixel zero border for the tracer
  const xs0 = new Int32Array(W), xs1 = new Int32Array(W), xl = new Float32Array(W);
  for (let x = 0; x < W; x++) {
    let s = (ix0 + x + 0.5) * sx - 0.5;
    if (s < 0) s = 0;
    const s0 = Math.floor(s);
    xs0[x] = s0;
    xs1[x] = s0 < mw - 1 ? s0 + 1 : s0;
    xl[x] = s - s0;
  }
  const at = (yy, xx) => (yy < wy0 || yy > wy1 || xx < wx0 || xx > wx1 ? 0 : m[(yy - wy0) * ww + (xx - wx0)]);
  for (let y = 0; y < H; y++) {
    let s = (iy0 + y + 0.5) * sy - 0.5;
    if (s < 0) s = 0;
    const y0 = Math.floor(s), y1 = y0 < mh - 1 ? y0 + 1 : y0, ly = s - y0;
    const row = (y + 1) * (W + 2) + 1;
    for (let x = 0; x < W; x++) {
      const lx = xl[x];
      const top = at(y0, xs0[x]) * (1 - lx) + at(y0, xs1[x]) * lx;
      const bot = at(y1, xs0[x]) * (1 - lx) + at(y1, xs1[x]) * lx;
      if (top * (1 - ly) + bot * ly > 0.5) bin[row + x] = 1;
    }
  }
  return outerContours(bin, W + 2, H + 2, ix0 - 1, iy0 - 1);
}

// 8-neighbourhood, clockwise with y down: E, SE, S, SW, W, NW, N, NE
const DX = [1, 1, 0, -1, -1, -1, 0, 1];
const DY = [0, 1, 1, 1, 0, -1, -1, -1];

/**
 * Outer borders of every 8-connected component (Suzuki-Abe border following, as cv2.findContours RETR_EXTERNAL),
 * compressed like CHAIN_APPROX_SIMPLE, concatenated in raster order of their start pixels. (Ultralytics joins
 * several contours with merge_multi_segment; the peer simply concatenates them: the same work, not the same path.)
 * `bin` has a zero border. Returns [x0, y0, x1, y1, ...] offset by (ox, oy).
 */
function outerContours(bin, W, H, ox, oy) {
  const label = new Uint8Array(W * H); // 1 = belongs to a component already traced
  const pts = [];
  const stack = [];
  for (let y = 1; y < H - 1; y++) {
    for (let x = 1; x < W - 1; x++) {
      const p = y * W + x;
      if (!bin[p] || label[p]) continue;
      traceBorder(bin, W, x, y, ox, oy, pts);
      // mark the whole component so its other rows do not start new borders
      stack.push(p);
      label[p] = 1;
      while (stack.length) {
        const q = stack.pop();
        const qx = q % W, qy = (q - qx) / W;
        for (let k = 0; k < 8; k++) {
          const r = (qy + DY[k]) * W + qx + DX[k];
          if (bin[r] && !label[r]) {
            label[r] = 1;
            stack.push(r);
          }
        }
      }
    }
  }
  return pts;
}

function traceBorder(bin, W, sx, sy, ox, oy, pts) {
  const nz = (x, y) => bin[y * W + x] !== 0;
  // step 3.1: clockwise from the west neighbour for the first non-zero
  let d1 = -1;
  for (let k = 0; k < 8; k++) {
    const dir = (4 + k) % 8;
    if (nz(sx + DX[dir], sy + DY[dir])) {
      d1 = dir;
      break;
    }
  }
  if (d1 < 0) {
    pts.push(sx + ox, sy + oy);
    return;
  }
  const x1 = sx + DX[d1], y1 = sy + DY[d1];
  let x3 = sx, y3 = sy; // current
  let back = d1; // direction from current to the previous border pixel
  let lastDir = -1;
  for (let guard = 0; guard < 4 * W * W + 16; guard++) {
    // step 3.3: counter-clockwise from the element after `back`
    let found = -1;
    for (let k = 1; k <= 8; k++) {
      const dir = (back - k + 16) % 8;
      if (nz(x3 + DX[dir], y3 + DY[dir])) {
        found = dir;
        break;
      }
    }
    const x4 = x3 + DX[found], y4 = y3 + DY[found];
    if (found !== lastDir) pts.push(x3 + ox, y3 + oy); // CHAIN_APPROX_SIMPLE: only where the direction changes
    lastDir = found;
    if (x4 === sx && y4 === sy && x3 === x1 && y3 === y1) break;
    back = (found + 4) % 8;
    x3 = x4;
    y3 = y4;
  }
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
