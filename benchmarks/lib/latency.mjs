/**
 * Sequential latency of several contenders, one call at a time. The contenders take turns in blocks (rotating
 * which goes first each round), so that a drift in machine load spreads over all of them instead of landing on
 * whichever ran last; each block starts with one untimed call to re-warm caches after the other contenders.
 */
import { summarize, summarizeStages } from './stats.mjs';

// Short blocks: this VM's speed drifts within seconds (seen: the same run at 50 and at 70 ms), and short turns expose
// every contender to the same drift.
const BLOCK = 3;

export async function measureLatency(contenders, { iterations, warmup }) {
  const names = Object.keys(contenders);
  for (const name of names) for (let i = 0; i < warmup; i++) await contenders[name]();
  const samples = Object.fromEntries(names.map((n) => [n, { ms: [], stages: [] }]));
  for (let round = 0; names.some((n) => samples[n].ms.length < iterations); round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length];
      const s = samples[name];
      const take = Math.min(BLOCK, iterations - s.ms.length);
      if (take <= 0) continue;
      await contenders[name]();
      for (let i = 0; i < take; i++) {
        const r = await contenders[name]();
        s.ms.push(r.ms);
        s.stages.push(r.stages);
      }
    }
  }
  return Object.fromEntries(names.map((n) => [n, { e2e: summarize(samples[n].ms), stages: summarizeStages(samples[n].stages) }]));
}
