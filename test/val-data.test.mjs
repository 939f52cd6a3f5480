// The val data path: dataset yamls, label files (every problem named by file and line), the validator's letterbox
// (the JS plan against the native one), and the rasterization of polygons into masks as cv2.fillPoly + cv2.resize.
import { describe, expect, test } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../dist/esm/index.js';
import { native } from '../dist/cjs/native.js';
import { parseDatasetYaml } from '../dist/cjs/val/yaml.js';
import { parseLabels, readLabels } from '../dist/cjs/val/labels.js';
import { labelPathOf, resolveDetectionSplit } from '../dist/cjs/val/dataset.js';
import { valGeometry } from '../dist/cjs/val/geometry.js';
import { downsampleMask, fillPolygon, resampleSegment } from '../dist/cjs/val/raster.js';
import { labelMasks, predictionMask } from '../dist/cjs/val/masks.js';
import { DATA, MODELS } from './helpers/golden.mjs';

const sharp = createRequire(import.meta.url)('sharp');
const tmp = mkdtempSync(join(tmpdir(), 'yolo-native-val-data-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

describe('dataset yamls', () => {
  test('every Ultralytics yaml in shared/data parses', () => {
    for (const f of readdirSync(join(DATA, 'yaml'))) {
      const doc = parseDatasetYaml(readFileSync(join(DATA, 'yaml', f), 'utf8'));
      expect(doc.names, f).toBeTypeOf('object');
      expect(doc.val, f).toBeTruthy();
    }
    const coco = parseDatasetYaml(readFileSync(join(DATA, 'yaml', 'coco128.yaml'), 'utf8'));
    expect(Object.keys(coco.names)).toHaveLength(80);
    expect(coco.names['79']).toBe('toothbrush');
    expect(coco.path).toBe('../datasets/coco128');
    expect(coco.test).toBeNull();
    const pose = parseDatasetYaml(readFileSync(join(DATA, 'yaml', 'coco-pose.yaml'), 'utf8'));
    expect(pose.kpt_shape).toEqual([17, 3]);
    expect(pose.download).toContain('download(urls, dir=dir / "images", threads=3)');
    const imagenet = parseDatasetYaml(readFileSync(join(DATA, 'yaml', 'ImageNet.yaml'), 'utf8'));
    expect(Object.keys(imagenet.names)).toHaveLength(1000);
    expect(imagenet.names['381']).toBe("Geoffroy's spider monkey");
  });
  test('a malformed line is reported with its line number', () => {
    expect(() => parseDatasetYaml('path: .\nval: [a, b\nnames: {}\n')).toThrow(/line 2: unterminated list/);
  });
  test("the shared yamls' relative path '../datasets/x' finds the dataset folder beside them", () => {
    const split = resolveDetectionSplit(join(DATA, 'yaml', 'coco128.yaml'), 'val', []);
    expect(split.root).toBe(join(DATA, 'coco128'));
    expect(split.images).toHaveLength(128);
    expect(split.names).toHaveLength(80);
    expect(labelPathOf(split.images[0])).toBe(join(DATA, 'coco128', 'labels', 'train2017', '000000000009.txt'));
    const pose = resolveDetectionSplit(join(DATA, 'coco8-pose'), 'val', []);
    expect(pose.kptShape).toEqual([17, 3]);
    expect(pose.images.map((f) => f.split('/').pop())).toEqual(['000000000110.jpg', '000000000113.jpg', '000000000136.jpg', '000000000151.jpg']);
    expect(() => resolveDetectionSplit(join(DATA, 'yaml', 'coco128.yaml'), 'nope', [])).toThrow(/no 'nope' split/);
  });
});

describe('label files', () => {
  const detect = { task: 'detect', classes: 80 };
  test('boxes, polygons (bounds as boxes) and keypoints', () => {
    const boxes = parseLabels('0 0.5 0.5 0.2 0.4\n\n7 0.1 0.2 0.1 0.1\n', 'a.txt', detect);
    expect(boxes.problems).toEqual([]);
    expect([...boxes.labels.cls]).toEqual([0, 7]);
    expect(boxes.labels.boxes[3]).toBeCloseTo(0.4, 6);
    const polygons = parseLabels('3 0.1 0.1 0.5 0.1 0.5 0.3 0.1 0.3\n', 'b.txt', { task: 'segment', classes: 80 });
    expect([...polygons.labels.boxes].map((v) => +v.toFixed(6))).toEqual([0.3, 0.2, 0.4, 0.2]);
    expect(polygons.labels.segments[0]).toHaveLength(8);
    const pose = parseLabels(`0 0.5 0.5 0.2 0.2 ${'0.5 0.5 2 '.repeat(16)}0 0 0\n`, 'c.txt', { task: 'pose', classes: 1, kptShape: [17, 3] });
    expect(pose.problems).toEqual([]);
    expect(pose.labels.keypoints).toHaveLength(51);
  });
  test('every broken line is named, and the image is left out (as Ultralytics ignores a corrupt label file)', () => {
    const text = ['0 0.5 0.5 0.2 0.2', '1 0.5 abc 0.2 0.2', '2 0.5 0.5 0.2', '3 1.5 0.5 0.2 0.2', '4 0.5 -0.1 0.2 0.2', '85 0.5 0.5 0.2 0.2'].join('\n');
    const numbers = parseLabels(text, 'bad.txt', detect);
    expect(numbers.labels).toBeNull();
    expect(numbers.problems).toEqual([{ file: 'bad.txt', line: 2, severity: 'error', message: "'abc' is not a number" }]);
    const rules = parseLabels(text.replace('abc', '0.5'), 'bad.txt', detect);
    expect(rules.labels).toBeNull();
    expect(rules.problems.map((p) => [p.line, p.severity])).toEqual([[3, 'error'], [4, 'error'], [5, 'error'], [6, 'error']]);
    expect(rules.problems[0].message).toMatch(/expected 5 values.*got 4/);
    expect(rules.problems[1].message).toMatch(/out of bounds coordinates 1.5/);
    expect(rules.problems[2].message).toMatch(/negative label values/);
    expect(rules.problems[3].message).toMatch(/class 85 exceeds the dataset's 80 classes/);
    const pose = parseLabels('0 0.5 0.5 0.2 0.2 0.5 0.5\n', 'p.txt', { task: 'pose', classes: 1, kptShape: [17, 3] });
    expect(pose.problems[0]).toMatchObject({ line: 1, message: expect.stringMatching(/expected 56 values/) });
  });
  test('duplicates are dropped with a warning; a missing file is a background image', () => {
    const dup = parseLabels('1 0.5 0.5 0.2 0.2\n0 0.1 0.1 0.1 0.1\n1 0.5 0.5 0.2 0.2\n', 'd.txt', detect);
    expect([...dup.labels.cls]).toEqual([0, 1]); // np.unique: sorted rows
    expect(dup.problems).toEqual([{ file: 'd.txt', severity: 'warning', message: '1 duplicate labels removed' }]);
    const missing = readLabels(join(tmp, 'none.txt'), detect);
    expect(missing.labels.cls).toHaveLength(0);
    expect(missing.problems[0]).toMatchObject({ severity: 'warning', message: expect.stringMatching(/background/) });
  });
});

describe("the validator's letterbox", () => {
  test('bus.jpg 810x1080 at 640: resized to 480x640, padded to the rect shape 512x672 (pad 0.5)', () => {
    expect(valGeometry(1080, 810, 640, { kind: 'rect', stride: 32 })).toEqual({ origH: 1080, origW: 810, newH: 640, newW: 480, top: 16, left: 16, inH: 672, inW: 512, gain: 640 / 1080 });
    // square (rect off) and a static model: centred, never scaled up
    expect(valGeometry(1080, 810, 640, { kind: 'square' })).toMatchObject({ newW: 480, left: 80, inH: 640, inW: 640 });
    expect(valGeometry(100, 200, 640, { kind: 'fixed', h: 640, w: 640 })).toMatchObject({ newH: 320, newW: 640, top: 160, inH: 640 });
  });
  test('the native plan: the same resize and padding for every size and target (ceil, Python rounding)', () => {
    const sizes = [[1080, 810], [427, 640], [333, 500], [1000, 999], [37, 1200], [640, 640], [481, 800], [301, 700], [720, 1280], [1, 1], [5000, 37]];
    for (const [h, w] of sizes) {
      for (const imgsz of [640, 320, 416, 1280]) {
        for (const shape of [{ kind: 'rect', stride: 32 }, { kind: 'square' }, { kind: 'fixed', h: 640, w: 480 }]) {
          const g = valGeometry(h, w, imgsz, shape);
          const n = native().__test.valLetterboxPlan(h, w, shape.kind === 'fixed' ? Math.max(shape.h, shape.w) : imgsz, g.inH, g.inW);
          const js = valGeometry(h, w, shape.kind === 'fixed' ? Math.max(shape.h, shape.w) : imgsz, shape);
          expect(n, `${h}x${w} imgsz ${imgsz} ${shape.kind}`).toEqual({ newH: js.newH, newW: js.newW, top: js.top, left: js.left, inH: js.inH, inW: js.inW });
        }
      }
    }
  });
  test('the native side runs exactly the planned input for odd sizes (float64 aspect of the rect shape)', async () => {
    const model = await loadModel(join(MODELS, 'fp32/yolov8n-int8dq-dynamic.onnx'));
    try {
      for (const [h, w] of [[427, 640], [640, 427], [1000, 999], [37, 1200], [481, 800]]) {
        const image = await sharp({ create: { width: w, height: h, channels: 3, background: { r: 90, g: 120, b: 150 } } }).jpeg().toBuffer();
        for (const [imgsz, shape] of [[640, { kind: 'rect', stride: 32 }], [320, { kind: 'rect', stride: 32 }], [320, { kind: 'square' }]]) {
          const out = await model.predict(image, { imgsz, val: true, rect: shape.kind === 'rect' });
          const g = valGeometry(h, w, imgsz, shape);
          expect(out.metadata.inputShape, `${h}x${w} at ${imgsz} ${shape.kind}`).toEqual([g.inH, g.inW]);
        }
      }
    } finally {
      await model.dispose();
    }
  });
});

describe('masks as cv2.fillPoly + cv2.resize', () => {
  const count = (win) => win.data.reduce((a, b) => a + b, 0);
  test('fillPoly includes the outline: an 8x8 square from (0,0)-(7,7), a right triangle of 45 pixels', () => {
    expect(count(fillPolygon([0, 0, 7, 0, 7, 7, 0, 7], 32, 32))).toBe(64);
    expect(count(fillPolygon([0, 0, 8, 0, 0, 8], 32, 32))).toBe(45);
    expect(count(fillPolygon([2.9, 2.9, 5.99, 2.2, 5.5, 5.7], 32, 32))).toBe(count(fillPolygon([2, 2, 5, 2, 5, 5], 32, 32))); // int32 truncation
  });
  test('downsampling by 4 keeps a cell when 2 of its 4 centre pixels are set', () => {
    const win = { x0: 0, y0: 0, width: 8, height: 4, data: new Uint8Array(32) };
    win.data[1 * 8 + 1] = 1; // cell 0: one centre pixel -> 0
    win.data[1 * 8 + 5] = 1; // cell 1: two -> 1
    win.data[2 * 8 + 6] = 1;
    const out = downsampleMask(win, 8, 4, 2, 1);
    expect([...out.data]).toEqual([0, 1]);
  });
  test('resample_segments: 1000 points including every vertex', () => {
    const r = resampleSegment([0.1, 0.1, 0.9, 0.1, 0.9, 0.9], 1000);
    expect(r).toHaveLength(2000);
    expect([r[0], r[1]]).toEqual([Math.fround(0.1), Math.fround(0.1)]);
    expect([r[1998], r[1999]]).toEqual([Math.fround(0.1), Math.fround(0.1)]); // closed
    const xs = Array.from({ length: 1000 }, (_, i) => r[2 * i]);
    expect(xs.filter((x) => x === Math.fround(0.9)).length).toBeGreaterThan(300); // the right edge
  });
  test('a predicted outline: a cell is set when 3 of its 4 centre pixels are, and only inside the box', () => {
    const g = valGeometry(64, 64, 64, { kind: 'fixed', h: 64, w: 64 }); // gain 1, no padding: input = original pixels
    const square = (n) => [[0, n, n, 0], [0, 0, n, n]];
    const cells = (m) => m.data.reduce((a, b) => a + b, 0);
    const box = { x1: 0, y1: 0, x2: 64, y2: 64 };
    expect(cells(predictionMask(...square(15), box, g))).toBe(16); // pixels 0-15: cells 0-3
    expect(cells(predictionMask(...square(13), box, g))).toBe(9); // cell 3 sees pixel 13 but not 14: 2 of 4, off
    expect(cells(predictionMask(...square(15), { x1: 0, y1: 0, x2: 8, y2: 64 }, g))).toBe(8); // cells x < 8 / 4
    expect(cells(predictionMask([], [], box, g))).toBe(0);
  });
  test('overlapping labels: the smaller one owns its cells, the larger one is listed first', () => {
    const g = valGeometry(64, 64, 64, { kind: 'fixed', h: 64, w: 64 });
    const big = Float32Array.from([0.1, 0.1, 0.9, 0.1, 0.9, 0.9, 0.1, 0.9]);
    const small = Float32Array.from([0.4, 0.4, 0.6, 0.4, 0.6, 0.6, 0.4, 0.6]);
    const m = labelMasks([small, big], g);
    expect(m.order).toEqual([1, 0]);
    expect(m.width).toBe(16);
    const owner = (x, y) => m.owner[y * 16 + x];
    expect(owner(8, 8)).toBe(2); // inside the small one
    expect(owner(4, 4)).toBe(1);
    expect(owner(0, 0)).toBe(0);
    expect(m.areas[0] + m.areas[1]).toBe([...m.owner].filter(Boolean).length);
  });
});
