/**
 * Throughput with 1..N concurrent calls, and how long the event loop stalls meanwhile
 * (perf_hooks.monitorEventLoopDelay at 1 ms resolution: an idle loop reads about 1 ms, the timer period itself).
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { summarize, type Summary } from './stats.js';

export interface DelaySummary {
  p50: number;
  p99: number;
  max: number;
  mean: number;
  samples: number;
}

export interface ThroughputLevel {
  concurrency: number;
  images: number;
  seconds: number;
  imagesPerSec: number;
  latency: Summary;
  eventLoopDelay: DelaySummary;
}

const ms = (ns: number) => Math.round(ns / 1e3) / 1e3;

function histogramSummary(h: IntervalHistogram): DelaySummary {
  return { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), mean: ms(h.mean), samples: h.count };
}

/** The event-loop delay of an idle process, for reference. */
export async function idleEventLoopDelay(durationMs = 500): Promise<DelaySummary> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await sleep(durationMs);
  h.disable();
  return histogramSummary(h);
}

/** `images` calls of `fn` with `concurrency` in flight at any time. */
export async function runConcurrent(fn: () => Promise<unknown>, concurrency: number, images: number): Promise<ThroughputLevel> {
  let started = 0;
  const latencies: number[] = [];
  const worker = async () => {
    while (started < images) {
      started++;
      const t0 = performance.now();
      await fn();
      latencies.push(performance.now() - t0);
    }
  };
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  h.disable();
  return {
    concurrency,
    images,
    seconds: Math.round(seconds * 1000) / 1000,
    imagesPerSec: Math.round((images / seconds) * 100) / 100,
    latency: summarize(latencies),
    eventLoopDelay: histogramSummary(h),
  };
}

/** For each contender and concurrency level: throughput, per-call latency and event-loop delay. */
export async function measureThroughput(contenders: Record<string, () => Promise<unknown>>, levels: readonly number[], imagesFor: (concurrency: number) => number): Promise<Record<string, ThroughputLevel[]>> {
  const out: Record<string, ThroughputLevel[]> = {};
  for (const [name, fn] of Object.entries(contenders)) {
    out[name] = [];
    for (const c of levels) {
      await fn(); // settle after the previous level
      out[name].push(await runConcurrent(fn, c, imagesFor(c)));
    }
  }
  return out;
}
