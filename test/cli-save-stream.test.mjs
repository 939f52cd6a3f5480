// `yolo-native predict` as a real process: --save writes annotated pictures and annotated videos (one JSON line per
// image or frame), a progress line (frames, fps, ETA) on a terminal only, and a stream URL served over loopback by
// ffmpeg prints one JSON line per frame.
import { test, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../dist/esm/index.js';
import { native } from '../dist/cjs/native.js';
import { DATA, MODELS, repoRoot } from './helpers/golden.mjs';

const BIN = join(repoRoot, 'bin', 'yolo-native.js');
const MODEL = join(MODELS, 'fp32', 'yolov8n-int8dq-dynamic.onnx');
const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const hasScript = spawnSync('script', ['--version']).status === 0; // util-linux: runs a command on a pseudo-terminal
let dir;

function run(args, { tty = false } = {}) {
  const command = tty ? 'script' : process.execPath;
  const argv = tty ? ['-qec', [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' '), '/dev/null'] : [BIN, ...args];
  const r = spawnSync(command, argv, { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const jsonLines = (text) => text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'yolo-native-cli-test-'));
  if (hasFfmpeg) {
    spawnSync('ffmpeg', ['-loglevel', 'error', '-y', '-loop', '1', '-i', join(DATA, 'images', 'bus.jpg'), '-vf', 'scale=320:240,fps=10', '-t', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', join(dir, 'clip.mp4')]);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('--save with images: annotated JPEGs named after the inputs, one JSON line per image', async () => {
  const out = join(dir, 'images');
  const r = run(['predict', join(DATA, 'images', 'bus.jpg'), join(DATA, 'images', 'zidane.jpg'), '--model', MODEL, '--imgsz', '320', '--save', out]);
  assert.equal(r.code, 0, r.stderr);
  const lines = jsonLines(r.stdout);
  assert.equal(lines.length, 2);
  assert.deepEqual(lines.map((l) => l.shape), [[1080, 810], [720, 1280]]);
  assert.ok(lines.every((l) => !('plot' in l)));
  const model = await loadModel(MODEL, { threads: 2 });
  try {
    const want = await model.predict(join(DATA, 'images', 'bus.jpg'), { imgsz: 320, plot: true });
    assert.deepEqual(lines[0].results, want.images[0].results);
    assert.equal(Buffer.compare(readFileSync(join(out, 'bus.jpg')), want.images[0].plot), 0, 'the picture predict { plot } draws');
  } finally {
    await model.dispose();
  }
  const z = native().__test.decodeImage(readFileSync(join(out, 'zidane.jpg')));
  assert.deepEqual([z.width, z.height], [1280, 720]);
  assert.equal(r.stderr, '', 'no progress line off a terminal');
});

test.skipIf(!hasFfmpeg)('--save with a video: an annotated .mp4 of every processed frame, its duration kept; JSON lines per frame', async () => {
  const out = join(dir, 'video');
  const r = run(['predict', join(dir, 'clip.mp4'), '--model', MODEL, '--imgsz', '320', '--vid-stride', '2', '--save', out]);
  assert.equal(r.code, 0, r.stderr);
  const lines = jsonLines(r.stdout);
  assert.deepEqual(lines.map((l) => l.frame), [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  assert.ok(lines.every((l) => typeof l.timestamp === 'number'));
  assert.ok(existsSync(join(out, 'clip.mp4')));
  const probe = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames,width,height,duration', '-of', 'json', join(out, 'clip.mp4')], { encoding: 'utf8' });
  const s = JSON.parse(probe.stdout).streams[0];
  assert.equal(Number(s.nb_read_frames), 10);
  assert.deepEqual([s.width, s.height], [320, 240]);
  assert.ok(Math.abs(Number(s.duration) - 2) < 0.25, `duration ${s.duration} s`);
  // the frames are annotated: the bus's box edge in the class colour (BGR 221, 111, 255) somewhere in the first frame
  const first = join(dir, 'first.png');
  spawnSync('ffmpeg', ['-loglevel', 'error', '-y', '-i', join(out, 'clip.mp4'), '-frames:v', '1', first]);
  const img = native().__test.decodeImage(readFileSync(first));
  let pink = 0;
  for (let i = 0; i < img.data.length; i += 3) if (Math.abs(img.data[i] - 221) < 40 && Math.abs(img.data[i + 1] - 111) < 40 && img.data[i + 2] > 215) pink++;
  assert.ok(pink > 200, `${pink} pixels in the bus colour`);
});

test.skipIf(!hasFfmpeg || !hasScript)('a progress line with frames, fps and ETA on a terminal', () => {
  const r = run(['predict', join(dir, 'clip.mp4'), '--model', MODEL, '--imgsz', '320', '--save', join(dir, 'tty')], { tty: true });
  assert.equal(r.code, 0, r.stdout);
  const progress = r.stdout.split('\r').map((l) => l.replaceAll('\u001b[K', '')).filter((l) => l.startsWith('clip.mp4 ['));
  assert.ok(progress.length >= 1, r.stdout.slice(0, 500));
  assert.match(progress.at(-1), /^clip\.mp4 \[#{20}\] 20\/20 {2}100\.0% {2}\d+\.\d fps {2}ETA 0s/);
});

test.skipIf(!hasFfmpeg)('a stream URL: one JSON line per frame, with frame and timestamp', async () => {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  const server = spawn('ffmpeg', ['-loglevel', 'quiet', '-re', '-i', join(dir, 'clip.mp4'), '-c', 'copy', '-f', 'mpegts', '-listen', '1', `http://127.0.0.1:${port}/`], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 500));
    const r = run(['predict', `http://127.0.0.1:${port}/`, '--model', MODEL, '--imgsz', '320', '--max-frames', '5', '--buffer', 'all', '--open-timeout', '8000']);
    assert.equal(r.code, 0, r.stderr);
    const lines = jsonLines(r.stdout);
    assert.deepEqual(lines.map((l) => l.frame), [0, 1, 2, 3, 4]);
    assert.deepEqual(lines.map((l) => l.timestamp), [0, 100, 200, 300, 400]);
    // bad flags are refused with the library's error
    const bad = run(['predict', `http://127.0.0.1:${port}/`, join(DATA, 'images', 'bus.jpg'), '--model', MODEL]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /E_INVALID_ARGUMENT/);
  } finally {
    server.kill('SIGKILL');
  }
});

test('--help on every command prints its usage and exits 0; an unknown command prints the usage and exits 2', () => {
  for (const argv of [['--help'], ['predict', '--help'], ['info', '--help'], ['serve', '--help'], ['val', '--help'], ['bench', '--help']]) {
    const r = run(argv);
    assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /^Usage/, argv.join(' '));
  }
  const r = run(['frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.stdout, /^Usage/);
});

test('every command refuses an unknown flag and a non-decimal number with E_INVALID_ARGUMENT naming its --help or the flag', () => {
  for (const command of ['predict', 'info', 'serve', 'val', 'bench']) {
    const r = run([command, '--frobnicate', '1']);
    assert.equal(r.code, 1, command);
    const error = JSON.parse(r.stderr).error;
    assert.equal(error.code, 'E_INVALID_ARGUMENT', `${command}: ${r.stderr}`);
    assert.match(error.message, /Unknown option '--frobnicate'/, command);
  }
  for (const command of ['predict', 'val', 'bench']) {
    const inputs = { predict: [join(DATA, 'images', 'bus.jpg')], val: ['--data', join(DATA, 'coco8')], bench: [] }[command];
    const r = run([command, ...inputs, '--model', MODEL, '--imgsz', '0x40']);
    assert.equal(r.code, 1, command);
    assert.match(JSON.parse(r.stderr).error.message, /--imgsz must be .*received "?0x40/, `${command}: ${r.stderr}`);
  }
});
