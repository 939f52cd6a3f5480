/** What the numbers were measured on: the library's machine info (lib/bench/machine.ts) plus the peer's libraries. */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const machine = require('../../dist/cjs/bench/machine.js');

export const loadAverage = machine.loadAverage;

/** Call after a model has been loaded (the runtime info names the ONNX Runtime library actually in use). */
export function machineInfo(loadStart) {
  const sharp = require('sharp');
  return {
    ...machine.machineInfo(),
    onnxruntimeNode: require('onnxruntime-node/package.json').version,
    sharp: sharp.versions.sharp,
    libvips: sharp.versions.vips,
    loadStart,
  };
}
