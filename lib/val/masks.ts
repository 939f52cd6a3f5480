/**
 * Mask IoU as Ultralytics' segment validator computes it, on the mask grid (network input / 4):
 *  - labels: polygons resampled to 1000 points (resample_segments), rasterized and downsampled one by one
 *    (polygon2mask), then stacked largest first so that smaller objects overwrite larger ones
 *    (polygons2masks_overlap, overlap_mask=True): each label owns the grid cells that carry its index;
 *  - predictions: the validator thresholds the prototype-resolution mask (process_mask, no upsampling). The HUB JSON
 *    carries the outline of the upsampled mask instead, in original pixels; it is mapped back to input pixels,
 *    rasterized there (which recovers the upsampled mask, less holes and detached parts the outline leaves out) and
 *    downsampled by the same rule as the labels. Cells of the upsampled mask that border the object sit at the same
 *    place as the prototype cells they come from, so the two agree except along the edges.
 */
import { maskArea, polygonMask, resampleSegment, type MaskWindow } from './raster.js';
import { labelPolygonToInput, originalPolygonToInput, type ValGeometry } from './geometry.js';

/** Ultralytics' mask_ratio: masks are computed at 1/4 of the network input. */
export const MASK_RATIO = 4;

export interface LabelMasks {
  width: number;
  height: number;
  /** Per grid cell: 0, or 1 + the label index in `order`. */
  owner: Int32Array;
  /** order[k]: the original index of the k-th label (largest mask first). */
  order: number[];
  /** Cells owned by each label, in `order`. */
  areas: Int32Array;
}

/** The overlap mask of an image's label polygons (normalized). */
export function labelMasks(segments: Float32Array[], g: ValGeometry): LabelMasks {
  const width = Math.floor(g.inW / MASK_RATIO);
  const height = Math.floor(g.inH / MASK_RATIO);
  // update_labels_info: 1000 points, or one more than the longest polygon
  const longest = Math.max(0, ...segments.map((s) => s.length / 2));
  const n = longest > 1000 ? longest + 1 : 1000;
  const windows = segments.map((s) => polygonMask(labelPolygonToInput(resampleSegment(s, n), g), g.inW, g.inH, width, height));
  const sizes = windows.map(maskArea);
  const order = sizes.map((_, i) => i).sort((a, b) => sizes[b] - sizes[a] || a - b);
  const owner = new Int32Array(width * height);
  order.forEach((original, k) => paint(owner, width, windows[original], k + 1));
  const areas = new Int32Array(order.length);
  for (const v of owner) if (v) areas[v - 1]++;
  return { width, height, owner, order, areas };
}

function paint(grid: Int32Array, width: number, win: MaskWindow, value: number) {
  for (let y = 0; y < win.height; y++) {
    for (let x = 0; x < win.width; x++) if (win.data[y * win.width + x]) grid[(win.y0 + y) * width + win.x0 + x] = value;
  }
}

/** A predicted outline (original pixels) as a mask on the grid; an empty outline is an empty mask. */
export function predictionMask(xs: ArrayLike<number>, ys: ArrayLike<number>, g: ValGeometry): MaskWindow {
  const width = Math.floor(g.inW / MASK_RATIO);
  const height = Math.floor(g.inH / MASK_RATIO);
  if (xs.length === 0) return { x0: 0, y0: 0, width: 0, height: 0, data: new Uint8Array(0) };
  return polygonMask(originalPolygonToInput(xs, ys, g), g.inW, g.inH, width, height);
}

/** mask_iou(labels, predictions): labels x predictions, eps 1e-7. */
export function maskIou(labels: LabelMasks, predictions: MaskWindow[]): Float32Array {
  const nl = labels.order.length;
  const np = predictions.length;
  const out = new Float32Array(nl * np);
  const inter = new Int32Array(nl);
  predictions.forEach((win, j) => {
    inter.fill(0);
    let area = 0;
    for (let y = 0; y < win.height; y++) {
      const row = (win.y0 + y) * labels.width + win.x0;
      for (let x = 0; x < win.width; x++) {
        if (!win.data[y * win.width + x]) continue;
        area++;
        const o = labels.owner[row + x];
        if (o) inter[o - 1]++;
      }
    }
    for (let i = 0; i < nl; i++) out[i * np + j] = inter[i] / (labels.areas[i] + area - inter[i] + 1e-7);
  });
  return out;
}

