/**
 * Polygons to masks the way Ultralytics' segment validator gets its label masks (data/utils.py polygon2mask):
 * cv2.fillPoly of the int32 polygon at the network input size, then cv2.resize (INTER_LINEAR, uint8) down to the
 * mask size (input / 4). Reproduced here: OpenCV's fillPoly (every edge drawn as an 8-connected line, then the
 * even-odd scanline fill in 16-bit fixed point), its fixed-point bilinear resize, and `resample_segments`.
 * Only the part of the image a polygon covers is rasterized, so a mask costs its own size, not the image's.
 * Polygons reaching outside the image are clipped pixel by pixel (OpenCV clips the edge lines first; the same
 * pixels except at the image border).
 */

const XY_SHIFT = 16;
const XY_ONE = 1 << XY_SHIFT;

/** A binary mask over a window of a larger grid: rows y0..y0+height, columns x0..x0+width. */
export interface MaskWindow {
  x0: number;
  y0: number;
  width: number;
  height: number;
  data: Uint8Array;
}

/** `np.asarray(polygon, np.int32)` then cv2.fillPoly(color 1) onto an imageW x imageH canvas, as a window. */
export function fillPolygon(points: ArrayLike<number>, imageW: number, imageH: number): MaskWindow {
  const n = points.length >> 1;
  const xs = new Int32Array(n);
  const ys = new Int32Array(n);
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    xs[i] = Math.trunc(points[2 * i]); // astype(np.int32) truncates
    ys[i] = Math.trunc(points[2 * i + 1]);
    minX = Math.min(minX, xs[i]);
    maxX = Math.max(maxX, xs[i]);
    minY = Math.min(minY, ys[i]);
    maxY = Math.max(maxY, ys[i]);
  }
  const x0 = Math.max(0, minX - 1);
  const y0 = Math.max(0, minY - 1);
  const x1 = Math.min(imageW, maxX + 2);
  const y1 = Math.min(imageH, maxY + 2);
  const win: MaskWindow = { x0, y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0), data: new Uint8Array(0) };
  win.data = new Uint8Array(win.width * win.height);
  if (n === 0 || win.width === 0 || win.height === 0) return win;
  const set = (x: number, y: number) => {
    const cx = x - x0;
    const cy = y - y0;
    if (cx >= 0 && cx < win.width && cy >= 0 && cy < win.height) win.data[cy * win.width + cx] = 1;
  };

  // CollectPolyEdges: draw each edge, keep the non-horizontal ones with x in 16-bit fixed point (+0.5)
  const edges: { y0: number; y1: number; x: number; dx: number }[] = [];
  let px = xs[n - 1];
  let py = ys[n - 1];
  for (let i = 0; i < n; i++) {
    const qx = xs[i];
    const qy = ys[i];
    drawLine(px, py, qx, qy, set);
    if (py !== qy) {
      const ax = px * XY_ONE + (XY_ONE >> 1);
      const bx = qx * XY_ONE + (XY_ONE >> 1);
      const dx = Math.trunc((bx - ax) / (qy - py)); // int64 division truncates toward zero
      edges.push(py < qy ? { y0: py, y1: qy, x: ax, dx } : { y0: qy, y1: py, x: bx, dx });
    }
    px = qx;
    py = qy;
  }
  if (edges.length < 2) return win;

  // FillEdgeCollection: on each scanline the edges with y0 <= y < y1, ordered by x, fill between pairs
  let yMin = Infinity, yMax = -Infinity;
  for (const e of edges) {
    yMin = Math.min(yMin, e.y0);
    yMax = Math.max(yMax, e.y1);
  }
  const xsOnLine: number[] = [];
  for (let y = Math.max(yMin, y0); y < Math.min(yMax, y1); y++) {
    xsOnLine.length = 0;
    for (const e of edges) if (e.y0 <= y && y < e.y1) xsOnLine.push(e.x + (y - e.y0) * e.dx);
    xsOnLine.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xsOnLine.length; k += 2) {
      const from = Math.max(Math.floor(xsOnLine[k] / XY_ONE), 0, x0);
      const to = Math.min(Math.floor(xsOnLine[k + 1] / XY_ONE), imageW - 1, x1 - 1);
      const row = (y - y0) * win.width - x0;
      for (let x = from; x <= to; x++) win.data[row + x] = 1;
    }
  }
  return win;
}

/** OpenCV's 8-connected LineIterator, left to right: the major axis steps every pixel, the minor one when err < 0. */
function drawLine(xa: number, ya: number, xb: number, yb: number, set: (x: number, y: number) => void) {
  if (xb < xa) [xa, ya, xb, yb] = [xb, yb, xa, ya];
  let dx = xb - xa;
  let dy = yb - ya;
  const stepY = dy < 0 ? -1 : 1;
  dy = Math.abs(dy);
  const vertical = dy > dx;
  if (vertical) [dx, dy] = [dy, dx];
  let err = dx - (dy + dy);
  let x = xa;
  let y = ya;
  for (let i = 0; i <= dx; i++) {
    set(x, y);
    const minor = err < 0;
    err += -(dy + dy) + (minor ? dx + dx : 0);
    if (vertical) {
      y += stepY;
      if (minor) x += 1;
    } else {
      x += 1;
      if (minor) y += stepY;
    }
  }
}

/** OpenCV's fixed-point coefficients of INTER_LINEAR along one axis: source index and weights (sum 2048) per output. */
function linearAxis(src: number, dst: number): { index: Int32Array; w0: Int32Array; w1: Int32Array } {
  const scale = src / dst;
  const index = new Int32Array(dst);
  const w0 = new Int32Array(dst);
  const w1 = new Int32Array(dst);
  for (let d = 0; d < dst; d++) {
    let f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f -= s;
    if (s < 0) {
      f = 0;
      s = 0;
    }
    if (s >= src - 1) {
      f = 0;
      s = src - 1;
    }
    index[d] = s;
    w0[d] = Math.round((1 - f) * 2048);
    w1[d] = 2048 - w0[d];
  }
  return { index, w0, w1 };
}

/**
 * cv2.resize(mask, (outW, outH)) with INTER_LINEAR on a 0/1 uint8 mask of imageW x imageH given as a window
 * (zero outside it): only the output cells whose sources touch the window are computed. Returns the output window.
 */
export function downsampleMask(win: MaskWindow, imageW: number, imageH: number, outW: number, outH: number): MaskWindow {
  const cols = linearAxis(imageW, outW);
  const rows = linearAxis(imageH, outH);
  const touching = (axis: { index: Int32Array }, lo: number, hi: number, n: number): [number, number] => {
    let a = 0;
    while (a < n && axis.index[a] + 1 < lo) a++;
    let b = n;
    while (b > a && axis.index[b - 1] >= hi) b--;
    return [a, b];
  };
  const [ox0, ox1] = touching(cols, win.x0, win.x0 + win.width, outW);
  const [oy0, oy1] = touching(rows, win.y0, win.y0 + win.height, outH);
  const out: MaskWindow = { x0: ox0, y0: oy0, width: Math.max(0, ox1 - ox0), height: Math.max(0, oy1 - oy0), data: new Uint8Array(0) };
  out.data = new Uint8Array(out.width * out.height);
  const at = (x: number, y: number) => {
    const cx = x - win.x0;
    const cy = y - win.y0;
    return cx >= 0 && cx < win.width && cy >= 0 && cy < win.height ? win.data[cy * win.width + cx] : 0;
  };
  const lastCol = imageW - 1;
  const lastRow = imageH - 1;
  for (let oy = oy0; oy < oy1; oy++) {
    const sy = rows.index[oy];
    const sy1 = Math.min(sy + 1, lastRow);
    for (let ox = ox0; ox < ox1; ox++) {
      const sx = cols.index[ox];
      const sx1 = Math.min(sx + 1, lastCol);
      const top = at(sx, sy) * cols.w0[ox] + at(sx1, sy) * cols.w1[ox];
      const bottom = at(sx, sy1) * cols.w0[ox] + at(sx1, sy1) * cols.w1[ox];
      // FixedPtCast<int, uchar, 22>: (v + 2^21) >> 22
      out.data[(oy - oy0) * out.width + (ox - ox0)] = (rows.w0[oy] * top + rows.w1[oy] * bottom + (1 << 21)) >= 1 << 22 ? 1 : 0;
    }
  }
  return out;
}

/** A polygon (flat x, y) as a mask at outW x outH: fillPolygon at imageW x imageH, then downsampleMask. */
export function polygonMask(points: ArrayLike<number>, imageW: number, imageH: number, outW: number, outH: number): MaskWindow {
  return downsampleMask(fillPolygon(points, imageW, imageH), imageW, imageH, outW, outH);
}

/** Pixels set in a window. */
export function maskArea(win: MaskWindow): number {
  let n = 0;
  for (const v of win.data) n += v;
  return n;
}

/**
 * `resample_segments` for one polygon (flat x, y, float32): closed with its first point, then linearly interpolated
 * at n points that include every vertex (n - len of them evenly spaced along the vertex index, the vertex indices
 * inserted among them), float32 out. A polygon of exactly n points is returned as is.
 */
export function resampleSegment(points: ArrayLike<number>, n: number): Float32Array {
  const len = points.length >> 1;
  if (len === n) return Float32Array.from(points);
  const closed = len + 1;
  const sx = new Float64Array(closed);
  const sy = new Float64Array(closed);
  for (let i = 0; i < len; i++) {
    sx[i] = points[2 * i];
    sy[i] = points[2 * i + 1];
  }
  sx[len] = points[0];
  sy[len] = points[1];
  const m = closed < n ? n - closed : n;
  const positions: number[] = [];
  const step = (closed - 1) / (m - 1); // np.linspace(0, len(s) - 1, m)
  for (let i = 0; i < m; i++) positions.push(i === m - 1 ? closed - 1 : i * step);
  if (closed < n) {
    // np.insert(x, np.searchsorted(x, xp), xp): each vertex index before the first position >= it
    const merged: number[] = [];
    let k = 0;
    for (let v = 0; v < closed; v++) {
      while (k < positions.length && positions[k] < v) merged.push(positions[k++]);
      merged.push(v);
    }
    while (k < positions.length) merged.push(positions[k++]);
    positions.length = 0;
    positions.push(...merged);
  }
  const out = new Float32Array(positions.length * 2);
  positions.forEach((t, i) => {
    // np.interp over xp = 0..closed-1
    const j = Math.min(Math.floor(t), closed - 1);
    const frac = t - j;
    out[2 * i] = j === closed - 1 || frac === 0 ? sx[j] : (sx[j + 1] - sx[j]) * frac + sx[j];
    out[2 * i + 1] = j === closed - 1 || frac === 0 ? sy[j] : (sy[j + 1] - sy[j]) * frac + sy[j];
  });
  return out;
}
