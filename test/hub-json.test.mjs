// The whole HUB JSON of each task on one image, as a snapshot (test/__snapshots__): keys, key order, result counts,
// classes, names, the metadata envelope and every coordinate (to the pixel) and confidence (to 1e-2). The golden
// suites check the numbers against Ultralytics to their tolerances; this pins the shape of the answer itself.
import { expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel } from '../dist/esm/index.js';
import { DATA, MODELS } from './helpers/golden.mjs';

/** The response with coordinates rounded to pixels, confidences to 1e-2, timings and versions dropped. */
function stable(value, key = '') {
  if (Array.isArray(value)) return value.map((v) => stable(v, key)); // array items keep their field's name
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'speed' && k !== 'version').map(([k, v]) => [k, stable(v, k)]));
  }
  if (typeof value !== 'number') return value;
  return ['confidence', 'conf', 'iou', 'visible'].includes(key) ? Math.round(value * 100) / 100 : Math.round(value);
}

/** Every object's keys, in order, as "path: k1,k2,..." lines (snapshots print objects with sorted keys). */
function keyOrder(value, path = '', out = []) {
  if (Array.isArray(value)) value.slice(0, 1).forEach((v) => keyOrder(v, `${path}[]`, out));
  else if (value && typeof value === 'object') {
    out.push(`${path || '.'}: ${Object.keys(value).join(',')}`);
    for (const [k, v] of Object.entries(value)) keyOrder(v, `${path}.${k}`, out);
  }
  return out;
}

const cases = [
  ['detect', 'fp32/yolov8n-int8dq-dynamic.onnx', 'images/bus.jpg', {}],
  ['segment', 'fp32/yolov8n-seg-int8dq-640.onnx', 'images/zidane.jpg', { conf: 0.5 }],
  ['pose', 'fp32/yolo11n-pose-int8dq-dynamic.onnx', 'images/zidane.jpg', {}],
  ['obb', 'fp32/yolov8n-obb-dota8-dynamic.onnx', 'dota8/images/train/P1053__1024__0___90.jpg', { imgsz: 1024, conf: 0.5 }],
  ['classify', 'fp32/yolov8n-cls_finetuned-leaves36-dynamic.onnx', 'images/bus.jpg', { imgsz: 224, top5: true }],
];

for (const [task, file, image, options] of cases) {
  test(`${task}: the HUB JSON of ${image}`, async () => {
    const model = await loadModel(join(MODELS, file), { threads: 2 });
    try {
      const out = await model.predict(readFileSync(join(DATA, image)), options);
      expect(Object.keys(out)).toEqual(['images', 'metadata']);
      expect(Object.keys(out.images[0].speed)).toEqual(['preprocess', 'inference', 'postprocess']);
      expect(out.metadata.version.yoloNative).toMatch(/^\d+\.\d+\.\d+/);
      expect(keyOrder(out)).toMatchSnapshot();
      expect(stable(out)).toMatchSnapshot();
    } finally {
      await model.dispose();
    }
  });
}
