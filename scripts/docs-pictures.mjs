// Makes the annotated pictures under docs/pictures/ (model.plot on ../shared models and images): bus.jpg and
// zidane.jpg (detect), a segment and a pose picture, drawn at full size, then scaled to 2/3 (sharp) and saved at JPEG
// quality 80, so that the folder stays small.
//   node scripts/docs-pictures.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { loadModel } from '../dist/esm/index.js';
import { DATA, MODELS, repoRoot } from '../test/helpers/golden.mjs';

const sharp = createRequire(import.meta.url)('sharp');
const out = join(repoRoot, 'docs', 'pictures');
mkdirSync(out, { recursive: true });
const pictures = [
  ['fp32/yolov8n-int8dq-dynamic.onnx', 'bus.jpg', 'detect-bus.jpg'],
  ['fp32/yolov8n-int8dq-dynamic.onnx', 'zidane.jpg', 'detect-zidane.jpg'],
  ['fp32/yolov8n-seg-int8dq-dynamic.onnx', 'zidane.jpg', 'segment-zidane.jpg'],
  ['fp32/yolo11n-pose-int8dq-dynamic.onnx', 'bus.jpg', 'pose-bus.jpg'],
];
for (const [file, image, name] of pictures) {
  const model = await loadModel(join(MODELS, file), { threads: 2 });
  const res = await model.predict(join(DATA, 'images', image), { plot: { format: 'png' } });
  const [h, w] = res.images[0].shape;
  const jpeg = await sharp(res.images[0].plot).resize(Math.round((w * 2) / 3), Math.round((h * 2) / 3)).jpeg({ quality: 80 }).toBuffer();
  writeFileSync(join(out, name), jpeg);
  console.log(`${name}: ${res.images[0].results.length} results, ${jpeg.length} bytes`);
  await model.dispose();
}
