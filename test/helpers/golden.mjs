// Golden parity: compares yolo-native's HUB JSON with Ultralytics' own outputs in ../shared/golden, using the
// tolerances of ../shared/golden/README.md. Shared by every task's golden test.
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED = process.env.YOLO_NATIVE_SHARED || resolve(repoRoot, '..', 'shared');
export const MODELS = join(SHARED, 'models');
export const GOLDEN = join(SHARED, 'golden');
export const DATA = join(SHARED, 'data');

export const TOL = { box: 1.0, conf: 2e-3, maskIou: 0.95, kpt: 1.0, matchIou: 0.5 };

/** Every golden JSON under golden/<folder>/<variant>/ (recursively), skipping meta.json and tensors/. */
export function listGoldens(folder, variant) {
  const root = join(GOLDEN, folder, variant);
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.json')) out.push(p);
    }
  };
  if (existsSync(root)) walk(root);
  return out.sort();
}

export function variantsOf(folder) {
  return readdirSync(join(GOLDEN, folder)).filter((v) => v !== 'tensors' && statSync(join(GOLDEN, folder, v)).isDirectory()).sort();
}

export function readGolden(file) {
  const g = JSON.parse(readFileSync(file, 'utf8'));
  g.file = relative(GOLDEN, file);
  return g;
}

/** The predict options the golden was made with. */
export function goldenOptions(g) {
  const a = g.args;
  const o = { imgsz: a.imgsz_requested ?? a.imgsz[0], conf: a.conf, iou: a.iou };
  if (a.letterbox === 'rect' || a.letterbox === 'square') o.rect = a.letterbox === 'rect';
  if (a.max_det && a.max_det !== 300) o.maxDet = a.max_det;
  return o;
}

function boxIou(a, b) {
  const w = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const h = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const inter = w * h;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : a.x1 === b.x1 && a.y1 === b.y1 && a.x2 === b.x2 && a.y2 === b.y2 ? 1 : 0;
}

/** Rasterises a polygon (even-odd, pixel centres) into a Set-free bitmap over [x0,x0+w) x [y0,y0+h). */
export function rasterize(xs, ys, x0, y0, w, h) {
  const mask = new Uint8Array(w * h);
  const n = xs.length;
  if (n < 3) return mask;
  const cross = [];
  for (let row = 0; row < h; row++) {
    const y = y0 + row + 0.5;
    cross.length = 0;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const yi = ys[i], yj = ys[j];
      if ((yi > y) !== (yj > y)) cross.push(xs[i] + ((y - yi) * (xs[j] - xs[i])) / (yj - yi));
    }
    cross.sort((a, b) => a - b);
    for (let k = 0; k + 1 < cross.length; k += 2) {
      const from = Math.max(0, Math.ceil(cross[k] - x0 - 0.5));
      const to = Math.min(w - 1, Math.floor(cross[k + 1] - x0 - 0.5));
      for (let c = from; c <= to; c++) mask[row * w + c] = 1;
    }
  }
  return mask;
}

/** IoU of two polygons rasterised over their joint bounding box (image-size fill, restricted to where they are). */
export function polygonIou(ax, ay, bx, by) {
  if (ax.length < 3 && bx.length < 3) return 1;
  const all = [...ax, ...bx], allY = [...ay, ...by];
  const x0 = Math.floor(Math.min(...all)) - 1, y0 = Math.floor(Math.min(...allY)) - 1;
  const w = Math.ceil(Math.max(...all)) - x0 + 2, h = Math.ceil(Math.max(...allY)) - y0 + 2;
  const a = rasterize(ax, ay, x0, y0, w, h), b = rasterize(bx, by, x0, y0, w, h);
  let inter = 0, union = 0;
  for (let i = 0; i < a.length; i++) {
    inter += a[i] & b[i];
    union += a[i] | b[i];
  }
  return union === 0 ? 1 : inter / union;
}

const corners = (b) => [[b.x1, b.y1], [b.x2, b.y2], [b.x3, b.y3], [b.x4, b.y4]];

/** Largest corner distance for the best cyclic shift of b's corners, in either direction. */
export function obbCornerError(ga, gb) {
  const a = corners(ga), b = corners(gb);
  let best = Infinity;
  for (const order of [b, [...b].reverse()]) {
    for (let s = 0; s < 4; s++) {
      let worst = 0;
      for (let i = 0; i < 4; i++) {
        const p = order[(i + s) % 4];
        worst = Math.max(worst, Math.abs(a[i][0] - p[0]), Math.abs(a[i][1] - p[1]));
      }
      best = Math.min(best, worst);
    }
  }
  return best;
}

function obbIou(a, b) {
  const ca = corners(a), cb = corners(b);
  return polygonIou(ca.map((p) => p[0]), ca.map((p) => p[1]), cb.map((p) => p[0]), cb.map((p) => p[1]));
}

/**
 * Compares a `top5` list with the golden's raw.probs {top5, top5conf}: the i-th confidence within TOL.conf of the
 * golden's i-th, and each class's confidence within TOL.conf of the golden's for that class; a class the golden
 * does not list may only stand in for its 5th (a near tie with a 6th class). So classes whose probabilities are
 * within the tolerance may swap places, as export noise can do, and nothing else may differ.
 */
export function compareTop5(probs, top5) {
  const problems = [];
  const n = Math.min(5, probs.top5.length);
  if (top5.length !== n) return [`top5 has ${top5.length} entries, expected ${n}`];
  const golden = new Map(probs.top5.map((c, i) => [c, probs.top5conf[i]]));
  const fifth = probs.top5conf[n - 1];
  top5.forEach((t, i) => {
    if (Math.abs(t.confidence - probs.top5conf[i]) > TOL.conf) problems.push(`top-5 #${i + 1} confidence ${t.confidence} != ${probs.top5conf[i]}`);
    const want = golden.get(t.class);
    if (want === undefined ? t.confidence > fifth + TOL.conf : Math.abs(t.confidence - want) > TOL.conf) {
      problems.push(`top-5 #${i + 1} class ${t.class} (${t.confidence}) where Ultralytics has ${JSON.stringify(probs.top5)}`);
    }
  });
  if (new Set(top5.map((t) => t.class)).size !== top5.length) problems.push('top-5 repeats a class');
  return problems;
}

/**
 * Compares one golden with one HUB image entry. Returns a list of human-readable problems (empty = parity).
 * task: detect | segment | pose | obb | classify.
 */
export function compareImage(g, image, task) {
  const problems = [];
  const expected = g.hub.images[0];
  if (JSON.stringify(image.shape) !== JSON.stringify(expected.shape)) problems.push(`shape ${JSON.stringify(image.shape)} != ${JSON.stringify(expected.shape)}`);
  const gold = expected.results;
  const mine = image.results;
  if (task === 'classify') {
    const a = gold[0], b = mine[0];
    if (!b) return [...problems, 'no classify result'];
    if (a.class !== b.class) problems.push(`top-1 class ${b.class} (${b.name}) != ${a.class} (${a.name})`);
    else if (Math.abs(a.confidence - b.confidence) > TOL.conf) problems.push(`top-1 confidence ${b.confidence} != ${a.confidence}`);
    if (image.top5) problems.push(...compareTop5(g.raw.probs, image.top5));
    return problems;
  }
  const conf = g.args.conf;
  const nearThreshold = (r) => r.confidence <= conf + TOL.conf;
  const used = new Set();
  const sorted = [...gold].sort((a, b) => b.confidence - a.confidence);
  for (const a of sorted) {
    let best = -1, bestIou = -1;
    mine.forEach((b, j) => {
      if (used.has(j) || b.class !== a.class) return;
      const iou = task === 'obb' ? obbIou(a.box, b.box) : boxIou(a.box, b.box);
      if (iou > bestIou) { bestIou = iou; best = j; }
    });
    if (best < 0 || bestIou < TOL.matchIou) {
      if (!nearThreshold(a)) problems.push(`missing ${a.name} ${a.confidence} ${JSON.stringify(a.box)} (best IoU ${bestIou.toFixed(3)})`);
      continue;
    }
    used.add(best);
    const b = mine[best];
    const tag = `${a.name} ${a.confidence}`;
    if (Math.abs(a.confidence - b.confidence) > TOL.conf) problems.push(`${tag}: confidence ${b.confidence}`);
    if (task === 'obb') {
      const err = obbCornerError(a.box, b.box);
      if (err > TOL.box) problems.push(`${tag}: OBB corners off by ${err.toFixed(3)} px`);
    } else {
      const err = Math.max(...['x1', 'y1', 'x2', 'y2'].map((k) => Math.abs(a.box[k] - b.box[k])));
      if (err > TOL.box) problems.push(`${tag}: box off by ${err.toFixed(3)} px`);
    }
    if (task === 'segment') {
      const iou = polygonIou(a.segments.x, a.segments.y, b.segments?.x ?? [], b.segments?.y ?? []);
      if (iou < TOL.maskIou) problems.push(`${tag}: mask IoU ${iou.toFixed(4)}`);
    }
    if (task === 'pose') {
      const ka = a.keypoints, kb = b.keypoints;
      if (!kb || kb.x.length !== ka.x.length) problems.push(`${tag}: keypoint count`);
      else {
        for (let k = 0; k < ka.x.length; k++) {
          const d = Math.max(Math.abs(ka.x[k] - kb.x[k]), Math.abs(ka.y[k] - kb.y[k]));
          if (d > TOL.kpt) problems.push(`${tag}: keypoint ${k} off by ${d.toFixed(3)} px`);
          if (Math.abs(ka.visible[k] - kb.visible[k]) > TOL.conf) problems.push(`${tag}: keypoint ${k} visibility ${kb.visible[k]} != ${ka.visible[k]}`);
        }
      }
    }
  }
  mine.forEach((b, j) => {
    if (!used.has(j) && !nearThreshold(b)) problems.push(`extra ${b.name} ${b.confidence} ${JSON.stringify(b.box)}`);
  });
  return problems;
}

/** Reads a little-endian float32 .npy file into { shape, data }. */
export function readNpy(file) {
  const buf = readFileSync(file);
  const headerLen = buf.readUInt16LE(8);
  const header = buf.subarray(10, 10 + headerLen).toString('latin1');
  if (!header.includes("'<f4'")) throw new Error(`${file}: only <f4 supported (${header})`);
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(',').filter((s) => s.trim()).map(Number);
  const start = 10 + headerLen;
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length));
  return { shape, data };
}

/**
 * Runs `model` over golden files and returns { passed, failed: [{file, problems}] }.
 * `files` are golden JSON paths; the image comes from its `image` field under ../shared/data.
 */
export async function runGoldens(model, files, task, extraOptions = {}) {
  const failed = [];
  let passed = 0;
  for (const file of files) {
    const g = readGolden(file);
    const out = await model.predict(readFileSync(join(DATA, g.image)), { ...goldenOptions(g), ...extraOptions });
    const problems = compareImage(g, out.images[0], task);
    const want = g.input_tensor_shape.slice(2);
    if (JSON.stringify(out.metadata.inputShape) !== JSON.stringify(want)) problems.push(`input tensor ${JSON.stringify(out.metadata.inputShape)} != ${JSON.stringify(want)}`);
    if (problems.length) failed.push({ file: g.file, problems });
    else passed++;
  }
  return { passed, failed };
}

/** Standard assertion text for a golden run. */
export function describeFailures(failed, limit = 15) {
  return failed.slice(0, limit).map((f) => `${f.file}: ${f.problems.slice(0, 4).join('; ')}`).join('\n') + (failed.length > limit ? `\n... and ${failed.length - limit} more` : '');
}
