#!/usr/bin/env node
// npm run prebuild [-- x64|arm64 ...]: the static addon for each linux architecture (default: x64 and arm64) into
// prebuilds/linux-<arch>/yolo-native.glibc.node, with prebuildify --napi --strip --tag-libc, and ONNX Runtime's
// library beside it (libonnxruntime.so.1, from onnxruntime-node, which is only a devDependency). Each architecture's
// static dependency stack comes from scripts/build-deps.sh (cached; the first run builds it, later runs reuse it);
// the addon is built by cmake-js through scripts/prebuild-cmake-js.mjs in build/prebuild-<arch>/ (incremental).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// npm also runs a script named "prebuild" as the pre-hook of `npm run build`; that build (a source build) must not
// turn into two static cross builds, so a run started by `npm run build` does nothing. Told apart by the npm
// process's own command line (/proc), since npm passes the same environment either way.
function npmScriptRequested() {
  let pid = process.ppid;
  for (let depth = 0; depth < 6 && pid > 1; depth++) {
    let cmd, stat;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' '); // npm retitles itself "npm run <script>"
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return undefined;
    }
    const m = cmd.match(/(?:^|\/)npm(?:-cli\.js)?\s(?:.*\s)?(?:run|run-script|rum|urn)\s+(?:-\S+\s+)*([^\s-]\S*)/);
    if (m) return m[1];
    pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  }
  return undefined;
}
if (process.env.npm_lifecycle_event === 'prebuild' && !['prebuild', undefined].includes(npmScriptRequested())) {
  console.error("prebuild: skipped (npm's pre-hook of 'npm run build'); 'npm run prebuild' builds the prebuilt binaries");
  process.exit(0);
}
const archs = process.argv.slice(2).length ? process.argv.slice(2) : ['x64', 'arm64'];
const nice = (cmd) => (process.env.YOLO_NATIVE_NICE === '0' ? cmd : ['nice', '-n', '10', ...cmd]);

for (const arch of archs) {
  if (!['x64', 'arm64'].includes(arch)) {
    console.error(`prebuild: unknown architecture '${arch}' (x64 or arm64)`);
    process.exit(2);
  }
  const started = Date.now();
  const depsRun = spawnSync('bash', [join(root, 'scripts', 'build-deps.sh'), arch], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (depsRun.status !== 0) process.exit(depsRun.status ?? 1);
  const deps = depsRun.stdout.trim().split('\n').pop();
  const stage = join(root, 'build', `prebuild-${arch}`);
  mkdirSync(join(stage, 'build', 'Release'), { recursive: true });
  copyFileSync(join(root, 'package.json'), join(stage, 'package.json')); // prebuildify names the file after it
  const prebuildify = join(root, 'node_modules', 'prebuildify', 'bin.js');
  const args = [process.execPath, prebuildify, '--napi', '--strip', '--tag-libc', '--platform', 'linux', '--arch', arch,
    '--cwd', stage, '--out', root, '--node-gyp', join(root, 'scripts', 'prebuild-cmake-js.mjs')];
  const env = { ...process.env, YOLO_NATIVE_DEPS_DIR: deps };
  if (arch === 'arm64' && process.arch !== 'arm64') env.PREBUILD_STRIP_BIN = 'aarch64-linux-gnu-strip';
  const r = spawnSync(nice(args)[0], nice(args).slice(1), { stdio: 'inherit', cwd: root, env });
  if (r.status !== 0) process.exit(r.status ?? 1);
  const file = join(root, 'prebuilds', `linux-${arch}`, 'yolo-native.glibc.node'); // prebuildify --napi: no abi tag
  // ONNX Runtime ships beside the addon (the addon dlopen()s it; lib/native.ts looks here first), so that a user
  // installs one package: onnxruntime-node's own library of the version the tests use (THIRD_PARTY_NOTICES.md).
  const ort = join(root, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'linux', arch, 'libonnxruntime.so.1');
  copyFileSync(ort, join(dirname(file), 'libonnxruntime.so.1'));
  console.log(`prebuild: ${file} (${(statSync(file).size / 1048576).toFixed(1)} MiB, ${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
