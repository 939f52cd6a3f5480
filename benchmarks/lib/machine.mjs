/** What the numbers were measured on. */
import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg, release, totalmem, type, arch } from 'node:os';

const require = createRequire(import.meta.url);

export const loadAverage = () => loadavg().map((x) => Math.round(x * 100) / 100);

/** Call after a model has been loaded (runtimeInfo names the ONNX Runtime library actually in use). */
export function machineInfo(yn, loadStart) {
  let rt = {};
  try {
    rt = yn.runtimeInfo();
  } catch {
    // the addon could not report: leave the runtime fields empty
  }
  const sharp = require('sharp');
  return {
    cpu: (cpus()[0]?.model ?? 'unknown').trim(),
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()} ${arch()}`,
    node: process.version,
    ortVersion: rt.ortVersion ?? null,
    ortLibrary: rt.ortLibrary ?? null,
    simd: rt.simd ?? null,
    onnxruntimeNode: require('onnxruntime-node/package.json').version,
    sharp: sharp.versions.sharp,
    libvips: sharp.versions.vips,
    yoloNative: yn.version,
    loadStart,
  };
}
