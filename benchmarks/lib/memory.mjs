/**
 * Memory of yolo-native over time, in a child process of its own (`measureMemoryInChild`), so that the other phases'
 * models and buffers are not part of the readings, with --expose-gc, so that each reading follows a full GC. The
 * measurement itself is the library's (lib/bench/memory.ts measureMemory: RSS before and after many predictions,
 * and across model load / predict / dispose cycles); this file is its child-process runner.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const require = createRequire(import.meta.url);
const memory = require('../../dist/cjs/bench/memory.js');

/** Growth allowed before a reading counts as a leak (see lib/bench/memory.ts). */
export const LIMITS = memory.LIMITS;

/**
 * measureMemory in a fresh `node --expose-gc` process; `params` as measureMemory's, without loadModel. The child
 * runs with lib/bench/memory.ts MALLOC_ENV (unless set already), so that RSS follows live memory.
 */
export async function measureMemoryInChild(params) {
  const malloc = Object.fromEntries(Object.entries(memory.MALLOC_ENV).map(([k, v]) => [k, process.env[k] ?? v]));
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), JSON.stringify(params)], {
    maxBuffer: 1 << 20,
    env: { ...process.env, ...malloc },
  });
  const result = JSON.parse(stdout.trim().split('\n').pop());
  if (result.error) throw new Error(result.error);
  return { ...result, malloc };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { loadModel } = await import('../../dist/esm/index.js');
    console.log(JSON.stringify(await memory.measureMemory({ ...JSON.parse(process.argv[2]), loadModel })));
  } catch (e) {
    console.log(JSON.stringify({ error: e?.code ? `${e.code}: ${e.message}` : String(e?.message ?? e) }));
  }
}
