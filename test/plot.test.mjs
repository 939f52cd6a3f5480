// Pictures (model.plot, predict { plot }): pixel tests against the golden coordinates. Box edges carry the class
// colour of Ultralytics' palette, label boxes sit on the top-left corner, the rest of the image is untouched (PNG:
// lossless), mask regions are blended at alpha 0.5, keypoint dots are where the golden keypoints are, OBB polygons
// follow their corners; options; predict's picture is the same as model.plot's, without changing the HUB JSON.
import { test, describe, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, YoloError } from '../dist/esm/index.js';
import { native } from '../dist/cjs/native.js';
import { DATA, MODELS, readGolden, GOLDEN } from './helpers/golden.mjs';

// Ultralytics' Colors.hexs (utils/plotting.py), RGB; drawn as BGR.
const HEX = ['042AFF', '0BDBEB', 'F3F3F3', '00DFB7', '111F68', 'FF6FDD', 'FF444F', 'CCED00', '00F344', 'BD00FF',
  '00B4FF', 'DD00BA', '00FFFF', '26C000', '01FFB3', '7D24FF', '7B0068', 'FF1B6C', 'FC6D2F', 'A2FF0B'];
const bgrOf = (cls) => {
  const h = HEX[cls % 20];
  return [parseInt(h.slice(4, 6), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(0, 2), 16)];
};
// pose_palette rows for the COCO keypoints (kpt_color), handed to cv2 as they are
const POSE = { face: [0, 255, 0], arm: [255, 128, 0], leg: [51, 153, 255] };
const kptColor = (k) => (k < 5 ? POSE.face : k < 11 ? POSE.arm : POSE.leg);

const decode = (bytes) => native().__test.decodeImage(bytes);
const px = (img, x, y) => {
  const i = 3 * (y * img.width + x);
  return [img.data[i], img.data[i + 1], img.data[i + 2]];
};
const same = (a, b, tol = 0) => a.every((v, i) => Math.abs(v - b[i]) <= tol);
const golden = (folder, name) => readGolden(join(GOLDEN, folder, '640', `${name}.json`)).hub.images[0];
const lineWidth = (h, w) => Math.max(Math.round(((h + w + 3) / 2) * 0.003), 2);
const PNG = { format: 'png' };

/**
 * Whether (x, y) lies within `band` pixels of any edge of a box, or where its label may be: `labelH` pixels above or
 * below its top edge, from 250 pixels left of its left edge (a label is moved left to stay inside the image) to 250
 * pixels right of it.
 */
function nearBox(box, x, y, band, labelH = 0) {
  const { x1, y1, x2, y2 } = box;
  const onEdges = x >= x1 - band && x <= x2 + band && y >= y1 - band && y <= y2 + band && (x <= x1 + band || x >= x2 - band || y <= y1 + band || y >= y2 - band);
  const onLabel = labelH > 0 && x >= x1 - 250 && x <= x1 + 250 && y >= y1 - labelH && y <= y1 + labelH;
  return onEdges || onLabel;
}

let dir;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'yolo-native-plot-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('detect: boxes and labels', () => {
  let model, bytes, orig, want;
  beforeAll(async () => {
    model = await loadModel(join(MODELS, 'fp32', 'yolov8n-int8dq-dynamic.onnx'), { threads: 2 });
    bytes = readFileSync(join(DATA, 'images', 'bus.jpg'));
    orig = decode(bytes);
    want = golden('yolov8n-int8dq', 'bus');
  });
  afterAll(async () => model?.dispose());

  test('box edges carry the class colour at the golden coordinates; everything away from them is untouched', async () => {
    const out = await model.predict(bytes);
    const img = decode(await model.plot(bytes, out.images[0], PNG));
    assert.equal(img.width, orig.width);
    const lw = lineWidth(orig.height, orig.width);
    assert.equal(lw, 3);
    let checked = 0;
    for (const [i, r] of want.results.entries()) {
      const others = want.results.filter((_, j) => j !== i);
      // the middle of the left and right edges, unless another box's edges or label pass there
      for (const x of [Math.trunc(r.box.x1), Math.trunc(r.box.x2)]) {
        const y = Math.trunc((r.box.y1 + r.box.y2) / 2);
        if (others.some((o) => nearBox(o.box, x, y, lw + 1, 40))) continue;
        const hit = [-1, 0, 1].some((d) => x + d >= 0 && x + d < img.width && same(px(img, x + d, y), bgrOf(r.class)));
        assert.ok(hit, `${r.name} ${r.confidence}: no ${bgrOf(r.class)} at x=${x}±1, y=${y}: ${px(img, Math.max(0, x), y)}`);
        checked++;
      }
      // the label box: filled with the class colour right above the top-left corner (the text covers part of it)
      const x0 = Math.trunc(r.box.x1), y0 = Math.trunc(r.box.y1);
      if (y0 > 30 && !others.some((o) => nearBox(o.box, x0 + 10, y0 - 10, 30, 40) && o.confidence > r.confidence)) {
        let colour = 0, total = 0;
        for (let y = y0 - 20; y < y0 - 2; y++) for (let x = Math.max(0, x0) + 2; x < x0 + 60; x++, total++) if (same(px(img, x, y), bgrOf(r.class))) colour++;
        assert.ok(colour / total > 0.4, `${r.name}: label box ${colour}/${total} pixels of the class colour`);
      }
    }
    assert.ok(checked >= 5, `${checked} edges checked`);
    // far from every box and label: the original pixels (PNG is lossless)
    let untouched = 0;
    for (let y = 0; y < img.height; y += 7) {
      for (let x = 0; x < img.width; x += 7) {
        if (want.results.some((r) => nearBox(r.box, x, y, lw + 2, 45))) continue;
        assert.deepEqual(px(img, x, y), px(orig, x, y), `pixel (${x}, ${y}) changed`);
        untouched++;
      }
    }
    assert.ok(untouched > 5000, `${untouched} pixels compared`);
  });

  test('options: lineWidth, labels off, confidence off, PNG / JPEG quality', async () => {
    const out = await model.predict(bytes);
    const r = want.results[0]; // person 0.8955, x1 = 50.3
    const y = Math.trunc((r.box.y1 + r.box.y2) / 2);
    const wide = decode(await model.plot(bytes, out, { ...PNG, lineWidth: 9 }));
    const band = (img) => [...Array(11).keys()].map((d) => Math.trunc(r.box.x1) - 5 + d).filter((x) => same(px(img, x, y), bgrOf(0))).length;
    assert.ok(band(wide) >= 9, `lineWidth 9: ${band(wide)} pixels`);
    const thin = band(decode(await model.plot(bytes, out, PNG)));
    assert.ok(thin >= 2 && thin <= 5 && band(wide) > thin + 3, `default line width: ${thin} pixels`);
    // no labels: above the top-left corner the image is untouched
    const bare = decode(await model.plot(bytes, out, { ...PNG, labels: false }));
    const x0 = Math.trunc(r.box.x1) + 10, y0 = Math.trunc(r.box.y1) - 10;
    assert.deepEqual(px(bare, x0 + 20, y0), px(orig, x0 + 20, y0));
    // no confidence: the label box ends sooner ("person" instead of "person 0.90")
    const labelWidth = (img) => {
      let x = Math.trunc(r.box.x1);
      while (x < img.width && same(px(img, x, Math.trunc(r.box.y1) - 3), bgrOf(0), 0) || (x < img.width && !same(px(img, x, Math.trunc(r.box.y1) - 3), px(orig, x, Math.trunc(r.box.y1) - 3)))) x++;
      return x - Math.trunc(r.box.x1);
    };
    const full = labelWidth(decode(await model.plot(bytes, out, PNG)));
    const short = labelWidth(decode(await model.plot(bytes, out, { ...PNG, conf: false })));
    assert.ok(full > short + 30, `label widths ${full} vs ${short}`);
    const png = await model.plot(bytes, out, PNG);
    assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    const jpg95 = await model.plot(bytes, out);
    const jpg30 = await model.plot(bytes, out, { quality: 30 });
    assert.deepEqual([...jpg95.subarray(0, 3)], [0xff, 0xd8, 0xff]);
    assert.ok(jpg30.length < jpg95.length / 2, `quality 30: ${jpg30.length} vs ${jpg95.length} bytes`);
    for (const bad of [{ lineWidth: 0 }, { quality: 101 }, { format: 'gif' }, { labels: 'yes' }, { colour: 1 }]) {
      await assert.rejects(model.plot(bytes, out, bad), (e) => e instanceof YoloError && e.code === 'E_INVALID_ARGUMENT');
    }
  });

  test("predict { plot } returns model.plot's picture and leaves the HUB JSON as it is", async () => {
    const plain = await model.predict(bytes);
    assert.equal(plain.images[0].plot, undefined);
    assert.ok(!('plot' in plain.images[0]));
    const withPlot = await model.predict(bytes, { plot: true });
    const { plot, speed, ...rest } = withPlot.images[0];
    const { speed: s2, ...plainRest } = plain.images[0];
    assert.deepEqual(rest, plainRest);
    assert.deepEqual(withPlot.metadata, plain.metadata);
    assert.ok(Buffer.isBuffer(plot));
    assert.equal(Buffer.compare(plot, await model.plot(bytes, plain)), 0, 'the same picture as model.plot');
    // raw frames: drawn on their own pixels (as BGR)
    const rgb = Buffer.alloc(orig.data.length);
    for (let i = 0; i < rgb.length; i += 3) rgb.set([orig.data[i + 2], orig.data[i + 1], orig.data[i]], i);
    const raw = await model.predict({ data: rgb, width: orig.width, height: orig.height, format: 'rgb' }, { plot: { format: 'png' } });
    assert.equal(Buffer.compare(raw.images[0].plot, await model.plot(bytes, plain, PNG)), 0, 'raw frame picture');
    // a batch: each image its own picture
    const both = await model.predict([bytes, join(DATA, 'images', 'zidane.jpg')], { plot: true, batch: 2 });
    assert.equal(decode(both.images[1].plot).width, 1280);
    // fastDecode does not shrink the picture
    const fast = await model.predict(bytes, { plot: true, fastDecode: true });
    assert.equal(decode(fast.images[0].plot).width, 810);
  });

  test('model.plot refuses a result of another image, a video and malformed results', async () => {
    const out = await model.predict(bytes);
    const zidane = readFileSync(join(DATA, 'images', 'zidane.jpg'));
    await assert.rejects(model.plot(zidane, out), (e) => e.code === 'E_INVALID_ARGUMENT' && /result\.shape \[1080, 810\] is not the shape of input buffer \[720, 1280\]/.test(e.message));
    await assert.rejects(model.plot(bytes, { shape: [1080, 810], results: [{ class: 'x', confidence: 1 }] }), (e) => e.code === 'E_INVALID_ARGUMENT' && /result\.results\[0\]\.class/.test(e.message));
    await assert.rejects(model.plot(bytes, { shape: [1080, 810] }), (e) => e.code === 'E_INVALID_ARGUMENT' && /result\.results/.test(e.message));
    await assert.rejects(model.plot(bytes, await model.predict([bytes, bytes])), (e) => e.code === 'E_INVALID_ARGUMENT' && /2 images/.test(e.message));
    await assert.rejects(model.plot(bytes, null), (e) => e.code === 'E_INVALID_ARGUMENT');
    // any numbers a caller hands over are drawn without harm (clamped), never a crash
    const wild = [1e30, -1e30, NaN, Infinity, 5e9, -7, 0.5];
    const pick = (i) => wild[i % wild.length];
    const finite = (i) => [1e30, -1e30, 5e9, -7, 0.5][i % 5];
    const hostile = { shape: [1080, 810], results: Array.from({ length: 20 }, (_, i) => ({ class: i * 997, confidence: finite(i + 3),
      box: { x1: finite(i), y1: finite(i + 1), x2: finite(i + 2), y2: finite(i + 4) },
      segments: { x: Array.from({ length: 50 }, (_, k) => pick(i + k)), y: Array.from({ length: 50 }, (_, k) => pick(i + 2 * k)) },
      keypoints: { x: Array.from({ length: 17 }, (_, k) => pick(k)), y: Array.from({ length: 17 }, (_, k) => pick(k + 1)), visible: Array(17).fill(1) } })) };
    assert.equal(decode(await model.plot(bytes, hostile)).width, 810);
    await assert.rejects(model.plot(bytes, { shape: [1080, 810], results: [{ class: 0, confidence: 1, box: { x1: NaN, y1: 0, x2: 1, y2: 1 } }] }),
      (e) => e.code === 'E_INVALID_ARGUMENT' && e.message === 'result.results[0].box.x1 must be a finite number');
    const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
    if (hasFfmpeg) {
      const clip = join(dir, 'one.mp4');
      spawnSync('ffmpeg', ['-loglevel', 'error', '-y', '-i', join(DATA, 'images', 'bus.jpg'), '-vf', 'scale=320:240', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', clip]);
      await assert.rejects(model.plot(clip, { shape: [240, 320], results: [] }), (e) => e.code === 'E_INVALID_INPUT' && /video/.test(e.message));
      // videos predicted with { plot } carry one picture per frame
      const video = await model.predict(clip, { plot: true, imgsz: 320 });
      assert.equal(video.images.length, 1);
      assert.equal(decode(video.images[0].plot).width, 320);
    }
  });
});

test('segment: mask regions are blended at alpha 0.5 with the class colour, inside the golden polygons', async () => {
  const model = await loadModel(join(MODELS, 'fp32', 'yolov8n-seg-int8dq-dynamic.onnx'), { threads: 2 });
  try {
    const bytes = readFileSync(join(DATA, 'images', 'zidane.jpg'));
    const orig = decode(bytes);
    const want = golden('yolov8n-seg-int8dq', 'zidane');
    const img = decode(await model.predict(bytes, { plot: PNG }).then((o) => o.images[0].plot));
    const inside = (poly, x, y) => {
      let c = false;
      for (let i = 0, j = poly.x.length - 1; i < poly.x.length; j = i++) {
        if ((poly.y[i] > y) !== (poly.y[j] > y) && x < ((poly.x[j] - poly.x[i]) * (y - poly.y[i])) / (poly.y[j] - poly.y[i]) + poly.x[i]) c = !c;
      }
      return c;
    };
    const deep = (poly, x, y) => [[0, 0], [6, 0], [-6, 0], [0, 6], [0, -6], [4, 4], [-4, -4], [4, -4], [-4, 4]].every(([dx, dy]) => inside(poly, x + dx, y + dy));
    const lw = lineWidth(orig.height, orig.width);
    const inBox = (b, x, y) => x >= b.x1 - 2 && x <= b.x2 + 2 && y >= b.y1 - 2 && y <= b.y2 + 2;
    let checked = 0, results = 0;
    for (const [i, r] of want.results.entries()) {
      let n = 0;
      for (let y = 0; y < orig.height && n < 200; y += 5) {
        for (let x = 0; x < orig.width && n < 200; x += 5) {
          if (!deep(r.segments, x, y)) continue;
          if (want.results.some((o, j) => j !== i && inBox(o.box, x, y))) continue; // where only this mask can be
          if (want.results.some((o) => nearBox(o.box, x, y, lw + 3, 45))) continue;
          const got = px(img, x, y), o = px(orig, x, y), c = bgrOf(r.class);
          const blended = o.map((v, k) => (v + c[k]) / 2);
          assert.ok(same(got, blended, 1.01), `${r.name} ${r.confidence} at (${x}, ${y}): ${got}, expected about ${blended} (original ${o}, colour ${c})`);
          n++;
        }
      }
      if (n > 20) results++;
      checked += n;
    }
    assert.ok(checked > 200 && results >= 2, `${checked} pixels of ${results} masks checked`);
    // outside every mask, box and label: untouched
    for (let y = 3; y < orig.height; y += 11) {
      for (let x = 3; x < orig.width; x += 11) {
        if (want.results.some((r) => inside(r.segments, x, y) || nearBox(r.box, x, y, lw + 3, 45))) continue;
        // the polygons are the golden ones: pixels right at their edges may differ by a pixel's worth of outline
        if (want.results.some((r) => [[3, 0], [-3, 0], [0, 3], [0, -3]].some(([dx, dy]) => inside(r.segments, x + dx, y + dy)))) continue;
        assert.deepEqual(px(img, x, y), px(orig, x, y), `(${x}, ${y}) changed outside the masks`);
      }
    }
  } finally {
    await model.dispose();
  }
});

test('pose: keypoint dots at the golden keypoints (confidence >= 0.25 only), in the COCO keypoint colours', async () => {
  const model = await loadModel(join(MODELS, 'fp32', 'yolo11n-pose-int8dq-dynamic.onnx'), { threads: 2 });
  try {
    const bytes = readFileSync(join(DATA, 'images', 'bus.jpg'));
    const orig = decode(bytes);
    const want = golden('yolo11n-pose-int8dq', 'bus');
    const img = decode(await model.predict(bytes, { plot: PNG }).then((o) => o.images[0].plot));
    // a dot of radius 5: the ring of radius 4 around the keypoint is its colour but where limbs (2 pixels wide, drawn
    // after the dots) cross it; limbs of the same colour alone cover only a few of its 16 points
    const disc = (x0, y0, colour) => {
      let hit = 0;
      for (let a = 0; a < 16; a++) {
        const x = Math.round(x0 + 4 * Math.cos((a * Math.PI) / 8)), y = Math.round(y0 + 4 * Math.sin((a * Math.PI) / 8));
        if (same(px(img, x, y), colour, 8)) hit++;
      }
      return hit / 16;
    };
    let dots = 0, hidden = 0;
    for (const r of want.results) {
      const k = r.keypoints;
      for (let i = 0; i < 17; i++) {
        const x = Math.trunc(k.x[i]), y = Math.trunc(k.y[i]);
        if (x < 4 || y < 4 || x >= orig.width - 4 || y >= orig.height - 4) continue;
        // another person's keypoint or box nearby could cover it: only isolated keypoints
        if (want.results.some((o) => o !== r && o.keypoints.x.some((ox, j) => o.keypoints.visible[j] >= 0.25 && Math.abs(ox - k.x[i]) < 12 && Math.abs(o.keypoints.y[j] - k.y[i]) < 12))) continue;
        if (want.results.some((o) => nearBox(o.box, x, y, 9, 45))) continue;
        if (k.visible[i] >= 0.3) {
          assert.ok(disc(x, y, kptColor(i)) >= 0.6, `${r.confidence} keypoint ${i} (${x}, ${y}) conf ${k.visible[i]}: ${px(img, x, y)}`);
          dots++;
        } else if (k.visible[i] < 0.2 && !k.x.some((ox, j) => j !== i && k.visible[j] >= 0.25 && Math.abs(ox - k.x[i]) < 12 && Math.abs(k.y[j] - k.y[i]) < 12)) {
          assert.ok(disc(x, y, kptColor(i)) < 0.4, `${r.confidence} keypoint ${i} (${x}, ${y}) conf ${k.visible[i]} is drawn`);
          hidden++;
        }
      }
    }
    assert.ok(dots >= 15 && hidden >= 3, `${dots} dots, ${hidden} hidden keypoints checked`);
    // one keypoint alone (no limb: its neighbours are not visible): exactly its colour at the centre
    const lone = { shape: [orig.height, orig.width], results: [{ class: 0, confidence: 0.9, box: { x1: 100, y1: 100, x2: 300, y2: 600 },
      keypoints: { x: Array(17).fill(200), y: Array(17).fill(300), visible: Array.from({ length: 17 }, (_, i) => (i === 13 ? 0.9 : 0.1)) } }] };
    const one = decode(await model.plot(bytes, lone, { ...PNG, labels: false }));
    assert.deepEqual(px(one, 200, 300), POSE.leg);
    assert.deepEqual(px(one, 200, 290), px(orig, 200, 290), 'radius 5');
  } finally {
    await model.dispose();
  }
});

test('obb: the polygon through the golden corners in the class colour; classify: the top-5 text box', async () => {
  const obb = await loadModel(join(MODELS, 'fp32', 'yolov8n-obb-dota8-dynamic.onnx'), { threads: 2 });
  try {
    // the dota8 tile with the fewest objects (the others are crowded harbours)
    const dirOf = join(GOLDEN, 'yolov8n-obb-dota8', '640', 'dota8', 'images', 'train');
    const g = readdirSync(dirOf).map((f) => readGolden(join(dirOf, f))).filter((x) => x.hub.images[0].results.length > 0)
      .sort((a, b) => a.hub.images[0].results.length - b.hub.images[0].results.length)[0];
    const bytes = readFileSync(join(DATA, g.image));
    const img = decode(await obb.plot(bytes, g.hub.images[0], { ...PNG, labels: false }));
    const results = g.hub.images[0].results;
    const hull = (r) => {
      const xs = [r.box.x1, r.box.x2, r.box.x3, r.box.x4], ys = [r.box.y1, r.box.y2, r.box.y3, r.box.y4];
      return { x1: Math.min(...xs) - 4, x2: Math.max(...xs) + 4, y1: Math.min(...ys) - 4, y2: Math.max(...ys) + 4 };
    };
    let checked = 0;
    for (const r of results) {
      const c = [[r.box.x1, r.box.y1], [r.box.x2, r.box.y2], [r.box.x3, r.box.y3], [r.box.x4, r.box.y4]];
      for (let e = 0; e < 4; e++) {
        const [ax, ay] = c[e], [bx, by] = c[(e + 1) % 4];
        const x = Math.trunc((ax + bx) / 2), y = Math.trunc((ay + by) / 2);
        if (x < 2 || y < 2 || x >= img.width - 2 || y >= img.height - 2) continue;
        if (results.some((o) => o !== r && (({ x1, x2, y1, y2 }) => x >= x1 && x <= x2 && y >= y1 && y <= y2)(hull(o)))) continue;
        const near = [-1, 0, 1].some((dy) => [-1, 0, 1].some((dx) => same(px(img, x + dx, y + dy), bgrOf(r.class))));
        assert.ok(near, `${r.name} edge ${e} midpoint (${x}, ${y})`);
        checked++;
      }
    }
    assert.ok(checked >= 3, `${checked} edges`);
  } finally {
    await obb.dispose();
  }
  const cls = await loadModel(join(MODELS, 'fp32', 'yolov8n-cls_finetuned-leaves36-dynamic.onnx'), { threads: 2 });
  try {
    const bytes = readFileSync(join(DATA, 'images', 'bus.jpg'));
    const orig = decode(bytes);
    const out = await cls.predict(bytes, { imgsz: 224, plot: PNG });
    assert.equal(out.images[0].top5, undefined, 'the picture shows the top 5; the JSON reports what was asked');
    const img = decode(out.images[0].plot);
    const x0 = Math.round(orig.height * 0.03);
    // five lines of white text on a half-transparent grey box starting at (x0, x0)
    let white = 0, darker = 0;
    for (let y = x0; y < x0 + 150; y++) for (let x = x0; x < x0 + 120; x++) {
      const p = px(img, x, y), o = px(orig, x, y);
      if (same(p, [255, 255, 255], 10) && !same(o, [255, 255, 255], 30)) white++;
      if (same(p, o.map((v) => v * (127 / 255) + 64 * (128 / 255)), 2)) darker++;
    }
    assert.ok(white > 200 && darker > 2000, `${white} text pixels, ${darker} box pixels`);
    assert.deepEqual(px(img, orig.width - 5, orig.height - 5), px(orig, orig.width - 5, orig.height - 5));
  } finally {
    await cls.dispose();
  }
});
