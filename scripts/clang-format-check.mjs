// Checks native/ against .clang-format (clang-format --dry-run -Werror); `--fix` rewrites the files instead.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const files = readdirSync(join(root, 'native'))
  .filter((f) => /\.(cc|h|inl)$/.test(f))
  .map((f) => join('native', f));
const fix = process.argv.includes('--fix');
const r = spawnSync('clang-format', [...(fix ? ['-i'] : ['--dry-run', '-Werror']), ...files], { cwd: root, stdio: 'inherit' });
if (r.error) {
  console.error(`clang-format is not installed (${r.error.message}): apt-get install clang-format, or run scripts/test.sh`);
  process.exit(1);
}
process.exit(r.status ?? 1);
