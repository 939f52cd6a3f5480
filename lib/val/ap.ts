/**
 * Average precision as Ultralytics 8.3.160 computes it (ultralytics/utils/metrics.py `ap_per_class`, `compute_ap`,
 * `smooth`), with the numpy functions they rely on (`np.interp`, `np.linspace`, `np.trapezoid`) reproduced exactly:
 * 101-point interpolated AP over the precision envelope, per class and IoU threshold; precision and recall read at
 * the confidence of the best mean F1 (smoothed).
 */

/** `np.linspace(start, stop, num)`: `i * step + start`, the last value exactly `stop`. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  if (num > 1) out[num - 1] = stop;
  return out;
}

/**
 * `np.interp(x, xp, fp, left, right)` for a non-decreasing xp (repeated values allowed): with j the last index where
 * xp[j] <= x, fp[j] when xp[j] == x, else the straight line from j to j + 1; left / right outside [xp[0], xp[-1]].
 */
export function interp(x: number, xp: ArrayLike<number>, fp: ArrayLike<number>, left?: number, right?: number): number {
  const n = xp.length;
  if (x < xp[0]) return left ?? fp[0];
  if (x > xp[n - 1]) return right ?? fp[n - 1];
  let lo = 0;
  let hi = n; // first index with xp > x
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x >= xp[mid]) lo = mid + 1;
    else hi = mid;
  }
  const j = lo - 1;
  if (j === n - 1 || xp[j] === x) return fp[j];
  const slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
  return slope * (x - xp[j]) + fp[j];
}

const AP_POINTS = linspace(0, 1, 101); // COCO's 101-point interpolation
const CURVE_POINTS = linspace(0, 1, 1000); // the confidence axis of the P, R and F1 curves

/** `compute_ap`: AP of one recall / precision curve (the precision envelope, integrated at 101 recall points). */
export function computeAp(recall: ArrayLike<number>, precision: ArrayLike<number>): number {
  const n = recall.length;
  const mrec = new Float64Array(n + 2);
  const mpre = new Float64Array(n + 2);
  mrec[0] = 0;
  mpre[0] = 1;
  for (let i = 0; i < n; i++) {
    mrec[i + 1] = recall[i];
    mpre[i + 1] = precision[i];
  }
  mrec[n + 1] = 1;
  mpre[n + 1] = 0;
  // the envelope: each precision becomes the highest precision at any higher recall
  for (let i = n; i >= 0; i--) if (mpre[i + 1] > mpre[i]) mpre[i] = mpre[i + 1];
  let area = 0; // np.trapezoid(np.interp(x, mrec, mpre), x)
  let previous = interp(AP_POINTS[0], mrec, mpre);
  for (let i = 1; i < AP_POINTS.length; i++) {
    const y = interp(AP_POINTS[i], mrec, mpre);
    area += ((AP_POINTS[i] - AP_POINTS[i - 1]) * (y + previous)) / 2;
    previous = y;
  }
  return area;
}

/** `smooth(y, f)`: a box filter over a fraction f of the curve, the ends padded with the end values. */
export function smooth(y: ArrayLike<number>, f: number): Float64Array {
  const n = y.length;
  const nf = Math.floor(pyRound(n * f * 2) / 2) + 1; // number of filter elements (odd)
  const half = Math.floor(nf / 2);
  const padded = new Float64Array(n + 2 * half);
  for (let i = 0; i < half; i++) {
    padded[i] = y[0];
    padded[half + n + i] = y[n - 1];
  }
  for (let i = 0; i < n; i++) padded[half + i] = y[i];
  const out = new Float64Array(padded.length - nf + 1);
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (let k = 0; k < nf; k++) s += padded[i + k] * (1 / nf);
    out[i] = s;
  }
  return out;
}

/** Python's round(): half to even. */
function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** What ap_per_class needs of every prediction: its true-positive flag per IoU threshold, confidence and class. */
export interface PredictionStats {
  /** tp[i * thresholds + t]: prediction i matched a label at threshold t. */
  tp: Uint8Array;
  thresholds: number;
  conf: Float64Array;
  predCls: Int32Array;
  /** The class of every label. */
  targetCls: Int32Array;
}

export interface ClassAp {
  class: number;
  /** Labels of the class. */
  instances: number;
  precision: number;
  recall: number;
  /** AP at each IoU threshold (0.50, 0.55, ... 0.95). */
  ap: number[];
}

export interface ApResult {
  /** One entry per class that has labels, by class index (`ap_class_index`). */
  classes: ClassAp[];
  precision: number;
  recall: number;
  mAP50: number;
  mAP50_95: number;
}

/**
 * `ap_per_class`: predictions ranked by confidence (a stable sort: numpy's unstable quicksort may order exact ties
 * differently), per class with labels the cumulative TP / FP, the P and R curves over 1000 confidences and AP at
 * every threshold; P and R are read at the maximum of the smoothed mean F1 curve. Classes without labels do not
 * count; classes with labels but no predictions count with AP 0.
 */
export function apPerClass(stats: PredictionStats): ApResult {
  const { tp, thresholds: nt, conf, predCls, targetCls } = stats;
  const eps = 1e-16;
  const order = Array.from(conf.keys()).sort((a, b) => conf[b] - conf[a] || a - b);

  const counts = new Map<number, number>();
  for (const c of targetCls) counts.set(c, (counts.get(c) ?? 0) + 1);
  const uniqueClasses = [...counts.keys()].sort((a, b) => a - b);
  if (uniqueClasses.length === 0) return { classes: [], precision: 0, recall: 0, mAP50: 0, mAP50_95: 0 };

  const nx = CURVE_POINTS.length;
  const pCurves: Float64Array[] = [];
  const rCurves: Float64Array[] = [];
  const aps: number[][] = [];
  for (const c of uniqueClasses) {
    const nl = counts.get(c) ?? 0;
    const mine = order.filter((i) => predCls[i] === c);
    const pCurve = new Float64Array(nx);
    const rCurve = new Float64Array(nx);
    const ap = new Array<number>(nt).fill(0);
    pCurves.push(pCurve);
    rCurves.push(rCurve);
    aps.push(ap);
    const np = mine.length;
    if (np === 0 || nl === 0) continue;
    const negConf = Float64Array.from(mine, (i) => -conf[i]); // ascending
    const recall = new Float64Array(np);
    const precision = new Float64Array(np);
    for (let t = 0; t < nt; t++) {
      let tpc = 0;
      let fpc = 0;
      for (let k = 0; k < np; k++) {
        if (tp[mine[k] * nt + t]) tpc++;
        else fpc++;
        recall[k] = tpc / (nl + eps);
        precision[k] = tpc / (tpc + fpc);
      }
      if (t === 0) {
        for (let k = 0; k < nx; k++) {
          rCurve[k] = interp(-CURVE_POINTS[k], negConf, recall, 0);
          pCurve[k] = interp(-CURVE_POINTS[k], negConf, precision, 1);
        }
      }
      ap[t] = computeAp(recall, precision);
    }
  }

  // max-F1 confidence of the mean F1 curve, smoothed over 10% of the axis
  const meanF1 = new Float64Array(nx);
  for (let ci = 0; ci < uniqueClasses.length; ci++) {
    for (let k = 0; k < nx; k++) {
      const p = pCurves[ci][k];
      const r = rCurves[ci][k];
      meanF1[k] += (2 * p * r) / (p + r + eps);
    }
  }
  for (let k = 0; k < nx; k++) meanF1[k] /= uniqueClasses.length;
  const smoothed = smooth(meanF1, 0.1);
  let best = 0;
  for (let k = 1; k < smoothed.length; k++) if (smoothed[k] > smoothed[best]) best = k;

  const classes = uniqueClasses.map((c, ci) => ({
    class: c,
    instances: counts.get(c) ?? 0,
    precision: pCurves[ci][best],
    recall: rCurves[ci][best],
    ap: aps[ci],
  }));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    classes,
    precision: mean(classes.map((c) => c.precision)),
    recall: mean(classes.map((c) => c.recall)),
    mAP50: mean(classes.map((c) => c.ap[0])),
    mAP50_95: mean(classes.flatMap((c) => c.ap)),
  };
}
