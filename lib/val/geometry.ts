/**
 * The validator's letterbox, computed on the JS side too (the native plan is native/image.cc PlanValLetterbox and
 * native/pipeline.cc PlanValInput; the two must agree, and validate() checks every image's input shape against the
 * one predict reports): where the labels land in the network input, and the ratio_pad that maps both labels and
 * predictions back to original pixels.
 */

export interface ValGeometry {
  origH: number;
  origW: number;
  /** The image after load_image's resize (before padding). */
  newH: number;
  newW: number;
  top: number;
  left: number;
  /** Network input size. */
  inH: number;
  inW: number;
  /** ratio_pad[0][0]: newH / origH, the gain scale_boxes / scale_coords divide by. */
  gain: number;
}

/** How the target input shape is chosen: Ultralytics' rect val shape (dynamic models), imgsz square, or a fixed size. */
export type ValShape = { kind: 'rect'; stride: number } | { kind: 'square' } | { kind: 'fixed'; h: number; w: number };

/** Python's round(): half to even (only .5 - 0.1 style values reach it here, but keep it exact). */
function pyRound(x: number): number {
  const r = Math.round(x) + 0; // + 0: no -0
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * load_image (long side to imgsz, ceil'd sides capped at imgsz) then LetterBox(scaleup=False, center=True) into the
 * target: for 'rect', ceil(shape * imgsz / stride + 0.5) * stride with shape [h/w, 1] or [1, w/h] (set_rectangle with
 * a batch of one, pad 0.5).
 */
export function valGeometry(origH: number, origW: number, imgsz: number, shape: ValShape): ValGeometry {
  let targetH = imgsz;
  let targetW = imgsz;
  if (shape.kind === 'fixed') {
    targetH = shape.h;
    targetW = shape.w;
  } else if (shape.kind === 'rect') {
    const ar = origH / origW;
    const sh = ar < 1 ? ar : 1;
    const sw = ar > 1 ? 1 / ar : 1;
    targetH = Math.ceil((sh * imgsz) / shape.stride + 0.5) * shape.stride;
    targetW = Math.ceil((sw * imgsz) / shape.stride + 0.5) * shape.stride;
  }
  let h = origH;
  let w = origW;
  const r = imgsz / Math.max(origH, origW);
  if (r !== 1) {
    w = Math.min(Math.ceil(origW * r), imgsz);
    h = Math.min(Math.ceil(origH * r), imgsz);
  }
  const r2 = Math.min(1, targetH / h, targetW / w);
  const newW = Math.max(1, pyRound(w * r2));
  const newH = Math.max(1, pyRound(h * r2));
  const halfW = (targetW - newW) / 2;
  const halfH = (targetH - newH) / 2;
  const top = pyRound(halfH - 0.1);
  const left = pyRound(halfW - 0.1);
  return {
    origH,
    origW,
    newH,
    newW,
    top,
    left,
    inH: newH + top + pyRound(halfH + 0.1),
    inW: newW + left + pyRound(halfW + 0.1),
    gain: newH / origH,
  };
}

const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);

/** Normalized label xywh boxes to original-pixel xyxy, as the validator prepares them (scale_boxes with ratio_pad, clipped). */
export function labelBoxesToOriginal(boxes: ArrayLike<number>, g: ValGeometry): Float64Array {
  const out = new Float64Array(boxes.length);
  for (let i = 0; i < boxes.length; i += 4) {
    const [x, y, w, h] = [boxes[i], boxes[i + 1], boxes[i + 2], boxes[i + 3]];
    out[i] = clamp(((x - w / 2) * g.newW) / g.gain, g.origW);
    out[i + 1] = clamp(((y - h / 2) * g.newH) / g.gain, g.origH);
    out[i + 2] = clamp(((x + w / 2) * g.newW) / g.gain, g.origW);
    out[i + 3] = clamp(((y + h / 2) * g.newH) / g.gain, g.origH);
  }
  return out;
}

/** Normalized label keypoints (x, y, v triples) to original pixels (scale_coords with ratio_pad, clipped); v kept. */
export function labelKeypointsToOriginal(keypoints: ArrayLike<number>, g: ValGeometry): Float64Array {
  const out = new Float64Array(keypoints.length);
  for (let i = 0; i < keypoints.length; i += 3) {
    out[i] = clamp((keypoints[i] * g.newW) / g.gain, g.origW);
    out[i + 1] = clamp((keypoints[i + 1] * g.newH) / g.gain, g.origH);
    out[i + 2] = keypoints[i + 2];
  }
  return out;
}

/** Normalized polygon points to network-input pixels in float32, as Instances.denormalize + add_padding leave them. */
export function labelPolygonToInput(points: ArrayLike<number>, g: ValGeometry): Float32Array {
  const f = Math.fround;
  const out = new Float32Array(points.length);
  for (let i = 0; i < points.length; i += 2) {
    out[i] = f(f(points[i] * g.newW) + g.left);
    out[i + 1] = f(f(points[i + 1] * g.newH) + g.top);
  }
  return out;
}

/** Original-pixel points (a predicted polygon) back to network-input pixels, rounded (the native contour is integral there). */
export function originalPolygonToInput(xs: ArrayLike<number>, ys: ArrayLike<number>, g: ValGeometry): Int32Array {
  const out = new Int32Array(xs.length * 2);
  for (let i = 0; i < xs.length; i++) {
    out[2 * i] = Math.round(xs[i] * g.gain + g.left);
    out[2 * i + 1] = Math.round(ys[i] * g.gain + g.top);
  }
  return out;
}
