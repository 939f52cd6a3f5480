// batch: consecutive images of an array run as one [n, 3, h, w] inference on dynamic-batch models. The results must
// be those of one image at a time, in input order, whatever the mix of input sizes, within the golden tolerances
// (ONNX Runtime may pick other kernels for a batch: the network outputs can differ in the last float bits, as they
// do in Ultralytics between batch sizes); static models keep their one-at-a-time path.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel, ErrorCodes } from '../dist/esm/index.js';
import { DATA, MODELS, compareImage } from './helpers/golden.mjs';

const images = ['bus.jpg', 'zidane.jpg', 'dog.jpg', 'horses.jpg', 'person.jpg', 'giraffe.jpg'].map((f) => readFileSync(join(DATA, 'images', f)));
const entries = (out) => out.images.map(({ speed, ...rest }) => JSON.stringify(rest));

for (const [file, options] of [
  ['yolov8n-int8dq-dynamic', { rect: false, imgsz: 320 }], // one input size: batches of 4 + 2
  ['yolov8n-int8dq-dynamic', { imgsz: 320 }], // rect: sizes differ, grouped by size within each window
  ['yolov8n-seg-int8dq-dynamic', { rect: false, imgsz: 320 }],
  ['yolo11n-pose-int8dq-dynamic', { rect: false, imgsz: 320 }],
  ['yolov8n-cls_finetuned-leaves36-dynamic', { imgsz: 224, top5: true }],
  ['yolov8n-int8dq-640', {}], // static batch 1: batch is ignored
]) {
  test(`batch 4 == one at a time: ${file} ${JSON.stringify(options)}`, async () => {
    const model = await loadModel(join(MODELS, 'fp32', `${file}.onnx`), { threads: 2 });
    const runs = () => model.stats().inferenceRuns;
    const before = runs();
    const single = await model.predict(images, options);
    const singleRuns = runs() - before;
    const batched = await model.predict(images, { ...options, batch: 4 });
    const batchedRuns = runs() - before - singleRuns;
    assert.equal(singleRuns, images.length, 'batch 1: one inference per image');
    // A dynamic-batch model runs each window of 4 as few batches as its input sizes allow; a static one image by image.
    const sizes = (from, to) => new Set(single.images.slice(from, to).map((_, i) => JSON.stringify(expectedInput[i + from]))).size;
    const expectedInput = await Promise.all(images.map(async (img) => (await model.predict(img, options)).metadata.inputShape));
    const expectedRuns = model.info().dynamicBatch ? sizes(0, 4) + sizes(4, images.length) : images.length;
    assert.equal(batchedRuns, expectedRuns, `batch 4 made ${batchedRuns} inference runs for ${images.length} images`);
    assert.equal(batched.images.length, single.images.length);
    const conf = options.conf ?? 0.25;
    batched.images.forEach((img, i) => {
      const ref = single.images[i];
      const raw = ref.top5 ? { probs: { top5: ref.top5.map((c) => c.class), top5conf: ref.top5.map((c) => c.confidence) } } : {};
      const problems = compareImage({ hub: { images: [ref] }, args: { conf }, raw }, img, model.task);
      assert.deepEqual(problems, [], `image #${i}`);
    });
    const exact = entries(batched).filter((e, i) => e === entries(single)[i]).length;
    console.log(`${file}: ${exact}/${images.length} images bit-identical to the unbatched run`);
    if (!model.dynamic) assert.equal(exact, images.length, 'a static model must run exactly as without batch');
    assert.deepEqual(batched.metadata, single.metadata);
    for (const img of batched.images) assert.ok(img.speed.inference > 0 && img.speed.preprocess > 0);
    await model.dispose();
  });
}

test('batch: a bad image fails the call with its own label; options are validated', async () => {
  const model = await loadModel(join(MODELS, 'fp32', 'yolov8n-int8dq-dynamic.onnx'), { threads: 2 });
  await assert.rejects(model.predict([images[0], images[1], Buffer.from('not an image'), images[2]], { batch: 4 }),
    (e) => e.code === ErrorCodes.DECODE_FAILED && /input buffer #2/.test(e.message));
  for (const batch of [0, 65, 2.5, 'x']) {
    await assert.rejects(model.predict(images[0], { batch }), (e) => e.code === ErrorCodes.INVALID_ARGUMENT && /batch must be an integer in \[1, 64\]/.test(e.message));
  }
  await model.dispose();
});
