/**
 * The similarity measures Ultralytics' validators match with (ultralytics/utils/metrics.py): `box_iou`, `kpt_iou`
 * (OKS with the COCO sigmas) and `batch_probiou` (rotated boxes), plus the rotated-box conversions the OBB
 * validator's data go through (`xyxyxyxy2xywhr` = cv2.minAreaRect). All matrices are labels x predictions,
 * row-major; values are computed in float64 and rounded to float32 at the end (Ultralytics works in float32 tensors).
 */

const f32 = Math.fround;

/** `OKS_SIGMA`: the COCO keypoint sigmas (17 keypoints). */
export const OKS_SIGMA: readonly number[] = Object.freeze(
  [0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89, 0.89].map((s) => s / 10),
);

/** `box_iou(a, b)` of xyxy boxes (4 numbers each, flat), eps 1e-7 in the denominator. */
export function boxIou(a: ArrayLike<number>, b: ArrayLike<number>): Float32Array {
  const na = a.length / 4;
  const nb = b.length / 4;
  const out = new Float32Array(na * nb);
  for (let i = 0; i < na; i++) {
    const ax1 = a[4 * i], ay1 = a[4 * i + 1], ax2 = a[4 * i + 2], ay2 = a[4 * i + 3];
    const areaA = (ax2 - ax1) * (ay2 - ay1);
    for (let j = 0; j < nb; j++) {
      const bx1 = b[4 * j], by1 = b[4 * j + 1], bx2 = b[4 * j + 2], by2 = b[4 * j + 3];
      const w = Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1));
      const h = Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1));
      const inter = w * h;
      out[i * nb + j] = inter / (areaA + (bx2 - bx1) * (by2 - by1) - inter + 1e-7);
    }
  }
  return out;
}

/**
 * `kpt_iou`: object keypoint similarity of label keypoints (n x k x 3: x, y, visibility) and predicted keypoints
 * (m x k x 2 or 3, x and y used), over the label keypoints with visibility != 0; `area` per label (Ultralytics passes
 * the label box area x 0.53).
 */
export function keypointOks(labels: ArrayLike<number>, labelDims: number, predictions: ArrayLike<number>, predictionDims: number, keypoints: number, area: ArrayLike<number>, sigma: readonly number[]): Float32Array {
  const nl = labels.length / (keypoints * labelDims);
  const np = predictions.length / (keypoints * predictionDims);
  const out = new Float32Array(nl * np);
  const denominators = sigma.map((s) => (2 * f32(s)) ** 2);
  for (let i = 0; i < nl; i++) {
    const base = i * keypoints * labelDims;
    let visible = 0;
    for (let k = 0; k < keypoints; k++) if (labels[base + k * labelDims + 2] !== 0) visible++;
    for (let j = 0; j < np; j++) {
      const pb = j * keypoints * predictionDims;
      let sum = 0;
      for (let k = 0; k < keypoints; k++) {
        if (labels[base + k * labelDims + 2] === 0) continue;
        const dx = labels[base + k * labelDims] - predictions[pb + k * predictionDims];
        const dy = labels[base + k * labelDims + 1] - predictions[pb + k * predictionDims + 1];
        const e = (dx * dx + dy * dy) / (denominators[k] * (area[i] + 1e-7) * 2); // from cocoeval
        sum += Math.exp(-e);
      }
      out[i * np + j] = sum / (visible + 1e-7);
    }
  }
  return out;
}

/** A rotated box: centre, size and angle in radians (xywhr). */
export type RotatedBox = [cx: number, cy: number, w: number, h: number, angle: number];

function covariance([, , w, h, r]: RotatedBox): [number, number, number] {
  const a = (w * w) / 12;
  const b = (h * h) / 12;
  const cos = Math.cos(r);
  const sin = Math.sin(r);
  return [a * cos * cos + b * sin * sin, a * sin * sin + b * cos * cos, (a - b) * cos * sin];
}

/** `batch_probiou(a, b)`: 1 - Hellinger distance of the boxes' Gaussians (eps 1e-7), labels x predictions. */
export function probIou(a: readonly RotatedBox[], b: readonly RotatedBox[]): Float32Array {
  const eps = 1e-7;
  const out = new Float32Array(a.length * b.length);
  const cb = b.map(covariance);
  a.forEach((boxA, i) => {
    const [a1, b1, c1] = covariance(boxA);
    const [x1, y1] = boxA;
    b.forEach(([x2, y2], j) => {
      const [a2, b2, c2] = cb[j];
      const denominator = (a1 + a2) * (b1 + b2) - (c1 + c2) ** 2;
      const t1 = (((a1 + a2) * (y1 - y2) ** 2 + (b1 + b2) * (x1 - x2) ** 2) / (denominator + eps)) * 0.25;
      const t2 = (((c1 + c2) * (x2 - x1) * (y1 - y2)) / (denominator + eps)) * 0.5;
      const t3 = Math.log(denominator / (4 * Math.sqrt(Math.max(0, a1 * b1 - c1 * c1) * Math.max(0, a2 * b2 - c2 * c2)) + eps) + eps) * 0.5;
      const bd = Math.min(Math.max(t1 + t2 + t3, eps), 100);
      const hd = Math.sqrt(1 - Math.exp(-bd) + eps);
      out[i * b.length + j] = 1 - hd;
    });
  });
  return out;
}

/** The rotated box of 4 corners as the native OBB decoder writes them (xywhr2xyxyxyxy): pt1 = c + v1 + v2, pt2 = c + v1 - v2, pt3 = c - v1 - v2, pt4 = c - v1 + v2. */
export function cornersToRotatedBox(c: ArrayLike<number>): RotatedBox {
  const cx = (c[0] + c[2] + c[4] + c[6]) / 4;
  const cy = (c[1] + c[3] + c[5] + c[7]) / 4;
  const v1x = (c[0] - c[6]) / 2; // pt1 - pt4 = 2 v1
  const v1y = (c[1] - c[7]) / 2;
  const v2x = (c[0] - c[2]) / 2; // pt1 - pt2 = 2 v2
  const v2y = (c[1] - c[3]) / 2;
  return [cx, cy, 2 * Math.hypot(v1x, v1y), 2 * Math.hypot(v2x, v2y), Math.atan2(v1y, v1x)];
}

/**
 * cv2.minAreaRect of a point set (rotating calipers over the convex hull): the smallest-area enclosing rectangle,
 * as xywhr (angle of its first side). The convention of which side is "w" differs from OpenCV's, which probIou
 * does not see (the Gaussian of (w, h, r) equals that of (h, w, r + pi/2)).
 */
export function minAreaRect(points: ArrayLike<number>): RotatedBox {
  const hull = convexHull(points);
  if (hull.length === 1) return [hull[0][0], hull[0][1], 0, 0, 0];
  let best: RotatedBox | undefined;
  let bestArea = Infinity;
  for (let i = 0; i < hull.length; i++) {
    const [x0, y0] = hull[i];
    const [x1, y1] = hull[(i + 1) % hull.length];
    const len = Math.hypot(x1 - x0, y1 - y0);
    if (len === 0) continue;
    const ux = (x1 - x0) / len;
    const uy = (y1 - y0) / len;
    let minU = Infinity, maxU = -Infinity, minV = Infinity, maxV = -Infinity;
    for (const [x, y] of hull) {
      const u = x * ux + y * uy;
      const v = -x * uy + y * ux;
      minU = Math.min(minU, u);
      maxU = Math.max(maxU, u);
      minV = Math.min(minV, v);
      maxV = Math.max(maxV, v);
    }
    const area = (maxU - minU) * (maxV - minV);
    if (area < bestArea) {
      bestArea = area;
      const mu = (minU + maxU) / 2;
      const mv = (minV + maxV) / 2;
      best = [mu * ux - mv * uy, mu * uy + mv * ux, maxU - minU, maxV - minV, Math.atan2(uy, ux)];
    }
  }
  return best ?? [hull[0][0], hull[0][1], 0, 0, 0];
}

/** Andrew's monotone chain; collinear points dropped. */
function convexHull(flat: ArrayLike<number>): [number, number][] {
  const pts: [number, number][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pts.push([flat[i], flat[i + 1]]);
  pts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (pts.length < 3) return pts.filter((p, i) => i === 0 || p[0] !== pts[i - 1][0] || p[1] !== pts[i - 1][1]);
  const cross = (o: [number, number], a: [number, number], b: [number, number]) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: [number, number][] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: [number, number][] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  lower.pop();
  upper.pop();
  const hull = lower.concat(upper);
  return hull.length ? hull : [pts[0]];
}
