// The package a user installs: `npm pack` (prepack builds dist/ and the x64 prebuild), then `npm install <tarball>`
// in a fresh consumer project with no compiler, cmake or make on PATH, then a prediction on bus.jpg from ESM, from
// CommonJS and from the CLI. The loaded addon maps no OpenCV, FFmpeg, GDAL or image-codec library; `tsc --strict`
// type-checks a file that uses the API under node16 and bundler resolution; publint and attw have nothing to say.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATA, MODELS, repoRoot } from './helpers/golden.mjs';

const DETECT = join(MODELS, 'fp32', 'yolov8n-int8dq-dynamic.onnx');
const BUS = join(DATA, 'images', 'bus.jpg');
const work = mkdtempSync(join(tmpdir(), 'yolo-native-package-'));
const consumer = join(work, 'consumer');
const bin = join(work, 'bin'); // PATH for the consumer: node, npm and a shell, no compiler, cmake or make
let tarball;
let packed; // npm pack --json's description of the tarball

function du(dir) {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) bytes += du(p);
    else if (entry.isFile()) bytes += statSync(p).size;
  }
  return bytes;
}

/** Runs a command in the consumer project with the restricted PATH; returns its stdout, or throws with its output. */
function inConsumer(cmd, args, extraEnv = {}) {
  const env = { HOME: process.env.HOME, PATH: bin, npm_config_cache: join(process.env.HOME, '.npm'), ...extraEnv };
  const r = spawnSync(cmd, args, { cwd: consumer, env, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

beforeAll(() => {
  mkdirSync(bin);
  mkdirSync(consumer);
  symlinkSync(process.execPath, join(bin, 'node'));
  symlinkSync('/bin/sh', join(bin, 'sh'));
  // npm as the machine has it (its own node script), started by the node on PATH
  const npm = execFileSync('bash', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim();
  writeFileSync(join(bin, 'npm'), `#!/bin/sh\nexec "${process.execPath}" "${npm}" "$@"\n`, { mode: 0o755 });
  for (const tool of ['gcc', 'g++', 'cc', 'c++', 'make', 'cmake']) expect(spawnSync(tool, ['--version'], { env: { PATH: bin } }).error).toBeDefined();

  // Only x64 here: the arm64 prebuild is built and tested by `npm run test:arm64`.
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, YOLO_NATIVE_ARCHS: 'x64' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  [packed] = JSON.parse(out.slice(out.indexOf('[')));
  tarball = join(work, packed.filename);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  const started = Date.now();
  inConsumer('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, '@types/node@20']);
  console.log(`tarball ${(statSync(tarball).size / 2 ** 20).toFixed(1)} MiB (${packed.entryCount} files), installed in ${((Date.now() - started) / 1000).toFixed(0)} s, node_modules ${(du(join(consumer, 'node_modules')) / 2 ** 20).toFixed(0)} MiB`);
}, 900_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

test('the tarball ships dist, the TypeScript sources, the x64 prebuild with its ONNX Runtime, the licences; no sources to build, no install script', () => {
  const files = new Set(packed.files.map((f) => f.path));
  for (const f of ['dist/cjs/index.js', 'dist/esm/index.js', 'dist/esm/index.d.ts', 'lib/index.ts', 'prebuilds/linux-x64/yolo-native.glibc.node', 'prebuilds/linux-x64/libonnxruntime.so.1', 'LICENSE', 'THIRD_PARTY_NOTICES.md', 'README.md', 'bin/yolo-native.js']) {
    expect(files.has(f), f).toBe(true);
  }
  for (const prefix of ['native/', 'scripts/', 'test/', 'benchmarks/', 'CMakeLists.txt']) expect([...files].some((f) => f.startsWith(prefix)), prefix).toBe(false);
  const manifest = JSON.parse(readFileSync(join(consumer, 'node_modules', 'yolo-native', 'package.json'), 'utf8'));
  for (const hook of ['preinstall', 'install', 'postinstall']) expect(manifest.scripts?.[hook], hook).toBeUndefined();
  expect(manifest.engines.node).toBe('>=20.0.0');
  expect(Object.keys(manifest.dependencies)).not.toContain('onnxruntime-node');
  // nothing in the consumer's tree runs an install script or fetches binaries (onnxruntime-node's postinstall did)
  expect(readdirSync(join(consumer, 'node_modules'))).not.toContain('onnxruntime-node');
});

test('ESM, CommonJS and the CLI predict on bus.jpg in the consumer project', () => {
  writeFileSync(join(consumer, 'esm.mjs'), `import { readFileSync } from 'node:fs';
import { loadModel } from 'yolo-native';
const model = await loadModel(${JSON.stringify(DETECT)}, { threads: 2 });
const out = await model.predict(${JSON.stringify(BUS)});
const maps = readFileSync('/proc/self/maps', 'utf8').split('\\n').map((l) => l.split(/\\s+/)[5]).filter((p) => p && (p.includes('.so') || p.endsWith('.node')));
console.log(JSON.stringify({ names: out.images[0].results.map((r) => r.name), libs: [...new Set(maps)] }));
`);
  writeFileSync(join(consumer, 'cjs.cjs'), `const { predict } = require('yolo-native');
predict(${JSON.stringify(DETECT)}, ${JSON.stringify(BUS)}, { load: { threads: 2 } }).then((out) => console.log(JSON.stringify(out.images[0].results.map((r) => r.name))));
`);
  const esm = JSON.parse(inConsumer('node', ['esm.mjs']));
  expect([...esm.names].sort()).toEqual(['bus', 'person', 'person', 'person', 'person']);
  const cjs = JSON.parse(inConsumer('node', ['cjs.cjs']));
  expect(cjs).toEqual(esm.names);
  const cli = JSON.parse(inConsumer('node', ['node_modules/.bin/yolo-native', 'predict', BUS, '--model', DETECT]));
  expect(cli.images[0].results.map((r) => r.name)).toEqual(esm.names);
  expect(inConsumer('node', ['node_modules/.bin/yolo-native', '--version']).trim()).toBe(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version);
  // The process maps the prebuilt addon and the shipped ONNX Runtime, and no imaging library of the machine's.
  const addon = esm.libs.find((p) => p.endsWith('.node'));
  expect(addon).toBe(join(consumer, 'node_modules', 'yolo-native', 'prebuilds', 'linux-x64', 'yolo-native.glibc.node'));
  expect(esm.libs).toContain(join(consumer, 'node_modules', 'yolo-native', 'prebuilds', 'linux-x64', 'libonnxruntime.so.1'));
  expect(esm.libs.filter((p) => /opencv|libav|libsw|gdal|libjpeg|libpng|libtiff|libwebp|libgst|poppler/i.test(p))).toEqual([]);
  const ldd = execFileSync('ldd', [addon], { encoding: 'utf8' });
  expect(ldd).not.toMatch(/opencv|libav|libsw|gdal|libjpeg|libpng|libtiff|libwebp/i);
});

test('tsc --strict type-checks a file that uses the API, with node16 and with bundler resolution', () => {
  writeFileSync(join(consumer, 'use.mts'), `import { loadModel, YoloError, ErrorCodes, type HubResponse, type PredictOptions } from 'yolo-native';
const options: PredictOptions = { imgsz: 640, conf: 0.25, iou: 0.45, classes: [0] };
async function main(): Promise<number> {
  const model = await loadModel('yolov8n.onnx');
  try {
    const out: HubResponse = await model.predict('bus.jpg', options);
    return out.images[0].results.length + model.stats().inferenceRuns + model.info().names.length;
  } catch (e) {
    if (e instanceof YoloError && e.code === ErrorCodes.MODEL_NOT_FOUND) return -1;
    throw e;
  } finally {
    await model.dispose();
  }
}
void main();
`);
  const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  for (const [module, resolution] of [['node16', 'node16'], ['esnext', 'bundler']]) {
    inConsumer('node', [tsc, '--strict', '--noEmit', '--target', 'es2022', '--module', module, '--moduleResolution', resolution, '--types', 'node', 'use.mts']);
  }
});

test('publint and @arethetypeswrong/cli find nothing in the tarball', () => {
  const publint = spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'publint', 'src', 'cli.js'), '--strict', join(consumer, 'node_modules', 'yolo-native')], { encoding: 'utf8' });
  expect(publint.status, publint.stdout + publint.stderr).toBe(0);
  const attw = spawnSync(process.execPath, [join(repoRoot, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js'), tarball, '--profile', 'node16'], { encoding: 'utf8' });
  expect(attw.status, attw.stdout + attw.stderr).toBe(0);
});
