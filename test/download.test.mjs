// Model download: tested against a local HTTP server on loopback, never the internet.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, downloadModel, ErrorCodes } from '../dist/esm/index.js';
import { MODELS } from './helpers/golden.mjs';

const weights = readFileSync(join(MODELS, 'fp32', 'yolov8n-int8dq-640.onnx'));
const sha256 = createHash('sha256').update(weights).digest('hex');

const server = createServer((req, res) => {
  if (req.url === '/assets/yolov8n.onnx') {
    res.writeHead(200, { 'content-length': weights.length });
    res.end(weights);
  } else if (req.url === '/assets/cut.onnx') {
    res.writeHead(200, { 'content-length': weights.length });
    res.end(weights.subarray(0, 1000)); // the connection closes early: a truncated download
  } else {
    res.writeHead(404);
    res.end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const baseUrl = `http://127.0.0.1:${server.address().port}/assets`;
const dir = mkdtempSync(join(tmpdir(), 'yolo-native-dl-'));

test('a missing model is downloaded into the models directory, verified, and loaded', async () => {
  const model = await loadModel('yolov8n', { modelsDir: dir, download: { baseUrl, sha256 } });
  assert.equal(model.task, 'detect');
  assert.equal(model.path, join(dir, 'yolov8n.onnx'));
  await model.dispose();
  // The second load finds the file without the server.
  const again = await loadModel('yolov8n', { modelsDir: dir });
  await again.dispose();
});

test('failed downloads leave nothing behind and give E_DOWNLOAD_FAILED', async () => {
  const code = (p) => p.then(() => 'resolved', (e) => `${e.code}: ${e.message}`);
  assert.match(await code(downloadModel('absent', dir, { baseUrl })), /^E_DOWNLOAD_FAILED: .*HTTP 404/);
  assert.match(await code(downloadModel('cut', dir, { baseUrl })), /^E_DOWNLOAD_FAILED/);
  assert.match(await code(downloadModel('yolov8n-copy', dir, { baseUrl: `${baseUrl}/../assets`, sha256: '0'.repeat(64) })), /^E_DOWNLOAD_FAILED|^E_INVALID/);
  assert.match(await code(downloadModel('../etc/passwd', dir, { baseUrl })), new RegExp(`^${ErrorCodes.INVALID_ARGUMENT}`));
  assert.match(await code(loadModel('nothing-here', { modelsDir: dir })), /^E_MODEL_NOT_FOUND/);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.part')), []);
  assert.equal(existsSync(join(dir, 'cut.onnx')), false);
});

test('a checksum mismatch is refused', async () => {
  const r = await downloadModel('yolov8n', mkdtempSync(join(dir, 'x-')), { baseUrl, sha256: 'f'.repeat(64) }).then(() => 'ok', (e) => e.code + ' ' + e.message);
  assert.match(r, /^E_DOWNLOAD_FAILED .*SHA-256 .* does not match/);
});

afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});
