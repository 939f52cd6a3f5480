/**
 * Which predictions are true positives: Ultralytics' `BaseValidator.match_predictions` (engine/validator.py, the
 * default non-scipy path), at its 10 IoU thresholds `torch.linspace(0.5, 0.95, 10)` in float32.
 */

/** torch.linspace(0.5, 0.95, 10) in float32: start + step * i for the first half, end - step * (steps - 1 - i) after. */
function torchLinspaceF32(start: number, end: number, steps: number): number[] {
  const f = Math.fround;
  const s = f(start);
  const e = f(end);
  const step = f(f(e - s) / (steps - 1));
  const half = Math.floor(steps / 2);
  return Array.from({ length: steps }, (_, i) => (i < half ? f(s + f(step * i)) : f(e - f(step * (steps - i - 1)))));
}

export const IOU_THRESHOLDS: readonly number[] = Object.freeze(torchLinspaceF32(0.5, 0.95, 10));

/**
 * For each IoU threshold: the (label, prediction) pairs of the same class with IoU >= threshold, best IoU first;
 * each prediction keeps its highest-IoU pair, then each label keeps, of the pairs left, the one with the lowest
 * prediction index (np.unique's first occurrence after the pairs were reordered by prediction), i.e. the most
 * confident prediction since predictions come sorted by confidence. Ties in IoU go to the later pair in row-major
 * order (a stable ascending sort reversed, as numpy's argsort()[::-1] does for small arrays).
 *
 * @param iou labels x predictions, row-major (iou[l * predictions + p])
 * @returns tp[p * thresholds + t] = 1 when prediction p is a true positive at threshold t
 */
export function matchPredictions(predCls: ArrayLike<number>, trueCls: ArrayLike<number>, iou: ArrayLike<number>, thresholds: readonly number[] = IOU_THRESHOLDS): Uint8Array {
  const np = predCls.length;
  const nl = trueCls.length;
  const nt = thresholds.length;
  const tp = new Uint8Array(np * nt);
  if (np === 0 || nl === 0) return tp;
  const lowest = Math.min(...thresholds);
  // every candidate pair once, in row-major order (np.nonzero), with its class-masked IoU
  const pairs: { l: number; p: number; v: number }[] = [];
  for (let l = 0; l < nl; l++) {
    for (let p = 0; p < np; p++) {
      const v = trueCls[l] === predCls[p] ? iou[l * np + p] : 0;
      if (v >= lowest) pairs.push({ l, p, v });
    }
  }
  pairs.reverse(); // so that the stable descending sort below puts the later of two equal IoUs first
  pairs.sort((a, b) => b.v - a.v);
  const bestOfPrediction = new Int32Array(np);
  const labelTaken = new Int32Array(nl);
  for (let t = 0; t < nt; t++) {
    bestOfPrediction.fill(-1);
    for (let k = 0; k < pairs.length; k++) {
      const pair = pairs[k];
      if (pair.v >= thresholds[t] && bestOfPrediction[pair.p] < 0) bestOfPrediction[pair.p] = k;
    }
    labelTaken.fill(0);
    for (let p = 0; p < np; p++) {
      const k = bestOfPrediction[p];
      if (k < 0) continue;
      const { l } = pairs[k];
      if (labelTaken[l]) continue;
      labelTaken[l] = 1;
      tp[p * nt + t] = 1;
    }
  }
  return tp;
}
