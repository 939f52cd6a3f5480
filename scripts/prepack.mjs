// npm pack / npm publish: builds what the package ships and checks it is all there, so that a tarball never carries
// whatever dist/ or prebuilds/ happened to hold: the TypeScript (dist/), then the static prebuilt addons with their
// ONNX Runtime library for each architecture in YOLO_NATIVE_ARCHS (default "x64 arm64": a release ships both;
// incremental, see docs/packaging.md).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const archs = (process.env.YOLO_NATIVE_ARCHS ?? 'x64 arm64').split(/\s+/).filter(Boolean);

function run(script, ...args) {
  // stdout goes to stderr: npm pack --json prints the tarball's description on stdout
  const r = spawnSync(process.execPath, [join(root, 'scripts', script), ...args], { stdio: ['ignore', 2, 'inherit'], cwd: root });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

run('build-ts.mjs');
run('prebuild.mjs', ...archs);
const missing = archs.flatMap((arch) =>
  ['yolo-native.glibc.node', 'libonnxruntime.so.1'].map((f) => join(root, 'prebuilds', `linux-${arch}`, f)).filter((p) => !existsSync(p)),
);
if (missing.length) {
  console.error(`prepack: missing ${missing.join(', ')}`);
  process.exit(1);
}
console.error(`prepack: dist/ and prebuilds for ${archs.map((a) => `linux-${a}`).join(', ')} are ready`);
