/**
 * The peer's image geometry, in JS on the RGB pixels sharp decoded: what a Node user has to write to feed a YOLO
 * model the very tensor Ultralytics feeds it. sharp's own resize() antialiases when it shrinks (libvips reduce) and
 * its affine() rounds differently from OpenCV; on these models either moves confidences by ~0.005 and keypoints by
 * up to 2 px, so the peer would no longer do the same work as yolo-native. Each function here writes the float32
 * CHW tensor directly (resize, pad, /255 and HWC -> CHW in one pass over the output).
 *
 *   letterboxToTensor   Ultralytics LetterBox: cv2.resize INTER_LINEAR (OpenCV's 11-bit fixed point) + pad 114
 *   classifyToTensor    Ultralytics classify_transforms: PIL bilinear Resize (antialiased, 22-bit fixed point) of
 *                       the short side + CenterCrop
 */

const UNIT = new Float32Array(256);
for (let i = 0; i < 256; i++) UNIT[i] = i / 255;
const PAD = UNIT[114];

/** Python's round(): half to even. */
export function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Ultralytics LetterBox geometry (scaleup, centre; autoPad = rect: pad only to a multiple of the stride). */
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

/**
 * OpenCV's INTER_LINEAR taps for one axis (resize.cpp, resizeGeneric_): source index and the two 11-bit weights
 * per output index. Coordinates are float32 as in OpenCV; out-of-range samples clamp to the edge.
 */
function cvLinearTaps(srcSize, dstSize) {
  const scale = 1 / (dstSize / srcSize);
  const index = new Int32Array(dstSize), w0 = new Int32Array(dstSize), w1 = new Int32Array(dstSize);
  for (let d = 0; d < dstSize; d++) {
    let f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f = Math.fround(f - s);
    if (s < 0) {
      f = 0;
      s = 0;
    }
    if (s >= srcSize - 1) {
      f = 0;
      s = srcSize - 1;
    }
    index[d] = s;
    w0[d] = roundHalfEven(Math.fround(1 - f) * 2048);
    w1[d] = roundHalfEven(f * 2048);
  }
  return { index, w0, w1 };
}

/** cv2.resize(INTER_LINEAR) of HWC RGB u8 `rgb` (w0 x h0) to newW x newH, padded with 114, into CHW float32 /255. */
export function letterboxToTensor(rgb, g, out) {
  const { w0, h0, newW, newH, top, left, inW, inH } = g;
  const plane = inW * inH;
  out.fill(PAD);
  const xs = cvLinearTaps(w0, newW);
  const sx0 = new Int32Array(newW), sx1 = new Int32Array(newW);
  for (let x = 0; x < newW; x++) {
    sx0[x] = xs.index[x] * 3;
    sx1[x] = xs.index[x] < w0 - 1 ? sx0[x] + 3 : sx0[x];
  }
  // OpenCV clamps rows (not weights) vertically: the same float taps, then the row indices clamped
  const scaleY = 1 / (newH / h0);
  // two horizontally resized source rows, planar (R plane, G plane, B plane), shared by consecutive output rows
  const rows = [new Int32Array(3 * newW), new Int32Array(3 * newW)];
  const rowOf = [-1, -1];
  const horizontal = (sy, slot) => {
    const dst = rows[slot], base = sy * w0 * 3;
    for (let x = 0; x < newW; x++) {
      const s = base + sx0[x], s1 = base + sx1[x], a = xs.w0[x], b = xs.w1[x];
      dst[x] = rgb[s] * a + rgb[s1] * b;
      dst[newW + x] = rgb[s + 1] * a + rgb[s1 + 1] * b;
      dst[2 * newW + x] = rgb[s + 2] * a + rgb[s1 + 2] * b;
    }
    rowOf[slot] = sy;
    return dst;
  };
  const row = (sy, keep) => {
    if (rowOf[0] === sy) return rows[0];
    if (rowOf[1] === sy) return rows[1];
    return horizontal(sy, rowOf[0] === keep ? 1 : 0);
  };
  for (let y = 0; y < newH; y++) {
    const fy0 = Math.fround((y + 0.5) * scaleY - 0.5);
    const sy = Math.floor(fy0);
    const fy = Math.fround(fy0 - sy);
    const y0 = Math.min(Math.max(sy, 0), h0 - 1), y1 = Math.min(Math.max(sy + 1, 0), h0 - 1);
    const b0 = roundHalfEven(Math.fround(1 - fy) * 2048), b1 = roundHalfEven(fy * 2048);
    const A = row(y0, y1), B = row(y1, y0);
    for (let c = 0; c < 3; c++) {
      const o = c * plane + (y + top) * inW + left, i0 = c * newW;
      for (let x = 0; x < newW; x++) {
        // VResizeLinear<uchar>: (((b0 * (S0 >> 4)) >> 16) + ((b1 * (S1 >> 4)) >> 16) + 2) >> 2, always in 0..255
        out[o + x] = UNIT[(((b0 * (A[i0 + x] >> 4)) >> 16) + ((b1 * (B[i0 + x] >> 4)) >> 16) + 2) >> 2];
      }
    }
  }
  return out;
}

/** Ultralytics classify_transforms(S) geometry: torchvision Resize(S) (short side) + CenterCrop(S). */
export function planClassify(h0, w0, S) {
  const short = Math.min(w0, h0), long = Math.max(w0, h0);
  const scaledLong = Math.floor((S * long) / short);
  const rw = w0 <= h0 ? S : scaledLong;
  const rh = w0 <= h0 ? scaledLong : S;
  return { h0, w0, rw, rh, left: roundHalfEven((rw - S) / 2), top: roundHalfEven((rh - S) / 2), inH: S, inW: S };
}

const PRECISION_BITS = 32 - 8 - 2;

/** PIL ImagingResample bilinear coefficients (precompute_coeffs + normalize_coeffs_8bpc) for outputs [from, to). */
function pilBilinearTaps(inSize, outSize, from, to) {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const n = to - from;
  const bounds = new Int32Array(2 * n), k = new Float64Array(n * ksize);
  for (let o = 0; o < n; o++) {
    const center = (o + from + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    const w = new Float64Array(xmax);
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const t = Math.abs((x + xmin - center + 0.5) / filterscale);
      w[x] = t < 1 ? 1 - t : 0;
      ww += w[x];
    }
    for (let x = 0; x < xmax; x++) {
      const v = ww !== 0 ? w[x] / ww : w[x];
      k[o * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * (1 << PRECISION_BITS)) : Math.trunc(0.5 + v * (1 << PRECISION_BITS));
    }
    bounds[2 * o] = xmin;
    bounds[2 * o + 1] = xmax;
  }
  return { bounds, k, ksize };
}

const clip8 = (v) => (v >= 1 << (PRECISION_BITS + 8) ? 255 : v <= 0 ? 0 : Math.floor(v / (1 << PRECISION_BITS)));

/**
 * PIL's two-pass bilinear resize (horizontal first, u8 in between) of HWC RGB `rgb` to rw x rh, computed only for
 * the S x S centre crop, into CHW float32 /255.
 */
export function classifyToTensor(rgb, g, out) {
  const { w0, h0, rw, rh, left, top, inW: S } = g;
  const plane = S * S;
  const hx = pilBilinearTaps(w0, rw, left, left + S);
  const vy = pilBilinearTaps(h0, rh, top, top + S);
  // the source rows the crop needs
  const yFirst = vy.bounds[0];
  const yLast = vy.bounds[2 * (S - 1)] + vy.bounds[2 * (S - 1) + 1];
  const tmp = new Uint8Array((yLast - yFirst) * S * 3);
  const half = 1 << (PRECISION_BITS - 1);
  for (let y = yFirst; y < yLast; y++) {
    const src = y * w0 * 3, dst = (y - yFirst) * S * 3;
    for (let x = 0; x < S; x++) {
      const xmin = hx.bounds[2 * x], xmax = hx.bounds[2 * x + 1], kb = x * hx.ksize;
      let r = half, gg = half, b = half;
      for (let t = 0; t < xmax; t++) {
        const kv = hx.k[kb + t], p = src + (xmin + t) * 3;
        r += rgb[p] * kv;
        gg += rgb[p + 1] * kv;
        b += rgb[p + 2] * kv;
      }
      tmp[dst + 3 * x] = clip8(r);
      tmp[dst + 3 * x + 1] = clip8(gg);
      tmp[dst + 3 * x + 2] = clip8(b);
    }
  }
  for (let y = 0; y < S; y++) {
    const ymin = vy.bounds[2 * y] - yFirst, ymax = vy.bounds[2 * y + 1], kb = y * vy.ksize;
    for (let x = 0; x < S; x++) {
      let r = half, gg = half, b = half;
      for (let t = 0; t < ymax; t++) {
        const kv = vy.k[kb + t], p = ((ymin + t) * S + x) * 3;
        r += tmp[p] * kv;
        gg += tmp[p + 1] * kv;
        b += tmp[p + 2] * kv;
      }
      const o = y * S + x;
      out[o] = UNIT[clip8(r)];
      out[plane + o] = UNIT[clip8(gg)];
      out[2 * plane + o] = UNIT[clip8(b)];
    }
  }
  return out;
}
