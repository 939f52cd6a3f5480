#!/usr/bin/env node
// prebuildify's --node-gyp: prebuildify 6 drives node-gyp only, so this stands in for it and builds with cmake-js
// instead. prebuildify runs it as `<this> rebuild --target=<node> --devdir=... --arch=<arch> --release` in its --cwd
// (a staging folder, see scripts/prebuild.mjs) and takes the .node from <cwd>/build/Release. The addon is built from
// this repository against the static stack in $YOLO_NATIVE_DEPS_DIR (which also fixes the target architecture), in
// <cwd>/build, incrementally: a changed stack directory starts the build folder afresh.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const deps = process.env.YOLO_NATIVE_DEPS_DIR;
if (!deps) {
  console.error('prebuild-cmake-js: YOLO_NATIVE_DEPS_DIR is not set (run through npm run prebuild)');
  process.exit(1);
}
const release = !process.argv.includes('--debug');
const out = join(process.cwd(), 'build');
const cache = join(out, 'CMakeCache.txt');
const configuredFor = existsSync(cache) ? readFileSync(cache, 'utf8').match(/^YOLO_NATIVE_DEPS_DIR:[A-Z]+=(.*)$/m)?.[1] : undefined;
if (configuredFor !== undefined && configuredFor !== deps) rmSync(out, { recursive: true, force: true });

const cmakeJs = join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js');
const args = [cmakeJs, 'build', '--directory', root, '--out', out, '--parallel', process.env.JOBS || '2',
  `--CDYOLO_NATIVE_DEPS_DIR=${deps}`, ...(release ? [] : ['--debug'])];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
