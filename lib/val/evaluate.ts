/**
 * One image's contribution to the metrics, per task, as the validators' update_metrics / _process_batch make it:
 * labels and predictions both in original pixels (the validator's ratio_pad), true positives at the 10 IoU
 * thresholds by box IoU, and for segment by mask IoU (masks.ts), for pose by OKS, for OBB by probiou.
 */
import type { Box, HubResult, ObbBox } from '../model.js';
import { labelBoxesToOriginal, labelKeypointsToOriginal, type ValGeometry } from './geometry.js';
import { boxIou, cornersToRotatedBox, keypointOks, minAreaRect, OKS_SIGMA, probIou, type RotatedBox } from './iou.js';
import type { ImageLabels } from './labels.js';
import { labelMasks, maskIou, predictionMask } from './masks.js';
import { matchPredictions } from './match.js';

export type DetectionTask = 'detect' | 'segment' | 'pose' | 'obb';

export interface ImageMatches {
  /** True positives by box (rotated box for OBB), predictions x thresholds. */
  tp: Uint8Array;
  /** Segment: by mask IoU; pose: by OKS. */
  tpExtra?: Uint8Array;
  conf: Float64Array;
  predCls: Int32Array;
  targetCls: Int32Array;
}

/** kpt_shape [17, 3] uses the COCO sigmas, any other keypoint count 1 / k each (PoseValidator.init_metrics). */
export function keypointSigmas(kptShape: [number, number]): number[] {
  return kptShape[0] === 17 && kptShape[1] === 3 ? [...OKS_SIGMA] : new Array<number>(kptShape[0]).fill(1 / kptShape[0]);
}

function xyxyOf(results: HubResult[]): Float64Array {
  const out = new Float64Array(results.length * 4);
  results.forEach((r, i) => {
    const b = r.box!;
    out.set([b.x1, b.y1, b.x2, b.y2], 4 * i);
  });
  return out;
}

/** A label's 4 corners (normalized) as the OBB validator's xywhr in original pixels: minAreaRect in input pixels, then scale_boxes(xywh=True) and its clip. */
function labelRotatedBox(corners: ArrayLike<number>, g: ValGeometry): RotatedBox {
  const f = Math.fround;
  const input = new Float32Array(corners.length);
  for (let i = 0; i < corners.length; i += 2) {
    input[i] = f(f(corners[i] * g.newW) + g.left);
    input[i + 1] = f(f(corners[i + 1] * g.newH) + g.top);
  }
  const [cx, cy, w, h, r] = minAreaRect(input);
  const clip = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  return [clip((cx - g.left) / g.gain, g.origW), clip((cy - g.top) / g.gain, g.origH), clip(w / g.gain, g.origW), clip(h / g.gain, g.origH), r];
}

export interface EvaluateContext {
  task: DetectionTask;
  geometry: ValGeometry;
  /** Pose: keypoints per object and the OKS sigmas. */
  kptShape?: [number, number];
  sigmas?: number[];
}

export function evaluateImage(labels: ImageLabels, results: HubResult[], ctx: EvaluateContext): ImageMatches {
  const g = ctx.geometry;
  const conf = Float64Array.from(results, (r) => r.confidence);
  const predCls = Int32Array.from(results, (r) => r.class);
  let targetCls = labels.cls;
  let labelBoxes = labels.boxes;

  if (ctx.task === 'obb') {
    const labelRotated: RotatedBox[] = [];
    for (let i = 0; i < targetCls.length; i++) {
      const seg = labels.segments[i];
      if (seg && seg.length >= 4) labelRotated.push(labelRotatedBox(seg, g));
      else {
        // a box label in an OBB set: its axis-aligned rectangle
        const [x1, y1, x2, y2] = labelBoxesToOriginal(labelBoxes.subarray(4 * i, 4 * i + 4), g);
        labelRotated.push([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1, 0]);
      }
    }
    const predRotated = results.map((r) => {
      const b = r.box as ObbBox;
      return cornersToRotatedBox([b.x1, b.y1, b.x2, b.y2, b.x3, b.y3, b.x4, b.y4]);
    });
    return { tp: matchPredictions(predCls, targetCls, probIou(labelRotated, predRotated)), conf, predCls, targetCls };
  }

  let tpExtra: Uint8Array | undefined;
  if (ctx.task === 'segment') {
    // labels in the overlap mask's order, largest first (Format._format_segments reorders the instances)
    const masks = labelMasks(labels.segments, g);
    targetCls = Int32Array.from(masks.order, (k) => labels.cls[k]);
    labelBoxes = Float32Array.from(masks.order.flatMap((k) => Array.from(labels.boxes.subarray(4 * k, 4 * k + 4))));
    const predMasks = results.map((r) => predictionMask(r.segments?.x ?? [], r.segments?.y ?? [], r.box as Box, g));
    tpExtra = matchPredictions(predCls, targetCls, maskIou(masks, predMasks));
  }
  const gtBoxes = labelBoxesToOriginal(labelBoxes, g);
  if (ctx.task === 'pose') {
    const [k] = ctx.kptShape!;
    const gtKpts = labelKeypointsToOriginal(labels.keypoints!, g);
    const area = Float64Array.from({ length: targetCls.length }, (_, i) => (gtBoxes[4 * i + 2] - gtBoxes[4 * i]) * (gtBoxes[4 * i + 3] - gtBoxes[4 * i + 1]) * 0.53);
    const predKpts = new Float64Array(results.length * k * 2);
    results.forEach((r, i) => {
      for (let j = 0; j < k; j++) {
        predKpts[(i * k + j) * 2] = r.keypoints!.x[j];
        predKpts[(i * k + j) * 2 + 1] = r.keypoints!.y[j];
      }
    });
    tpExtra = matchPredictions(predCls, targetCls, keypointOks(gtKpts, 3, predKpts, 2, k, area, ctx.sigmas!));
  }
  const tp = matchPredictions(predCls, targetCls, boxIou(gtBoxes, xyxyOf(results)));
  return { tp, ...(tpExtra ? { tpExtra } : {}), conf, predCls, targetCls };
}
