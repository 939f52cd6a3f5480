// Helpers of the server tests: a temporary models directory, multipart POSTs, the spec's client snippets, the
// CLI as a child process and a throw-away Redis server. Everything listens on 127.0.0.1 only.
import { createRequire } from 'node:module';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODELS, SHARED, repoRoot } from './golden.mjs';

export const DETECT = join(MODELS, 'fp32', 'yolov8n-int8dq-dynamic.onnx');
export const SEGMENT = join(MODELS, 'fp32', 'yolov8n-seg-int8dq-dynamic.onnx');
/** HUB-style ids the temporary models.json maps to the shared models. */
export const HUB_ID = 'R6nMlK6kQjSsQ76MPqQM';
export const SEG_ID = 'SeGmEnT0000000000001';
export const KEYS = ['test-key-alpha', 'test-key-beta'];

export const withoutSpeed = (r) => JSON.parse(JSON.stringify(r, (k, v) => (k === 'speed' ? undefined : v)));

/**
 * Every error answer (status >= 400) the helpers below received in this process, with the text values the request
 * sent, for checks over all of them: [{ body, sent }].
 */
export const errorBodies = [];
export function recordError(status, body, sent) {
  if (status >= 400) errorBodies.push({ body, sent });
}

/**
 * A scratch models directory removed at exit: models.json maps HUB_ID and SEG_ID to the shared models, and the
 * detect model is also there by file name (a link).
 */
export function makeModelsDir() {
  const dir = mkdtempSync(join(tmpdir(), 'yolo-native-server-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'models.json'), JSON.stringify({ [HUB_ID]: DETECT, [SEG_ID]: SEGMENT }));
  symlinkSync(DETECT, join(dir, 'yolov8n-int8dq-dynamic.onnx'));
  return dir;
}

/** A free TCP port on the loopback interface. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * POSTs a multipart form: `fields` as text parts, `file` (bytes) as the file part. Returns status, headers and
 * the parsed JSON body.
 */
export async function postForm(url, { key, fields = {}, file, filename = 'image.jpg', type = 'application/octet-stream', headers = {} } = {}) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, String(v));
  if (file !== undefined) form.append('file', new Blob([file], { type }), filename);
  const res = await fetch(url, { method: 'POST', body: form, headers: { ...(key !== undefined ? { 'x-api-key': key } : {}), ...headers } });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  recordError(res.status, body, Object.values(fields).map(String));
  return { status: res.status, headers: res.headers, body };
}

/** The documented client snippets of the contract (../shared/spec/hub-inference-api.md), verbatim. */
export function specSnippets() {
  const md = readFileSync(join(SHARED, 'spec', 'hub-inference-api.md'), 'utf8');
  const block = (lang) => {
    const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(md);
    if (!m) throw new Error(`no ${lang} block in the spec`);
    return m[1];
  };
  return { curl: block('bash'), python: block('python') };
}

/** The spec's placeholders replaced: only the URL, the key, the model id and the file path. */
export function fillSnippet(text, { url, key, modelId, file }) {
  const out = text
    .replaceAll('http://localhost:PORT', url)
    .replaceAll('API_KEY', key)
    .replaceAll('MODEL_ID', modelId)
    .replaceAll('/path/to/image.jpg', file)
    .replaceAll('path/to/image.jpg', file);
  if (/PORT|API_KEY|MODEL_ID|path\/to/.test(out)) throw new Error(`a placeholder is left in:\n${out}`);
  return out;
}

/** Runs a command without blocking the event loop (an in-process server must keep answering). */
export function run(cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.once('error', reject);
    p.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export const hasCommand = (cmd, args = ['--version']) => {
  try {
    return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
  } catch {
    return false;
  }
};

/**
 * `yolo-native serve` as a child process (by default on a free loopback port, quiet, one ORT thread). Resolves
 * once it prints its URL.
 * Returns { proc, url, exit (a promise of the exit code), log() }.
 */
export async function startCli(args, env = {}, { defaultFlags = true } = {}) {
  const flags = defaultFlags ? ['--port', '0', '--host', '127.0.0.1', '--log-level', 'warn', '--threads', '1'] : [];
  const proc = spawn(process.execPath, [join(repoRoot, 'bin', 'yolo-native.js'), 'serve', ...flags, ...args], {
    cwd: repoRoot,
    env: { ...process.env, REDIS_URL: '', YOLO_NATIVE_API_KEYS: '', YOLO_NATIVE_RATE_LIMIT: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exit = new Promise((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal)));
  const url = await new Promise((resolve, reject) => {
    const onData = (d) => {
      output += d;
      const m = /serving the HUB Inference API on (http:\/\/\S+)/.exec(output);
      if (m) resolve(m[1]);
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (d) => (output += d));
    exit.then((code) => reject(new Error(`yolo-native serve exited (${code}) before listening:\n${output}`)));
    setTimeout(() => reject(new Error(`yolo-native serve did not start in 30 s:\n${output}`)), 30_000).unref();
  });
  return { proc, url, exit, log: () => output };
}

/** Stops a child started here (by its own pid) and waits for it. */
export async function stopChild(child, signal = 'SIGTERM') {
  if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill(signal);
  return child.exit;
}

/** A real, throw-away redis-server on 127.0.0.1 (no persistence). Returns { url, stop() }. */
export async function startRedis() {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exit = new Promise((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal)));
  await new Promise((resolve, reject) => {
    proc.stdout.on('data', (d) => {
      output += d;
      if (/Ready to accept connections/.test(output)) resolve();
    });
    exit.then((code) => reject(new Error(`redis-server exited (${code}):\n${output}`)));
    setTimeout(() => reject(new Error(`redis-server did not start in 10 s:\n${output}`)), 10_000).unref();
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exit;
    },
  };
}

/** A gray (114) size x size PNG, made with sharp. */
export function grayPng(size) {
  const sharp = createRequire(import.meta.url)('sharp');
  return sharp({ create: { width: size, height: size, channels: 3, background: { r: 114, g: 114, b: 114 } } }).png().toBuffer();
}
