// The server's `plot` form field: plot=true answers the annotated JPEG (the picture model.plot draws for the same
// result) instead of the JSON; without the field, or with plot=false, the HUB JSON is unchanged.
import { test, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, loadModel } from '../dist/esm/index.js';
import { native } from '../dist/cjs/native.js';
import { DATA } from './helpers/golden.mjs';
import { DETECT, HUB_ID, KEYS, makeModelsDir, withoutSpeed } from './helpers/server.mjs';

const bus = readFileSync(join(DATA, 'images', 'bus.jpg'));
let server, url, lib, dir;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'yolo-native-server-plot-'));
  server = createServer({ modelsDir: makeModelsDir(), apiKeys: KEYS, threads: 2 });
  url = await server.listen({ port: 0, host: '127.0.0.1' });
  lib = await loadModel(DETECT, { threads: 2 });
});
afterAll(async () => {
  await server?.close();
  await lib?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** POSTs the form; the body as bytes. */
async function post(fields, file = bus) {
  const form = new FormData();
  form.append('model', `https://hub.ultralytics.com/models/${HUB_ID}`);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([file]), 'image.jpg');
  const res = await fetch(url, { method: 'POST', body: form, headers: { 'x-api-key': KEYS[0] } });
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
}

test('plot=true answers the annotated JPEG; without it (or plot=false) the HUB JSON as before', async () => {
  const json = await post({ imgsz: '640' });
  assert.equal(json.status, 200);
  assert.match(json.type, /^application\/json/);
  const response = JSON.parse(json.body.toString('utf8'));
  assert.ok(!('plot' in response.images[0]));
  assert.deepEqual(withoutSpeed(response.images), withoutSpeed((await lib.predict(bus, { imgsz: 640 })).images));
  assert.deepEqual(withoutSpeed(JSON.parse((await post({ imgsz: '640', plot: 'false' })).body)), withoutSpeed(response));

  const picture = await post({ imgsz: '640', plot: 'true' });
  assert.equal(picture.status, 200);
  assert.equal(picture.type, 'image/jpeg');
  assert.deepEqual([...picture.body.subarray(0, 3)], [0xff, 0xd8, 0xff]);
  assert.equal(Buffer.compare(picture.body, await lib.plot(bus, response.images[0])), 0, 'the picture of the same result');
  const img = native().__test.decodeImage(picture.body);
  assert.deepEqual([img.width, img.height], [810, 1080]);
});

test('plot must be true or false, and takes an image', async () => {
  const bad = await post({ plot: 'yes' });
  assert.equal(bad.status, 400);
  assert.deepEqual(JSON.parse(bad.body).error, { code: 'E_INVALID_ARGUMENT', message: 'plot must be true or false; received "yes"' });
  if (spawnSync('ffmpeg', ['-version']).status === 0) {
    const clip = join(dir, 'clip.mp4');
    spawnSync('ffmpeg', ['-loglevel', 'error', '-y', '-i', join(DATA, 'images', 'bus.jpg'), '-vf', 'scale=320:240', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', clip]);
    const video = await post({ plot: 'true' }, readFileSync(clip));
    assert.equal(video.status, 400);
    assert.match(JSON.parse(video.body).error.message, /plot=true takes an image upload/);
  }
});
