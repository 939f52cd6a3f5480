/** Order statistics of timing samples (milliseconds), shared by `model.bench()` and `npm run bench`. */

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  mean: number;
  min: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** { n, p50, p95, mean, min, max } of samples, rounded to microseconds. */
export function summarize(samples: readonly number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { n: s.length, p50: round3(percentile(s, 50)), p95: round3(percentile(s, 95)), mean: round3(mean), min: round3(s[0] ?? NaN), max: round3(s[s.length - 1] ?? NaN) };
}

/** summarize() for each key of a list of per-call stage records ({ preprocess: ms, ... }). */
export function summarizeStages(records: readonly Record<string, number>[]): Record<string, Summary> {
  const out: Record<string, Summary> = {};
  for (const key of Object.keys(records[0] ?? {})) out[key] = summarize(records.map((r) => r[key]));
  return out;
}

/** a / b rounded to 3 decimals, or null when either is missing. */
export function ratio(a: number | undefined, b: number | undefined): number | null {
  return Number.isFinite(a) && Number.isFinite(b) && (b as number) > 0 ? round3((a as number) / (b as number)) : null;
}
