// Which layout a model's output has (classic head, end-to-end rows, nms=True rows), decided from metadata first and
// the output shape second, and the traps: a 2-class classic head [1, 6, 8400] beside an end-to-end [1, 300, 6], an
// end-to-end file without its end2end metadata, a shape only a run reveals, an output that fits no layout. Plus the
// row selection's own rules (max_det before the class filter, as Ultralytics 8.4).
import { afterAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, ErrorCodes, YoloError } from '../dist/esm/index.js';
import { Peer } from '../benchmarks/lib/peer.mjs';
import { DATA, MODELS, repoRoot, compareImage, describeFailures, goldenOptions, listGoldens, readGolden, runGoldens } from './helpers/golden.mjs';
import { constantOutputModel, sliceFirstOutput, withMetadata } from './helpers/onnx.mjs';

const scratch = mkdtempSync(join(tmpdir(), 'yolo-native-layout-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const bus = readFileSync(join(DATA, 'images', 'bus.jpg'));
const TWO = "{0: 'person', 1: 'bicycle'}";

function writeModel(name, bytes) {
  const path = join(scratch, name);
  writeFileSync(path, bytes);
  return path;
}

async function withModel(path, body) {
  const model = await loadModel(path, { threads: 2 });
  try {
    return await body(model);
  } finally {
    await model.dispose();
  }
}

function rejectsWith(promise, code, pattern) {
  return assert.rejects(promise, (e) => {
    assert.ok(e instanceof YoloError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('the layout of each shared model', () => {
  const expected = {
    'fp32/yolov8n-int8dq-640.onnx': 'classic', // [1, 84, 8400]
    'fp32/yolov8n-int8dq-dynamic.onnx': 'auto', // [batch, ?, anchors], no end2end metadata (8.3.160): the run decides
    'int8/yolov8n_int8-dynamic_640.onnx': 'classic', // end2end False
    'fp32/yolov8n-cls_finetuned-leaves36-640.onnx': 'classic',
    'int8/yolo26n_int8-dynamic_640.onnx': 'end2end',
    'int8/yolov10n_int8-dynamic_640.onnx': 'end2end',
    'fp32/yolo26n-int8dq-dynamic.onnx': 'end2end',
    'fp32/yolo26n-seg-toy-dynamic.onnx': 'end2end',
    'fp32/yolo26n-pose-toy-dynamic.onnx': 'end2end',
    'fp32/yolo26n-obb-toy-dynamic.onnx': 'end2end',
    'fp32/yolov8n-int8dq-nms-640.onnx': 'nms', // end2end False, args nms True
    'fp32/yolo26n-int8dq-noe2e-nms-640.onnx': 'nms',
  };
  for (const [file, head] of Object.entries(expected)) {
    test(`${file}: ${head}`, () => withModel(join(MODELS, file), (model) => assert.equal(model.head, head)));
  }

  test('yolo-native info reports it', () => {
    const out = execFileSync(process.execPath, [join(repoRoot, 'bin', 'yolo-native.js'), 'info', '--model', join(MODELS, 'fp32', 'yolo26n-int8dq-dynamic.onnx')], { encoding: 'utf8' });
    const info = JSON.parse(out);
    assert.equal(info.task, 'detect');
    assert.equal(info.head, 'end2end');
  });
});

describe('trap: a 2-class classic head [1, 6, 8400] is not an end-to-end [1, 300, 6]', () => {
  // yolov8n-int8dq's head cut to its box channels and first two classes (person, bicycle): a real 2-class classic
  // output. The reference is the benchmarks' independent JS postprocess (onnxruntime-node + sharp) on the same file.
  for (const [file, dims, head] of [
    ['yolov8n-int8dq-640.onnx', [1, 6, 8400], 'classic'], // static: the declared shape decides at load
    ['yolov8n-int8dq-dynamic.onnx', ['batch', 'channels', 'anchors'], 'auto'], // symbolic: the run decides
  ]) {
    test(`${file} sliced to 2 classes: ${head}, same detections as the JS reference`, async () => {
      const sliced = sliceFirstOutput(readFileSync(join(MODELS, 'fp32', file)), { axis: 1, start: 0, end: 6, dims });
      const path = writeModel(`two-class-${file}`, withMetadata(sliced, (m) => ({ ...m, names: TWO })));
      await withModel(path, async (model) => {
        assert.equal(model.head, head);
        assert.deepEqual(model.names, ['person', 'bicycle']);
        const peer = (await Peer.create(path, { threads: 2 })).configure({ task: 'detect', names: model.names, stride: 32 });
        const reference = await peer.predict(bus, { imgsz: 640 });
        const out = await model.predict(bus);
        assert.ok(reference.results.length >= 4, 'the reference finds the persons on bus.jpg');
        assert.ok(out.images[0].results.every((r) => r.class === 0 || r.class === 1));
        const problems = compareImage({ hub: { images: [{ results: reference.results, shape: reference.shape }] }, args: { conf: 0.25 } }, out.images[0], 'detect');
        assert.deepEqual(problems, []);
        await peer.session.release?.();
      });
    });
  }

  test('a 2-class end-to-end [1, 300, 6] with the same 6: rows, read without NMS', async () => {
    // Two overlapping rows of the same class stay two results (no NMS), a low row is dropped by conf.
    const rows = new Float32Array(300 * 6);
    rows.set([75, 75, 125, 125, 0.9, 0, 76, 76, 126, 126, 0.85, 0, 260, 180, 340, 220, 0.8, 1, 10, 10, 20, 20, 0.1, 1]);
    for (const runtimeShape of [false, true]) {
      const path = writeModel(`rows-${runtimeShape}.onnx`, constantOutputModel([1, 3, 640, 640], [{ name: 'output0', shape: [1, 300, 6], data: rows }], { task: 'detect', names: TWO }, { runtimeShape }));
      await withModel(path, async (model) => {
        assert.equal(model.head, runtimeShape ? 'auto' : 'end2end');
        const image = await sharpImage(640, 640);
        const results = (await model.predict(image)).images[0].results;
        assert.deepEqual(results.map((r) => [r.class, r.confidence, r.box]), [
          [0, 0.9, { x1: 75, y1: 75, x2: 125, y2: 125 }],
          [0, 0.85, { x1: 76, y1: 76, x2: 126, y2: 126 }],
          [1, 0.8, { x1: 260, y1: 180, x2: 340, y2: 220 }],
        ]);
      });
    }
  });

  test('a shape that fits both layouts ([1, 6, 6] with 2 classes) is refused at load, naming both', async () => {
    const path = writeModel('both.onnx', constantOutputModel([1, 3, 640, 640], [{ name: 'output0', shape: [1, 6, 6], data: new Float32Array(36) }], { task: 'detect', names: TWO }));
    await rejectsWith(loadModel(path, { threads: 2 }), ErrorCodes.MODEL_UNSUPPORTED, /output0 \[1, 6, 6\] fits both the classic and the row layout; expected detect output0 \[batch, 6, anchors\] \(classic head\) or \[batch, max_det, 6\]/);
  });
});

describe('trap: end-to-end files without end2end metadata', () => {
  // The real YOLO26 exports with the end2end entry removed: the output shape still tells (ONNX Runtime resolves
  // the row width even of the dynamic file), and the results are the same goldens.
  for (const [file, golden, variant] of [
    ['int8/yolo26n_int8-dynamic_640.onnx', 'yolo26n_int8-dynamic_640', '640'],
    ['fp32/yolo26n-int8dq-dynamic.onnx', 'yolo26n-int8dq', '640'],
  ]) {
    test(`${file} without end2end: end2end from its shape, goldens pass`, async () => {
      const bytes = withMetadata(readFileSync(join(MODELS, file)), ({ end2end, ...rest }) => {
        assert.equal(end2end, 'True');
        return rest;
      });
      const path = writeModel(`noe2e-${file.split('/')[1]}`, bytes);
      await withModel(path, async (model) => {
        assert.equal(model.head, 'end2end');
        assert.equal(model.metadata.end2end, undefined);
        const files = listGoldens(golden, variant).filter((f) => f.split('/').at(-2) === variant); // the loose images
        const { failed } = await runGoldens(model, files, 'detect');
        assert.equal(failed.length, 0, describeFailures(failed));
      });
    });
  }

  test('the metadata decides where the declared shape cannot: end2end / args nms over a shape only a run reveals', async () => {
    const rows = { name: 'output0', shape: [1, 300, 6], data: new Float32Array(300 * 6) };
    for (const [metadata, head] of [[{ end2end: 'True' }, 'end2end'], [{ end2end: 'False', args: "{'batch': 1, 'nms': True}" }, 'nms'], [{ end2end: 'False' }, 'auto']]) {
      const path = writeModel(`md-${head}.onnx`, constantOutputModel([1, 3, 640, 640], [rows], { task: 'detect', names: TWO, ...metadata }, { runtimeShape: true }));
      await withModel(path, (model) => assert.equal(model.head, head, JSON.stringify(metadata)));
    }
  });

  test('rows whose shape only a run reveals (declared [?, ?, ?], no metadata): read as rows at run time', async () => {
    // Same rows as above, through a graph whose output shape no shape inference can know.
    const rows = new Float32Array(300 * 6);
    rows.set([75, 75, 125, 125, 0.9, 0]);
    const path = writeModel('auto-rows.onnx', constantOutputModel([1, 3, 640, 640], [{ name: 'output0', shape: [1, 300, 6], data: rows }], { task: 'detect', names: TWO }, { runtimeShape: true }));
    await withModel(path, async (model) => {
      assert.equal(model.head, 'auto');
      const results = (await model.predict(await sharpImage(640, 640))).images[0].results;
      assert.deepEqual(results.map((r) => r.box), [{ x1: 75, y1: 75, x2: 125, y2: 125 }]);
    });
  });
});

describe('trap: a layout that cannot be decided is E_MODEL_UNSUPPORTED naming the outputs', () => {
  const names80 = `{${Array.from({ length: 80 }, (_, i) => `${i}: 'c${i}'`).join(', ')}}`;
  const odd = { name: 'output0', shape: [1, 5, 7], data: new Float32Array(35) };

  test('at load: output0 [1, 5, 7] for an 80-class detect model', async () => {
    const path = writeModel('odd.onnx', constantOutputModel([1, 3, 640, 640], [odd], { task: 'detect', names: names80 }));
    await rejectsWith(loadModel(path, { threads: 2 }), ErrorCodes.MODEL_UNSUPPORTED,
      /its outputs are output0 \[1, 5, 7\]; expected detect output0 \[batch, 84, anchors\] \(classic head\) or \[batch, max_det, 6\] \(end-to-end or nms=True export\)/);
  });

  test('at run time: the same output behind a shape only the run reveals', async () => {
    const path = writeModel('odd-auto.onnx', constantOutputModel([1, 3, 640, 640], [odd], { task: 'detect', names: names80 }, { runtimeShape: true }));
    await withModel(path, async (model) => {
      assert.equal(model.head, 'auto');
      await rejectsWith(model.predict(await sharpImage(64, 64)), ErrorCodes.MODEL_UNSUPPORTED, /outputs are output0 \[1, 5, 7\]; expected detect output0 \[batch, 84, anchors\]/);
    });
  });

  test('a row width that does not fit the task (pose rows of 6 + 17x2 for kpt_shape [17, 3])', async () => {
    const path = writeModel('pose-rows.onnx', constantOutputModel([1, 3, 640, 640], [{ name: 'output0', shape: [1, 300, 40], data: new Float32Array(300 * 40) }], { task: 'pose', names: "{0: 'person'}", kpt_shape: '[17, 3]', end2end: 'True' }));
    await rejectsWith(loadModel(path, { threads: 2 }), ErrorCodes.MODEL_UNSUPPORTED, /output0 \[1, 300, 40\]; expected pose output0 \[batch, 56, anchors\] \(classic head\) or \[batch, max_det, 57\]/);
  });

  test('end2end metadata on a classic output [1, 84, 8400] is refused, not misread', async () => {
    const path = writeModel('e2e-classic.onnx', constantOutputModel([1, 3, 640, 640], [{ name: 'output0', shape: [1, 84, 8400], data: new Float32Array(84 * 8400) }], { task: 'detect', names: names80, end2end: 'True' }));
    await rejectsWith(loadModel(path, { threads: 2 }), ErrorCodes.MODEL_UNSUPPORTED, /metadata says end2end but output0 \[1, 84, 8400\] has the classic/);
  });

  test("a model whose 'channels' metadata is not 3 (grayscale) is E_MODEL_UNSUPPORTED", async () => {
    const rows = { name: 'output0', shape: [1, 300, 6], data: new Float32Array(300 * 6) };
    const path = writeModel('gray.onnx', constantOutputModel([1, 3, 640, 640], [rows], { task: 'detect', names: TWO, channels: '1' }));
    await rejectsWith(loadModel(path, { threads: 2 }), ErrorCodes.MODEL_UNSUPPORTED, /takes 1-channel images \(metadata 'channels'\); yolo-native runs 3-channel \(RGB\) models only/);
  });
});

describe('row selection as Ultralytics 8.4: conf, max_det, then the class filter', () => {
  const golden = readGolden(listGoldens('yolo26n-int8dq', '640').find((f) => f.endsWith('/640/bus.json')));
  const expected = golden.hub.images[0].results; // bus 0.918, then 4 persons
  const options = goldenOptions(golden);

  test('maxDet keeps the first rows; classes keeps the listed classes', () => withModel(join(MODELS, 'fp32', 'yolo26n-int8dq-dynamic.onnx'), async (model) => {
    const two = (await model.predict(bus, { ...options, maxDet: 2 })).images[0].results;
    assert.deepEqual(two.map((r) => [r.name, r.confidence]), expected.slice(0, 2).map((r) => [r.name, r.confidence]));
    const persons = (await model.predict(bus, { ...options, classes: [0] })).images[0].results;
    assert.deepEqual(persons.map((r) => r.confidence), expected.filter((r) => r.class === 0).map((r) => r.confidence));
    // max_det cuts before the class filter: the first row is the bus, so nothing is left.
    assert.deepEqual((await model.predict(bus, { ...options, classes: 0, maxDet: 1 })).images[0].results, []);
  }));

  test('the classic path filters classes before NMS and max_det', () => withModel(join(MODELS, 'fp32', 'yolov8n-int8dq-dynamic.onnx'), async (model) => {
    const persons = (await model.predict(bus, { classes: [0], maxDet: 1 })).images[0].results;
    assert.deepEqual(persons.map((r) => r.name), ['person']);
  }));

  test('classes is validated', () => withModel(join(MODELS, 'fp32', 'yolo26n-int8dq-dynamic.onnx'), async (model) => {
    await rejectsWith(model.predict(bus, { classes: [0, -1] }), ErrorCodes.INVALID_ARGUMENT, /classes\[1\] must be an integer in \[0, 1000000\]; received -1/);
    await rejectsWith(model.predict(bus, { classes: 'person' }), ErrorCodes.INVALID_ARGUMENT, /classes\[0\] must be an integer/);
  }));
});

describe('the way back to the original image, as Ultralytics 8.4 for rows', () => {
  test("boxes use the letterbox's own offset: to 1e-3 px on the images where 8.3.160's pad formula is a pixel off", () => withModel(join(MODELS, 'int8', 'yolov10n_int8-dynamic_640.onnx'), async (model) => {
    // 500x313 -> 640x400.64 at gain 1.28: 8.3.160 recomputes pad 120, the letterbox applied 119 (0.78 px apart in
    // the image, inside the golden tolerance, hence this stricter check).
    for (const stem of ['coco128/images/train2017/000000000491.json', 'coco8-pose/images/val/000000000136.json']) {
      const g = readGolden(listGoldens('yolov10n_int8-dynamic_640', '640').find((f) => f.endsWith(stem)));
      const mine = (await model.predict(readFileSync(join(DATA, g.image)), goldenOptions(g))).images[0].results;
      const gold = g.hub.images[0].results;
      assert.equal(mine.length, gold.length);
      gold.forEach((a, i) => {
        for (const k of ['x1', 'y1', 'x2', 'y2']) assert.ok(Math.abs(a.box[k] - mine[i].box[k]) < 1e-3, `${stem} #${i} ${k}: ${mine[i].box[k]} vs ${a.box[k]}`);
      });
    }
  }));

  test('keypoints too (scale_coords): to 1e-3 px where 8.3.160 used an unrounded, half-pixel pad', () => withModel(join(MODELS, 'fp32', 'yolo26n-pose-toy-dynamic.onnx'), async (model) => {
    const halfPixel = (g) => {
      const [h1, w1] = g.input_tensor_shape.slice(2), [h0, w0] = g.orig_shape, gain = Math.min(h1 / h0, w1 / w0);
      return [(w1 - w0 * gain) / 2, (h1 - h0 * gain) / 2].some((pad) => pad !== Math.round(pad));
    };
    const goldens = listGoldens('yolo26n-pose-toy', '640').map(readGolden).filter((g) => halfPixel(g) && g.hub.images[0].results.length > 0);
    assert.ok(goldens.length >= 3);
    for (const g of goldens.slice(0, 3)) {
      const mine = (await model.predict(readFileSync(join(DATA, g.image)), goldenOptions(g))).images[0].results;
      g.hub.images[0].results.forEach((a, i) => {
        for (const axis of ['x', 'y']) {
          a.keypoints[axis].forEach((v, k) => assert.ok(Math.abs(v - mine[i].keypoints[axis][k]) < 1e-3, `${g.file} #${i} keypoint ${k} ${axis}: ${mine[i].keypoints[axis][k]} vs ${v}`));
        }
      });
    }
  }));

  test('OBB rows: corners from the raw angle (no regularize_rboxes), centre and size not clipped', async () => {
    // cx 660 lies outside the 640-wide image; angle 2.0 rad is past pi/2 (8.3.160 would swap w, h and wrap it).
    const rows = new Float32Array(300 * 7);
    rows.set([660, 320, 100, 50, 0.9, 3, 2.0]);
    const names = `{${Array.from({ length: 15 }, (_, i) => `${i}: 'c${i}'`).join(', ')}}`;
    const path = writeModel('obb-rows.onnx', constantOutputModel([1, 3, 640, 640], [{ name: 'output0', shape: [1, 300, 7], data: rows }], { task: 'obb', names, end2end: 'True' }));
    await withModel(path, async (model) => {
      const [r] = (await model.predict(await sharpImage(640, 640))).images[0].results;
      const f = Math.fround;
      const c = f(Math.cos(f(2))), sn = f(Math.sin(f(2)));
      const v1 = [f(50 * c), f(50 * sn)], v2 = [f(-25 * sn), f(25 * c)];
      const corner = (s1, s2) => [f(f(660 + s1 * v1[0]) + s2 * v2[0]), f(f(320 + s1 * v1[1]) + s2 * v2[1])];
      const want = [corner(1, 1), corner(1, -1), corner(-1, -1), corner(-1, 1)];
      assert.equal(r.class, 3);
      want.forEach(([x, y], i) => {
        assert.ok(Math.abs(r.box[`x${i + 1}`] - x) < 1e-4 && Math.abs(r.box[`y${i + 1}`] - y) < 1e-4, `corner ${i + 1}: ${JSON.stringify(r.box)} vs ${want}`);
      });
    });
  });

  test('OBB rows on the real YOLO26 OBB model: corners in Ultralytics 8.4 order, not only the same polygon', () => withModel(join(MODELS, 'fp32', 'yolo26n-obb-toy-dynamic.onnx'), async (model) => {
    let compared = 0;
    for (const file of listGoldens('yolo26n-obb-toy', '640').filter((f) => f.split('/').at(-2) === '640' || f.includes('dota8'))) {
      const g = readGolden(file);
      const mine = (await model.predict(readFileSync(join(DATA, g.image)), goldenOptions(g))).images[0].results;
      g.hub.images[0].results.forEach((a, i) => {
        for (const k of Object.keys(a.box)) assert.ok(Math.abs(a.box[k] - mine[i].box[k]) < 1e-2, `${g.file} #${i} ${k}`);
        compared++;
      });
    }
    assert.ok(compared > 50, `${compared} boxes compared`);
  }));
});

describe('rows of a batch', () => {
  // A dynamic-batch end-to-end model runs equal-size images as one [n, 3, h, w] inference: each image reads its own
  // rows (and, for segment, its own prototypes).
  const withoutSpeed = (out) => out.images.map(({ speed, ...rest }) => rest);
  for (const file of ['fp32/yolo26n-int8dq-dynamic.onnx', 'fp32/yolo26n-seg-toy-dynamic.onnx']) {
    test(`${file}: [bus, bus.flipped, bus] with batch 3 = one at a time`, () => withModel(join(MODELS, file), async (model) => {
      const { createRequire } = await import('node:module');
      const flipped = await createRequire(import.meta.url)('sharp')(bus).flop().jpeg({ quality: 95 }).toBuffer();
      const inputs = [bus, flipped, bus];
      const batched = withoutSpeed(await model.predict(inputs, { batch: 3 }));
      const single = [];
      for (const input of inputs) single.push(...withoutSpeed(await model.predict(input)));
      assert.deepEqual(batched, single);
      assert.notDeepEqual(batched[0].results, batched[1].results);
    }));
  }
});

/** A plain grey PNG of the given size (the constant models ignore their input). */
async function sharpImage(width, height) {
  const { createRequire } = await import('node:module');
  const sharp = createRequire(import.meta.url)('sharp');
  return sharp({ create: { width, height, channels: 3, background: { r: 114, g: 114, b: 114 } } }).png().toBuffer();
}
