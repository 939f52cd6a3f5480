/** What a benchmark ran on: CPU, cores, memory, OS, Node, the ONNX Runtime library in use and the SIMD path. */
import { arch, availableParallelism, cpus, loadavg, release, totalmem, type } from 'node:os';
import { native } from '../native.js';
import { version } from '../version.js';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  ortVersion: string | null;
  ortLibrary: string | null;
  simd: string | null;
  yoloNative: string;
}

export const loadAverage = () => loadavg().map((x) => Math.round(x * 100) / 100);

/** Call after a model has been loaded (the runtime info names the ONNX Runtime library actually in use). */
export function machineInfo(): MachineInfo {
  let rt: { ortVersion?: string; ortLibrary?: string; simd?: string } = {};
  try {
    rt = native().runtimeInfo();
  } catch {
    // the addon could not report: leave the runtime fields empty
  }
  return {
    cpu: (cpus()[0]?.model ?? 'unknown').trim(),
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()} ${arch()}`,
    node: process.version,
    ortVersion: rt.ortVersion ?? null,
    ortLibrary: rt.ortLibrary ?? null,
    simd: rt.simd ?? null,
    yoloNative: version,
  };
}
