/**
 * The peer's mask -> polygon step, as Ultralytics 8.3 does it with retina_masks=False: mask logits = coeffs @ protos
 * zeroed outside the box (crop_mask), torch bilinear upsampling (align_corners=False) to the input size, > 0;
 * then cv2.findContours(RETR_EXTERNAL, CHAIN_APPROX_SIMPLE) and merge_multi_segment. Computed only on the part of
 * the planes a box can touch. Coordinates are input-tensor pixels.
 */

/** torch upsample_bilinear2d taps along one axis (float32, as compute_indices_weights_linear). */
export function linearAxis(inSize, outSize) {
  const scale = Math.fround(inSize / outSize);
  const i0 = new Int32Array(outSize), i1 = new Int32Array(outSize), w0 = new Float32Array(outSize), w1 = new Float32Array(outSize);
  for (let d = 0; d < outSize; d++) {
    let real = Math.fround(Math.fround(scale * (d + 0.5)) - 0.5);
    if (real < 0) real = 0;
    const idx = Math.min(Math.floor(real), inSize - 1);
    const lambda = Math.min(Math.max(Math.fround(real - idx), 0), 1);
    i0[d] = idx;
    i1[d] = idx + (idx < inSize - 1 ? 1 : 0);
    w1[d] = lambda;
    w0[d] = Math.fround(1 - lambda);
  }
  return { i0, i1, w0, w1 };
}

/** Output range [lo, hi) whose source taps touch [srcLo, srcHi) (taps are non-decreasing). */
function touching(axis, srcLo, srcHi) {
  const n = axis.i0.length;
  let lo = 0;
  while (lo < n && axis.i1[lo] < srcLo) lo++;
  let hi = n;
  while (hi > lo && axis.i0[hi - 1] >= srcHi) hi--;
  return [lo, hi];
}

/**
 * Binary mask of one detection over the input-size rectangle it can touch, or null when the mask is empty
 * (Ultralytics drops those detections). `box` is xyxy in input pixels (float32), `coeff` its mask coefficients.
 */
export function detectionMask(protos, nm, mh, mw, coeff, box, rows, cols, ratioX, ratioY) {
  const ceilClamp = (v, hi) => Math.min(Math.max(Math.ceil(v), 0), hi);
  // crop_mask at proto scale: column r kept when x1 <= r < x2
  const c0 = ceilClamp(Math.fround(box[0] * ratioX), mw), c1 = ceilClamp(Math.fround(box[2] * ratioX), mw);
  const r0 = ceilClamp(Math.fround(box[1] * ratioY), mh), r1 = ceilClamp(Math.fround(box[3] * ratioY), mh);
  if (c0 >= c1 || r0 >= r1) return null;
  const [oy0, oy1] = touching(rows, r0, r1);
  const [ox0, ox1] = touching(cols, c0, c1);
  if (oy0 >= oy1 || ox0 >= ox1) return null;
  const sr0 = rows.i0[oy0], sr1 = rows.i1[oy1 - 1] + 1, sc0 = cols.i0[ox0], sc1 = cols.i1[ox1 - 1] + 1;
  const sw = sc1 - sc0, sh = sr1 - sr0, ow = ox1 - ox0, oh = oy1 - oy0;
  const plane = mh * mw;
  const logits = new Float32Array(sh * sw); // zero outside the crop
  for (let r = Math.max(r0, sr0); r < Math.min(r1, sr1); r++) {
    for (let c = Math.max(c0, sc0); c < Math.min(c1, sc1); c++) {
      let s = 0;
      for (let k = 0, p = r * mw + c; k < nm; k++, p += plane) s += coeff[k] * protos[p];
      logits[(r - sr0) * sw + (c - sc0)] = s;
    }
  }
  const hrows = new Float32Array(sh * ow);
  for (let r = 0; r < sh; r++) {
    for (let x = 0; x < ow; x++) {
      const xo = ox0 + x;
      hrows[r * ow + x] = logits[r * sw + cols.i0[xo] - sc0] * cols.w0[xo] + logits[r * sw + cols.i1[xo] - sc0] * cols.w1[xo];
    }
  }
  // with a one-pixel zero border for the contour tracer
  const W = ow + 2, H = oh + 2;
  const bin = new Uint8Array(W * H);
  let any = false;
  for (let y = 0; y < oh; y++) {
    const yo = oy0 + y, a = (rows.i0[yo] - sr0) * ow, b = (rows.i1[yo] - sr0) * ow, wa = rows.w0[yo], wb = rows.w1[yo];
    for (let x = 0; x < ow; x++) {
      if (hrows[a + x] * wa + hrows[b + x] * wb > 0) {
        bin[(y + 1) * W + x + 1] = 1;
        any = true;
      }
    }
  }
  return any ? { bin, W, H, ox: ox0 - 1, oy: oy0 - 1 } : null;
}

// OpenCV's chain codes: 0 = E, then counter-clockwise on screen (y down): NE, N, NW, W, SW, S, SE
const DX = [1, 1, 0, -1, -1, -1, 0, 1];
const DY = [0, -1, -1, -1, 0, 1, 1, 1];

/**
 * cv2.findContours(RETR_EXTERNAL, CHAIN_APPROX_SIMPLE) on a 0/1 image with a zero border: the outer border of
 * every component not inside a hole of another, in OpenCV's order (the last found first) and point order.
 * Returns a list of [x0, y0, x1, y1, ...] arrays, offset by (ox, oy).
 */
export function externalContours({ bin, W, H, ox, oy }) {
  // background reachable from the frame (4-connected, the dual of 8-connected foreground): a component is
  // external when the pixel left of its first raster pixel is such background
  const outside = new Uint8Array(W * H);
  const stack = [0];
  outside[0] = 1;
  while (stack.length) {
    const q = stack.pop();
    const x = q % W;
    for (const r of [q - W, q + W, x > 0 ? q - 1 : -1, x < W - 1 ? q + 1 : -1]) {
      if (r >= 0 && r < W * H && !bin[r] && !outside[r]) {
        outside[r] = 1;
        stack.push(r);
      }
    }
  }
  const seen = new Uint8Array(W * H);
  const contours = [];
  for (let y = 1; y < H - 1; y++) {
    for (let x = 1; x < W - 1; x++) {
      const p = y * W + x;
      if (!bin[p] || seen[p]) continue;
      if (outside[p - 1]) contours.push(traceBorder(bin, W, x, y, ox, oy));
      // mark the component (8-connected) so its other pixels start no border
      stack.push(p);
      seen[p] = 1;
      while (stack.length) {
        const q = stack.pop();
        for (let k = 0; k < 8; k++) {
          const r = q + DY[k] * W + DX[k];
          if (bin[r] && !seen[r]) {
            seen[r] = 1;
            stack.push(r);
          }
        }
      }
    }
  }
  return contours.reverse();
}

/** Suzuki-Abe outer border following from (sx, sy), as OpenCV's icvFetchContour with CHAIN_APPROX_SIMPLE. */
function traceBorder(bin, W, sx, sy, ox, oy) {
  const nz = (x, y) => bin[y * W + x] !== 0;
  // the first non-zero neighbour, clockwise on screen from the west one (exclusive)
  let s = 4;
  do s = (s - 1) & 7;
  while (!nz(sx + DX[s], sy + DY[s]) && s !== 4);
  if (!nz(sx + DX[s], sy + DY[s])) return [sx + ox, sy + oy]; // an isolated pixel
  const x1 = sx + DX[s], y1 = sy + DY[s];
  const pts = [];
  let x3 = sx, y3 = sy;
  let prev = s ^ 4; // the loop closes with the move x1 -> start: the start is a point only when it is a corner
  for (;;) {
    // counter-clockwise from the direction after the one pointing back
    let x4, y4;
    for (;;) {
      s = (s + 1) & 7;
      x4 = x3 + DX[s];
      y4 = y3 + DY[s];
      if (nz(x4, y4)) break;
    }
    if (s !== prev) {
      pts.push(x3 + ox, y3 + oy);
      prev = s;
    }
    if (x4 === sx && y4 === sy && x3 === x1 && y3 === y1) break;
    x3 = x4;
    y3 = y4;
    s = (s + 4) & 7;
  }
  return pts;
}

/** ultralytics.data.converter.min_index: first (row-major) closest pair of points. */
function minIndex(a, b) {
  let best = Infinity, at = [0, 0];
  for (let i = 0; i < a.length; i += 2) {
    for (let j = 0; j < b.length; j += 2) {
      const dx = a[i] - b[j], dy = a[i + 1] - b[j + 1], d = dx * dx + dy * dy;
      if (d < best) {
        best = d;
        at = [i / 2, j / 2];
      }
    }
  }
  return at;
}

const reversedPoints = (s) => {
  const out = new Array(s.length);
  for (let i = 0; i < s.length; i += 2) {
    out[s.length - 2 - i] = s[i];
    out[s.length - 1 - i] = s[i + 1];
  }
  return out;
};

/** ultralytics.data.converter.merge_multi_segment, literally (with its reversed-middle-segment quirk), joined. */
export function mergeMultiSegment(segments) {
  const n = segments.length;
  const idxList = segments.map(() => []);
  for (let i = 1; i < n; i++) {
    const [a, b] = minIndex(segments[i - 1], segments[i]);
    idxList[i - 1].push(a);
    idxList[i].push(b);
  }
  const s = [];
  const segs = segments.slice();
  for (let i = 0; i < n; i++) {
    let idx = idxList[i];
    if (idx.length === 2 && idx[0] > idx[1]) {
      idx = [idx[1], idx[0]];
      segs[i] = reversedPoints(segs[i]);
    }
    const len = segs[i].length / 2;
    const shift = ((idx[0] % len) + len) % len;
    const rolled = [...segs[i].slice(2 * shift), ...segs[i].slice(0, 2 * shift)];
    rolled.push(rolled[0], rolled[1]);
    segs[i] = rolled;
    if (i === 0 || i === n - 1) s.push(...rolled);
    else s.push(...rolled.slice(0, 2 * Math.min(idx[1] - idx[0] + 1, rolled.length / 2)));
  }
  for (let i = n - 1; i >= 0; i--) {
    if (i === 0 || i === n - 1) continue;
    const nidx = Math.abs(idxList[i][1] - idxList[i][0]);
    s.push(...segs[i].slice(2 * nidx));
  }
  return s;
}
