#!/usr/bin/env node
// Load time of the addon, in fresh processes: `require` of the library (dist/cjs) plus its first native call
// (the .node's dlopen and static initialisers), median of N runs (default 5). Prints which .node was loaded and
// its NEEDED libraries as ldd sees them in that process (/proc/self/maps).
//   node scripts/measure-load.mjs [runs]        (YOLO_NATIVE_BINDING=... to time another .node)
import { spawnSync } from 'node:child_process';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] || 5);
const probe = `
const t0 = process.hrtime.bigint();
const lib = require(${JSON.stringify(join(root, 'dist', 'cjs', 'index.js'))});
const t1 = process.hrtime.bigint();
const { native } = require(${JSON.stringify(join(root, 'dist', 'cjs', 'native.js'))});
native();
const t2 = process.hrtime.bigint();
const maps = require('fs').readFileSync('/proc/self/maps', 'utf8').split('\\n').map((l) => l.split(/\\s+/)[5]).filter((p) => p && p.includes('.so'));
const node = require('fs').readFileSync('/proc/self/maps', 'utf8').split('\\n').map((l) => l.split(/\\s+/)[5]).find((p) => p && p.endsWith('.node'));
console.log(JSON.stringify({ require: Number(t1 - t0) / 1e6, native: Number(t2 - t1) / 1e6, total: Number(t2 - t0) / 1e6, libs: new Set(maps).size, node }));
`;
const results = [];
for (let i = 0; i < runs; i++) {
  const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(r.stderr);
    process.exit(1);
  }
  results.push(JSON.parse(r.stdout.trim().split('\n').pop()));
}
const median = (k) => results.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(runs / 2)];
console.log(`addon: ${results[0].node}`);
console.log(`shared libraries mapped in the process: ${results[0].libs}`);
console.log(`require(yolo-native) ${median('require').toFixed(1)} ms + first native load ${median('native').toFixed(1)} ms = ${median('total').toFixed(1)} ms (median of ${runs})`);
