/**
 * YOLO label files (one object per line: class, then box xywh / polygon / box + keypoints, all normalized to [0, 1]),
 * read with the rules of Ultralytics' verify_image_label (data/utils.py): a file where any line has more than 6
 * values holds polygons (boxes are their bounds), keypoint files need 5 + k * d values a line, coordinates must be
 * <= 1 and every value >= 0, classes < the dataset's class count, exact duplicate rows are dropped. Ultralytics skips
 * an image whose label file breaks a rule ("ignoring corrupt image/label"); so does this reader, but it reports
 * every offending line with its file and line number instead of one exception message.
 */
import { readFileSync } from 'node:fs';

export type LabelTask = 'detect' | 'segment' | 'pose' | 'obb';

export interface LabelProblem {
  file: string;
  /** 1-based line number, absent for file-level problems. */
  line?: number;
  /** 'error': the image is left out (as Ultralytics does); 'warning': it is used. */
  severity: 'error' | 'warning';
  message: string;
}

export interface ImageLabels {
  /** Class of each object. */
  cls: Int32Array;
  /** xywh normalized, 4 per object (float32 as Ultralytics). */
  boxes: Float32Array;
  /** Polygons, normalized flat x, y (float32), one per object; empty for box labels. */
  segments: Float32Array[];
  /** Keypoints normalized, kpt * 3 per object (x, y, visibility), pose only. */
  keypoints?: Float32Array;
}

export interface LabelFormat {
  task: LabelTask;
  classes: number;
  /** Pose: [keypoints, dims]. */
  kptShape?: [number, number];
}

const f32 = Math.fround;

/** segments2boxes: the xywh bounds of a polygon. */
function polygonBox(points: Float32Array): [number, number, number, number] {
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
  for (let i = 0; i + 1 < points.length; i += 2) {
    x1 = Math.min(x1, points[i]);
    x2 = Math.max(x2, points[i]);
    y1 = Math.min(y1, points[i + 1]);
    y2 = Math.max(y2, points[i + 1]);
  }
  return [f32((x1 + x2) / 2), f32((y1 + y2) / 2), f32(x2 - x1), f32(y2 - y1)];
}

/**
 * Labels of one image. A missing file is an image without objects (a warning); a file that breaks a rule gives
 * `labels: null` and one problem per offending line.
 */
export function readLabels(file: string, format: LabelFormat): { labels: ImageLabels | null; problems: LabelProblem[] } {
  const empty = (): ImageLabels => ({ cls: new Int32Array(0), boxes: new Float32Array(0), segments: [], ...(format.task === 'pose' ? { keypoints: new Float32Array(0) } : {}) });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { labels: empty(), problems: [{ file, severity: 'warning', message: 'no label file: the image counts as a background image' }] };
    return { labels: null, problems: [{ file, severity: 'error', message: `cannot read the label file (${code ?? (e as Error).message})` }] };
  }
  return parseLabels(text, file, format);
}

/** parseLabels of a label file's text (`file` names it in problems). */
export function parseLabels(text: string, file: string, format: LabelFormat): { labels: ImageLabels | null; problems: LabelProblem[] } {
  const problems: LabelProblem[] = [];
  const error = (line: number | undefined, message: string) => problems.push({ file, ...(line ? { line } : {}), severity: 'error', message });
  const rows: { line: number; values: number[] }[] = [];
  text.split(/\r\n|\r|\n/).forEach((raw, i) => {
    const tokens = raw.trim().split(/\s+/).filter(Boolean);
    if (tokens.length === 0) return;
    const values = tokens.map(Number);
    const bad = tokens.find((t, k) => !Number.isFinite(values[k]) || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t));
    if (bad !== undefined) error(i + 1, `'${bad}' is not a number`);
    else rows.push({ line: i + 1, values: values.map(f32) });
  });
  if (problems.length) return { labels: null, problems };

  const pose = format.task === 'pose';
  const [nkpt, ndim] = format.kptShape ?? [0, 0];
  const polygons = !pose && rows.some((r) => r.values.length > 6);
  const objects: { line: number; row: number[]; segment?: Float32Array; keypoints?: number[] }[] = [];
  for (const { line, values } of rows) {
    const cls = values[0];
    if (polygons) {
      const coords = values.slice(1);
      if (coords.length % 2 !== 0 || coords.length === 0) {
        error(line, `a polygon needs x y pairs after the class; got ${coords.length} coordinates`);
        continue;
      }
      const segment = Float32Array.from(coords);
      objects.push({ line, row: [cls, ...polygonBox(segment)], segment });
    } else if (pose) {
      const want = 5 + nkpt * ndim;
      if (values.length !== want) {
        error(line, `expected ${want} values (class, box, ${nkpt} keypoints x ${ndim}); got ${values.length}`);
        continue;
      }
      const kpts: number[] = [];
      for (let k = 0; k < nkpt; k++) {
        const x = values[5 + k * ndim];
        const y = values[5 + k * ndim + 1];
        kpts.push(x, y, ndim === 3 ? values[5 + k * ndim + 2] : x < 0 || y < 0 ? 0 : 1);
      }
      objects.push({ line, row: values.slice(0, 5), keypoints: kpts });
    } else {
      if (values.length !== 5) {
        error(line, `expected 5 values (class x y w h); got ${values.length}`);
        continue;
      }
      objects.push({ line, row: values });
    }
  }
  for (const o of objects) {
    const points = pose ? o.keypoints!.filter((_, k) => k % 3 !== 2) : o.row.slice(1);
    const over = points.filter((p) => p > 1);
    if (over.length) error(o.line, `non-normalized or out of bounds coordinates ${over.join(', ')} (must be <= 1)`);
    const all = pose ? [...o.row, ...o.keypoints!] : o.row;
    const negative = all.filter((v) => v < 0);
    if (negative.length) error(o.line, `negative label values ${negative.join(', ')}`);
    if (o.row[0] >= format.classes) error(o.line, `class ${Math.trunc(o.row[0])} exceeds the dataset's ${format.classes} classes (0-${format.classes - 1})`);
    else if (!Number.isInteger(o.row[0])) problems.push({ file, line: o.line, severity: 'warning', message: `class ${o.row[0]} is not an integer; read as ${Math.trunc(o.row[0])}` });
  }
  if (problems.some((p) => p.severity === 'error')) return { labels: null, problems };

  // np.unique(lb, axis=0): exact duplicate rows (class + box, and keypoints for pose) go, the rest sorted
  const key = (o: (typeof objects)[number]) => (pose ? [...o.row, ...o.keypoints!.filter((_, k) => ndim === 3 || k % 3 !== 2)] : o.row);
  const unique = new Map<string, (typeof objects)[number]>();
  for (const o of objects) if (!unique.has(key(o).join(' '))) unique.set(key(o).join(' '), o);
  let kept = objects;
  if (unique.size < objects.length) {
    problems.push({ file, severity: 'warning', message: `${objects.length - unique.size} duplicate labels removed` });
    kept = [...unique.values()].sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] - kb[i];
      return 0;
    });
  }
  const labels: ImageLabels = {
    cls: Int32Array.from(kept, (o) => Math.trunc(o.row[0])),
    boxes: Float32Array.from(kept.flatMap((o) => o.row.slice(1, 5))),
    segments: polygons ? kept.map((o) => o.segment!) : [],
  };
  if (pose) labels.keypoints = Float32Array.from(kept.flatMap((o) => o.keypoints!));
  return { labels, problems };
}
