// The optimized-model cache (cacheDir / YOLO_NATIVE_CACHE_DIR): the first load writes ORT's optimised graph, later
// loads use it and predict exactly the same; a corrupt entry is rebuilt, and an unusable directory never stops a load.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../dist/esm/index.js';
import { DATA, MODELS } from './helpers/golden.mjs';

const SEG = join(MODELS, 'fp32', 'yolov8n-seg-int8dq-640.onnx');
const bus = readFileSync(join(DATA, 'images', 'bus.jpg'));
const scratch = mkdtempSync(join(tmpdir(), 'yolo-native-cache-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
const withoutSpeed = (out) => JSON.stringify(out.images.map(({ speed, ...rest }) => rest));

async function predictOnce(options) {
  const m = await loadModel(SEG, { threads: 2, ...options });
  try {
    return { out: await m.predict(bus), model: m, sessionPath: m.info().sessionPath };
  } finally {
    await m.dispose();
  }
}

test('first load fills the cache, later loads use it and predict the same', async () => {
  const dir = join(scratch, 'a');
  const plain = await predictOnce({});
  const first = await predictOnce({ cacheDir: dir });
  const files = readdirSync(dir);
  assert.equal(files.length, 1, `cache holds ${files}`);
  assert.match(files[0], /^yolov8n-seg-int8dq-640-[0-9a-f]{16}\.onnx$/);
  const stamp = statSync(join(dir, files[0])).mtimeMs;
  const second = await predictOnce({ cacheDir: dir });
  assert.equal(statSync(join(dir, files[0])).mtimeMs, stamp, 'the cached graph was rewritten instead of reused');
  assert.equal(first.sessionPath, SEG, 'the first load optimises the model itself');
  assert.equal(second.sessionPath, join(dir, files[0]), 'later loads build the session from the cached graph');
  assert.equal(plain.sessionPath, SEG);
  assert.equal(second.model.path, SEG, 'model.path names the model file, not the cache entry');
  assert.equal(second.out.metadata.model, 'yolov8n-seg-int8dq-640');
  assert.equal(withoutSpeed(first.out), withoutSpeed(plain.out));
  assert.equal(withoutSpeed(second.out), withoutSpeed(plain.out));
});

test('a corrupt cache entry is rebuilt; an unusable cache directory is ignored', async () => {
  const dir = join(scratch, 'b');
  const plain = await predictOnce({});
  await predictOnce({ cacheDir: dir });
  const [file] = readdirSync(dir);
  writeFileSync(join(dir, file), 'not an onnx graph');
  const rebuilt = await predictOnce({ cacheDir: dir });
  assert.equal(withoutSpeed(rebuilt.out), withoutSpeed(plain.out));
  assert.ok(statSync(join(dir, file)).size > 1000, 'the corrupt entry was not rebuilt');
  const blocker = join(scratch, 'a-file');
  writeFileSync(blocker, '');
  const unusable = await predictOnce({ cacheDir: join(blocker, 'sub') });
  assert.equal(withoutSpeed(unusable.out), withoutSpeed(plain.out));
});
