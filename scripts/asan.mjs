// AddressSanitizer: `node scripts/asan.mjs build` compiles the addon with -fsanitize=address into build-asan/;
// `node scripts/asan.mjs test [vitest args]` runs tests against it with libasan preloaded into node (node itself is
// not instrumented, the addon is), default: the hostile-input and fuzz tests.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build-asan');
const [command, ...rest] = process.argv.slice(2);

function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (command === 'build') {
  const cmakeJs = join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js');
  const verb = existsSync(join(out, 'CMakeCache.txt')) ? 'compile' : 'rebuild';
  run(process.execPath, [cmakeJs, verb, '--directory', root, '--out', out, '--parallel', '2', '--CDYOLO_NATIVE_SANITIZE=address', '--config', 'RelWithDebInfo']);
} else if (command === 'test') {
  const lib = spawnSync('gcc', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).stdout.trim();
  const binding = ['RelWithDebInfo', 'Release'].map((c) => join(out, c, 'yolo_native.node')).find(existsSync);
  if (!binding) throw new Error('no ASan build: run `npm run build:asan` first');
  const tests = rest.length ? rest : ['test/hostile-input.test.mjs'];
  run(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...tests], {
    ...process.env,
    LD_PRELOAD: lib,
    // node's own allocations are not instrumented; leaks at exit are not this check's concern
    ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1:halt_on_error=1',
    YOLO_NATIVE_BINDING: binding,
  });
} else {
  console.error('usage: node scripts/asan.mjs build | test [vitest args]');
  process.exit(2);
}
