/**
 * Sequential latency of one or several contenders, one call at a time. Several contenders take turns in blocks
 * (rotating which goes first each round), so that a drift in machine load spreads over all of them instead of
 * landing on whichever ran last; each block starts with one untimed call to re-warm caches after the others.
 */
import { summarize, summarizeStages, type Summary } from './stats.js';

/** One timed call: its end-to-end milliseconds and, optionally, the milliseconds of its stages. */
export interface Sample {
  ms: number;
  stages?: Record<string, number>;
}

export type Contender = () => Promise<Sample>;

export interface LatencySummary {
  e2e: Summary;
  stages: Record<string, Summary>;
}

// Short blocks: this VM's speed drifts within seconds (seen: the same run at 50 and at 70 ms), and short turns expose
// every contender to the same drift.
const BLOCK = 3;

export async function measureLatency(contenders: Record<string, Contender>, { iterations, warmup }: { iterations: number; warmup: number }): Promise<Record<string, LatencySummary>> {
  const names = Object.keys(contenders);
  for (const name of names) for (let i = 0; i < warmup; i++) await contenders[name]();
  const samples = Object.fromEntries(names.map((n) => [n, { ms: [] as number[], stages: [] as Record<string, number>[] }]));
  for (let round = 0; names.some((n) => samples[n].ms.length < iterations); round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length];
      const s = samples[name];
      const take = Math.min(BLOCK, iterations - s.ms.length);
      if (take <= 0) continue;
      if (names.length > 1) await contenders[name]();
      for (let i = 0; i < take; i++) {
        const r = await contenders[name]();
        s.ms.push(r.ms);
        s.stages.push(r.stages ?? {});
      }
    }
  }
  return Object.fromEntries(names.map((n) => [n, { e2e: summarize(samples[n].ms), stages: summarizeStages(samples[n].stages) }]));
}
