/** The terminal table of a bench result. */
import type { BenchResult } from './bench.js';
import type { Summary } from './stats.js';

const f = (x: number | undefined, d = 1) => (x === undefined || Number.isNaN(x) ? '—' : x.toFixed(d));
const row = (cells: string[], widths: number[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');

export function renderBenchReport(r: BenchResult): string {
  const m = r.machine;
  const source = r.config.sample ? '1 image (the bundled bus.jpg)' : `${r.config.images} image(s)`;
  const lines = [
    `${r.model.name} · ${r.model.task} · input ${r.model.inputShape?.join('x') ?? '—'} (imgsz ${r.config.imgsz}) · ${source}`,
    `${m.cpu} · ${m.cores} cores · Node ${m.node} · ONNX Runtime ${m.ortVersion ?? '?'} · ${m.simd ?? '?'} · load ${m.loadAverage.join(' ')}`,
    '',
    `latency, one call at a time (${r.latency.e2e.n} calls after ${r.config.warmup} warm-up), ms:`,
  ];
  const w = [22, 9, 9];
  lines.push(row(['  stage', 'p50', 'p95'], w));
  const stage = (name: string, s: Summary | undefined) => lines.push(row([`  ${name}`, f(s?.p50), f(s?.p95)], w));
  for (const name of ['decode', 'letterbox', 'inference', 'postprocess']) stage(name, r.latency.stages[name]);
  stage('end-to-end', r.latency.e2e);
  lines.push('', 'throughput (calls in flight), event-loop delay meanwhile:');
  const t = [14, 10, 13, 13, 17];
  lines.push(row(['  concurrency', 'images/s', 'latency p50', 'latency p95', 'event loop p99'], t));
  for (const l of r.throughput) {
    lines.push(row([`  ${l.concurrency}`, f(l.imagesPerSec, 2), `${f(l.latency.p50)} ms`, `${f(l.latency.p95)} ms`, `${f(l.eventLoopDelay.p99, 2)} ms`], t));
  }
  lines.push(row(['  idle', '', '', '', `${f(r.eventLoopDelay.idle.p99, 2)} ms`], t));
  const mem = r.memory;
  lines.push(
    '',
    `memory (MiB${mem.gcExposed ? ', after a forced GC' : ''}): RSS ${f(mem.start.rss)} at start, ${f(mem.afterWarmup.rss)} after warm-up, ${f(mem.end.rss)} at the end, peak ${f(mem.peakRss)}; ` +
      `V8 heap ${f(mem.end.heapUsed)}, external ${f(mem.end.external)}`,
  );
  return lines.join('\n');
}
