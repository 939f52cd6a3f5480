// Runs inside the arm64 Node (under qemu-user, started by scripts/test-arm64.mjs): a golden subset of every task
// through the arm64 prebuilt addon and onnxruntime-node's arm64 libonnxruntime.so.1, compared with Ultralytics'
// outputs by test/helpers/golden.mjs; each image also runs with the scalar kernels (simd: false), whose JSON must be
// identical to the NEON kernels'. Prints one line per check and a final `RESULT {"passed":n,"failed":m}`.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DATA, GOLDEN, MODELS, compareImage, goldenOptions, readGolden, repoRoot } from '../test/helpers/golden.mjs';

const SUBSET = [
  { task: 'detect', golden: 'yolov8n-int8dq', model: 'fp32/yolov8n-int8dq-dynamic.onnx' },
  { task: 'segment', golden: 'yolov8n-seg-int8dq', model: 'fp32/yolov8n-seg-int8dq-dynamic.onnx' },
  { task: 'pose', golden: 'yolo11n-pose-int8dq', model: 'fp32/yolo11n-pose-int8dq-dynamic.onnx' },
  { task: 'obb', golden: 'yolov8n-obb-dota8', model: 'fp32/yolov8n-obb-dota8-dynamic.onnx', extra: '640/dota8/images/train' },
  { task: 'classify', golden: 'yolov8n-cls_finetuned-leaves36', model: 'fp32/yolov8n-cls_finetuned-leaves36-dynamic.onnx' },
];
const IMAGES = ['640/bus.json', '640/zidane.json'];

let passed = 0, failed = 0;
const check = (name, problems) => {
  if (problems.length) {
    failed++;
    console.log(`FAIL ${name}: ${problems.slice(0, 4).join('; ')}`);
  } else {
    passed++;
    console.log(`ok   ${name}`);
  }
};
const withoutSpeed = (image) => JSON.stringify(image, (k, v) => (k === 'speed' ? undefined : v));

try {
  const { loadModel, runtimeInfo } = await import(join(repoRoot, 'dist', 'esm', 'index.js'));
  for (const s of SUBSET) {
    const model = await loadModel(join(MODELS, s.model), { threads: 2 });
    if (s === SUBSET[0]) {
      const info = runtimeInfo();
      console.log(`arch ${process.arch}, node ${process.version}, ORT ${info.ortVersion} (${info.ortLibrary}), simd ${info.simd}`);
      if (process.arch === 'arm64') check('the arm64 build runs the NEON kernels', /neon/i.test(info.simd) ? [] : [`simd is '${info.simd}'`]);
    }
    const files = IMAGES.map((f) => join(GOLDEN, s.golden, f));
    if (s.extra) files.push(join(GOLDEN, s.golden, s.extra, readdirSync(join(GOLDEN, s.golden, s.extra)).filter((f) => f.endsWith('.json')).sort()[0]));
    for (const file of files) {
      const g = readGolden(file);
      const bytes = readFileSync(join(DATA, g.image));
      const options = { ...goldenOptions(g), ...(s.task === 'classify' ? { top5: true } : {}) };
      const simd = await model.predict(bytes, { ...options, simd: true });
      const problems = compareImage(g, simd.images[0], s.task);
      const want = g.input_tensor_shape.slice(2);
      if (JSON.stringify(simd.metadata.inputShape) !== JSON.stringify(want)) problems.push(`input tensor ${JSON.stringify(simd.metadata.inputShape)} != ${JSON.stringify(want)}`);
      check(`${s.task} ${g.file} golden`, problems);
      const scalar = await model.predict(bytes, { ...options, simd: false });
      check(`${s.task} ${g.file} simd == scalar`, withoutSpeed(scalar.images[0]) === withoutSpeed(simd.images[0]) ? [] : ['simd:false JSON differs from simd:true']);
    }
    await model.dispose();
  }
} catch (e) {
  failed++;
  console.log(`FAIL ${e.code ?? ''} ${e.stack ?? e}`);
}
console.log(`RESULT ${JSON.stringify({ passed, failed })}`);
