// The val metric code against numbers derived independently: hand-computed APs of small precision / recall curves
// (Ultralytics' compute_ap: sentinels, precision envelope, 101-point interpolation, trapezoid), its matching rule
// (match_predictions: each prediction's best-IoU label, then each label to its lowest-index prediction), and a small
// hand-made set of labels and predictions whose mAP, precision and recall a separate, plain implementation in this
// file computes (nothing here calls the library to get an expected value).
import { describe, expect, test } from 'vitest';
import { apPerClass, computeAp, interp } from '../dist/cjs/val/ap.js';
import { boxIou, keypointOks, OKS_SIGMA, probIou } from '../dist/cjs/val/iou.js';
import { IOU_THRESHOLDS, matchPredictions } from '../dist/cjs/val/match.js';

describe('compute_ap on hand-derived curves', () => {
  test('every prediction right: 0.995 (the last of the 101 points reads the (1, 0) sentinel)', () => {
    // 99 intervals at precision 1, the last from 1 down to 0: 0.99 + 0.005
    expect(computeAp([0.5, 1], [1, 1])).toBeCloseTo(0.995, 12);
  });
  test('a false positive ranked first: 0.4975, only with the precision envelope', () => {
    // recall [0, 1], precision [0, 0.5]; the envelope lifts the (0, 0) point to 0.5: 0.99 * 0.5 + 0.01 * 0.25
    expect(computeAp([0, 1], [0, 0.5])).toBeCloseTo(0.4975, 12);
  });
  test('TP, FP, TP over 2 labels: 0.828333 (the envelope fills the dip at recall 0.5)', () => {
    // 1 on [0, 0.5), 2/3 from 0.5 to 0.99, 0 at 1: 0.49 + (1 + 2/3) / 200 + 0.49 * 2/3 + (2/3) / 200
    expect(computeAp([0.5, 0.5, 1], [1, 0.5, 2 / 3])).toBeCloseTo(0.49 + (1 + 2 / 3) / 200 + (0.49 * 2) / 3 + 2 / 3 / 200, 12);
  });
  test('np.interp reads the last of repeated x values', () => {
    expect(interp(0.5, [0, 0.5, 0.5, 1], [1, 0.9, 0.4, 0])).toBe(0.4);
    expect(interp(0.75, [0, 0.5, 0.5, 1], [1, 0.9, 0.4, 0])).toBeCloseTo(0.2, 12);
    expect(interp(-1, [0, 1], [3, 4], 7)).toBe(7);
  });
});

describe('match_predictions', () => {
  test('a label goes to the lowest-index prediction whose best label it is, not to its best-IoU prediction', () => {
    // labels L0, L1 (class 0); predictions P0 (more confident), P1. IoU (labels x predictions):
    //   L0: P0 0.62, P1 0.90;  L1: P0 0.55, P1 0.70
    // At 0.50-0.60 the best label of P0 is L0 (0.62), of P1 L0 too (0.90): L0 goes to P0 (lower index), P1 is a
    // false positive and L1 stays unmatched although P1 overlaps it by 0.70 (a greedy COCO matcher would give two
    // true positives). From 0.65 P0 has no pair left, and L0 goes to P1 up to 0.90.
    const tp = matchPredictions([0, 0], [0, 0], [0.62, 0.9, 0.55, 0.7].map(Math.fround));
    const n = IOU_THRESHOLDS.length;
    expect([...tp.slice(0, n)]).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect([...tp.slice(n)]).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 1, 0]);
  });
  test('classes must agree, and the thresholds are float32 0.50 ... 0.95', () => {
    expect(IOU_THRESHOLDS.length).toBe(10);
    expect(IOU_THRESHOLDS[0]).toBe(0.5);
    expect(IOU_THRESHOLDS[9]).toBe(Math.fround(0.95));
    expect([...matchPredictions([1], [0], [0.99])]).toEqual(new Array(10).fill(0));
    expect([...matchPredictions([0], [0], [Math.fround(0.75)])]).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 0, 0]);
  });
});

describe('similarity measures', () => {
  test('box IoU', () => {
    const iou = boxIou([0, 0, 10, 10], [0, 0, 10, 5, 5, 5, 15, 15, 20, 20, 30, 30]);
    expect(iou[0]).toBeCloseTo(0.5, 6);
    expect(iou[1]).toBeCloseTo(25 / 175, 6);
    expect(iou[2]).toBe(0);
  });
  test('OKS: exp(-d^2 / (2 (2 sigma)^2 area)) averaged over visible label keypoints', () => {
    const label = new Array(17 * 3).fill(0);
    label[0] = 10; label[1] = 10; label[2] = 2; // nose visible at (10, 10)
    label[3] = 20; label[4] = 20; label[5] = 0; // invisible: ignored
    const pred = new Array(17 * 2).fill(0);
    pred[0] = 13; pred[1] = 14; // 5 px from the nose
    const area = 40000;
    const want = Math.exp(-25 / (2 * (2 * 0.026) ** 2 * area)); // 0.891 (sigma not doubled: 0.630)
    expect(keypointOks(label, 3, pred, 2, 17, [area], OKS_SIGMA)[0]).toBeCloseTo(want, 5);
    expect(want).toBeCloseTo(0.891, 3);
  });
  test('probiou: 1 for the same box, symmetric under w/h swap + 90 degrees', () => {
    const box = [50, 50, 40, 10, 0.3];
    expect(probIou([box], [box])[0]).toBeCloseTo(1, 3);
    expect(probIou([box], [[50, 50, 10, 40, 0.3 + Math.PI / 2]])[0]).toBeCloseTo(1, 3);
    expect(probIou([box], [[150, 50, 40, 10, 0.3]])[0]).toBeLessThan(0.01);
  });
});

// ---- an independent implementation of Ultralytics' metrics, written plainly from their definitions ----

const THRESHOLDS = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];

function plainIou(a, b) {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

/** Each prediction (in confidence order) picks its best same-class label at or above t; a label counts once, for the first prediction that picked it. */
function plainTruePositives(labels, preds, t) {
  const picked = preds.map((p) => {
    let best = -1;
    let bestIou = -1;
    labels.forEach((l, i) => {
      const v = l.cls === p.cls ? plainIou(l.box, p.box) : 0;
      if (v >= t && v > bestIou) [best, bestIou] = [i, v];
    });
    return best;
  });
  const used = new Set();
  return picked.map((l) => (l >= 0 && !used.has(l) ? (used.add(l), true) : false));
}

/** Precision at recall x: the envelope (best precision at this or any higher recall), linear between curve points. */
function plainAp(recall, precision) {
  const pts = [[0, 1], ...recall.map((r, i) => [r, precision[i]]), [1, 0]];
  for (let i = pts.length - 2; i >= 0; i--) pts[i][1] = Math.max(pts[i][1], pts[i + 1][1]);
  const at = (x) => {
    let j = 0;
    while (j + 1 < pts.length && pts[j + 1][0] <= x) j++;
    if (pts[j][0] === x || j === pts.length - 1) return pts[j][1];
    const [[x0, y0], [x1, y1]] = [pts[j], pts[j + 1]];
    return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
  };
  let area = 0;
  for (let k = 0; k < 100; k++) area += (at((k + 1) / 100) + at(k / 100)) / 2 / 100;
  return area;
}

function plainMetrics(images) {
  const rows = []; // every prediction: conf, class, TP per threshold
  const labelCount = new Map();
  for (const { labels, preds } of images) {
    for (const l of labels) labelCount.set(l.cls, (labelCount.get(l.cls) ?? 0) + 1);
    const sorted = [...preds].sort((a, b) => b.conf - a.conf);
    const tps = THRESHOLDS.map((t) => plainTruePositives(labels, sorted, t));
    sorted.forEach((p, i) => rows.push({ ...p, tp: tps.map((x) => x[i]) }));
  }
  rows.sort((a, b) => b.conf - a.conf);
  const classes = [...labelCount.keys()].sort((a, b) => a - b);
  const perClass = classes.map((c) => {
    const mine = rows.filter((r) => r.cls === c);
    const n = labelCount.get(c);
    const ap = THRESHOLDS.map((_, t) => {
      if (!mine.length) return 0;
      let tp = 0;
      const recall = [];
      const precision = [];
      mine.forEach((r, i) => {
        tp += r.tp[t] ? 1 : 0;
        recall.push(tp / n);
        precision.push(tp / (i + 1));
      });
      return plainAp(recall, precision);
    });
    // P and R at confidence x (IoU 0.50): of the predictions above x; none above x: precision 1, recall 0
    const pr = (x) => {
      const above = mine.filter((r) => r.conf > x);
      if (!mine.length) return [0, 0];
      if (!above.length) return [1, 0];
      const tp = above.filter((r) => r.tp[0]).length;
      if (x < mine[mine.length - 1].conf) return [tp / above.length, tp / n];
      // between two confidences: linear in confidence, as np.interp on the curve
      const k = above.length - 1;
      const [c0, c1] = [mine[k].conf, mine[k + 1].conf];
      const [p0, r0] = [tp / above.length, tp / n];
      const tp1 = tp + (mine[k + 1].tp[0] ? 1 : 0);
      const [p1, r1] = [tp1 / (k + 2), tp1 / n];
      const f = (c0 - x) / (c0 - c1);
      return [p0 + (p1 - p0) * f, r0 + (r1 - r0) * f];
    };
    return { c, n, ap, pr };
  });
  // the confidence of the best mean F1, after a 101-wide box filter over 1000 confidences (ends padded)
  const xs = Array.from({ length: 1000 }, (_, i) => i / 999);
  const f1 = xs.map((x) => perClass.reduce((s, k) => {
    const [p, r] = k.pr(x);
    return s + (2 * p * r) / (p + r + 1e-16);
  }, 0) / perClass.length);
  const padded = [...new Array(50).fill(f1[0]), ...f1, ...new Array(50).fill(f1[999])];
  const smoothed = xs.map((_, i) => padded.slice(i, i + 101).reduce((a, b) => a + b, 0) / 101);
  const best = smoothed.indexOf(Math.max(...smoothed));
  const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
  const pAt = perClass.map((k) => k.pr(xs[best]));
  return {
    perClass: perClass.map((k) => ({ cls: k.c, ap: k.ap })),
    mAP50: mean(perClass.map((k) => k.ap[0])),
    mAP50_95: mean(perClass.flatMap((k) => k.ap)),
    precision: mean(pAt.map((x) => x[0])),
    recall: mean(pAt.map((x) => x[1])),
  };
}

// Two images. Class 0: 3 labels; class 1: 2; class 3: 1 label, never predicted (AP 0, counted); class 2: predicted,
// never labelled (ignored). Predicted boxes share an edge with their label, so IoU = the fraction of its height.
const box = (x, y, h = 10) => [x, y, x + 10, y + h];
const IMAGES = [
  {
    labels: [{ cls: 0, box: box(0, 0) }, { cls: 0, box: box(20, 0) }, { cls: 1, box: box(0, 20) }, { cls: 3, box: box(40, 40) }],
    preds: [
      { conf: 0.95, cls: 0, box: box(0, 0, 9.3) }, // IoU 0.93
      { conf: 0.9, cls: 0, box: box(20, 0, 7.2) }, // 0.72
      { conf: 0.85, cls: 0, box: box(0, 0, 5.6) }, // 0.56 on a label already taken: false positive
      { conf: 0.6, cls: 1, box: box(0, 20, 8.1) }, // 0.81
      { conf: 0.4, cls: 2, box: box(60, 60) }, // no class-2 labels
    ],
  },
  {
    labels: [{ cls: 0, box: box(0, 0) }, { cls: 1, box: box(100, 100) }],
    preds: [
      { conf: 0.7, cls: 0, box: box(50, 50) }, // nothing there
      { conf: 0.5, cls: 0, box: box(0, 0, 6.6) }, // 0.66
      { conf: 0.3, cls: 1, box: box(100, 100, 9.7) }, // 0.97
      { conf: 0.2, cls: 1, box: box(100, 100, 4.9) }, // 0.49: below every threshold
    ],
  },
];

function libraryMetrics(images) {
  const parts = images.map(({ labels, preds }) => {
    const sorted = [...preds].sort((a, b) => b.conf - a.conf);
    const iou = boxIou(labels.flatMap((l) => l.box), sorted.flatMap((p) => p.box));
    const tp = matchPredictions(sorted.map((p) => p.cls), labels.map((l) => l.cls), iou);
    return { tp, conf: sorted.map((p) => p.conf), cls: sorted.map((p) => p.cls), target: labels.map((l) => l.cls) };
  });
  return apPerClass({
    tp: Uint8Array.from(parts.flatMap((p) => [...p.tp])),
    thresholds: 10,
    conf: Float64Array.from(parts.flatMap((p) => p.conf)),
    predCls: Int32Array.from(parts.flatMap((p) => p.cls)),
    targetCls: Int32Array.from(parts.flatMap((p) => p.target)),
  });
}

describe('ap_per_class on a hand-made set', () => {
  const want = plainMetrics(IMAGES);
  const got = libraryMetrics(IMAGES);

  test('hand-derived checkpoints of the independent implementation', () => {
    const c1 = want.perClass.find((k) => k.cls === 1);
    expect(c1.ap[0]).toBeCloseTo(0.995, 10); // IoU 0.50: TP 0.81, TP 0.97, FP 0.49
    expect(c1.ap[7]).toBeCloseTo(0.3325, 10); // IoU 0.85: FP, TP, FP -> 0.245 + 0.0041667 + 0.0833333
    expect(want.perClass.find((k) => k.cls === 3).ap).toEqual(new Array(10).fill(0));
    expect(want.perClass.map((k) => k.cls)).toEqual([0, 1, 3]);
  });

  test('per-class AP at every threshold, mAP50 and mAP50-95 match', () => {
    expect(got.classes.map((c) => c.class)).toEqual([0, 1, 3]);
    expect(got.classes.map((c) => c.instances)).toEqual([3, 2, 1]);
    got.classes.forEach((c, i) => c.ap.forEach((ap, t) => expect(ap, `class ${c.class} threshold ${t}`).toBeCloseTo(want.perClass[i].ap[t], 10)));
    expect(got.mAP50).toBeCloseTo(want.mAP50, 10);
    expect(got.mAP50_95).toBeCloseTo(want.mAP50_95, 10);
    expect(got.mAP50_95).toBeGreaterThan(0.3);
    expect(got.mAP50_95).toBeLessThan(got.mAP50);
  });

  test('precision and recall at the best smoothed mean F1 match', () => {
    expect(got.precision).toBeCloseTo(want.precision, 6);
    expect(got.recall).toBeCloseTo(want.recall, 6);
  });

  test('no labels at all: zeros, not NaN', () => {
    const r = apPerClass({ tp: new Uint8Array(10), thresholds: 10, conf: Float64Array.of(0.9), predCls: Int32Array.of(0), targetCls: new Int32Array(0) });
    expect(r).toEqual({ classes: [], precision: 0, recall: 0, mAP50: 0, mAP50_95: 0 });
  });
});
