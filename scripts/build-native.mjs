// Builds the addon with cmake-js, incrementally (cmake-js compile reuses build/ when it is configured).
// A lock file serialises concurrent builds from several shells sharing one checkout.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, unlinkSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(join(root, 'build'), { recursive: true });
const lock = join(root, 'build', '.build-lock');
const started = Date.now();
for (;;) {
  try { closeSync(openSync(lock, 'wx')); break; } catch {
    try { if (Date.now() - statSync(lock).mtimeMs > 15 * 60e3) unlinkSync(lock); } catch { /* released meanwhile */ }
    if (Date.now() - started > 20 * 60e3) { console.error('build lock held too long:', lock); process.exit(1); }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
  }
}
try {
  const cmakeJs = join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js');
  const configured = existsSync(join(root, 'build', 'CMakeCache.txt'));
  const args = [cmakeJs, configured ? 'compile' : 'rebuild', '--directory', root, '--parallel', '2', ...process.argv.slice(2)];
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
  process.exitCode = r.status ?? 1;
} finally {
  try { unlinkSync(lock); } catch { /* already gone */ }
}
