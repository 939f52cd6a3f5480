// Compiles lib/ to CommonJS (dist/cjs) and writes an ESM entry (dist/esm) that re-exports it, so ESM and CJS
// users share one implementation (one YoloError class, one model cache).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { stdio: 'inherit', cwd: root });
if (r.status !== 0) process.exit(r.status ?? 1);
writeFileSync(join(root, 'dist', 'cjs', 'package.json'), '{"type":"commonjs"}\n');

const require = createRequire(import.meta.url);
const cjs = require(join(root, 'dist', 'cjs', 'index.js'));
const names = Object.keys(cjs).filter((k) => k !== 'default' && k !== '__esModule');
mkdirSync(join(root, 'dist', 'esm'), { recursive: true });
writeFileSync(join(root, 'dist', 'esm', 'package.json'), '{"type":"module"}\n');
writeFileSync(
  join(root, 'dist', 'esm', 'index.js'),
  `import cjs from '../cjs/index.js';\nexport const { ${names.join(', ')} } = cjs;\nexport default cjs;\n`,
);
writeFileSync(join(root, 'dist', 'esm', 'index.d.ts'), "export * from '../cjs/index.js';\n");
