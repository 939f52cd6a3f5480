/**
 * The project's performance targets (issue 5), evaluated on a finished run. They are reported, PASS / FAIL per
 * row, never asserted: `pass` is true, false, or null when the row cannot be judged (with a `note` saying why).
 */
import { LIMITS } from './memory.mjs';

export const FLOOR_RATIO_MAX = 1.1;
export const EVENT_LOOP_P99_MAX_MS = 5;

function row(target, scope, value, threshold, pass, note) {
  return { target, scope, value, threshold, pass, ...(note ? { note } : {}) };
}

export function evaluateTargets(results) {
  const rows = [];
  for (const c of results.cases) {
    const err = c.status === 'error' ? `error: ${c.error}` : null;
    const r = c.ratios ?? {};
    const v = r.yoloNativeOverFloor ?? null;
    rows.push(row('end-to-end p50 / session.run floor p50', c.name, v, `<= ${FLOOR_RATIO_MAX}`, err || v === null ? null : v <= FLOOR_RATIO_MAX, err));
    if (c.peerTarget) {
      const p = r.peerOverYoloNative ?? null;
      const mismatch = c.parity?.checked && !c.parity.ok ? 'parity mismatch: the peer does different work' : null;
      rows.push(row('peer p50 / yolo-native p50', c.name, p, `>= ${c.peerTarget}`, err || mismatch || p === null ? null : p >= c.peerTarget, err ?? mismatch));
    }
  }
  const levels = results.throughput?.levels?.yoloNative;
  if (levels?.length) {
    const one = levels.find((l) => l.concurrency === 1);
    for (const l of levels) {
      if (l.concurrency === 1 || !one) continue;
      const v = Math.round((l.imagesPerSec / one.imagesPerSec) * 1000) / 1000;
      rows.push(row(`throughput with ${l.concurrency} concurrent / with 1`, `yolo-native ${results.throughput.case}`, v, '>= 1', v >= 1));
    }
    const most = levels.find((l) => l.concurrency === 8) ?? levels[levels.length - 1];
    rows.push(row(`event-loop delay p99 (ms), ${most.concurrency} predictions in flight`, `yolo-native ${results.throughput.case}`, most.eventLoopDelay.p99, `< ${EVENT_LOOP_P99_MAX_MS}`, most.eventLoopDelay.p99 < EVENT_LOOP_P99_MAX_MS));
  }
  const m = results.memory;
  if (m && !m.error) {
    const note = m.gcExposed ? null : 'no --expose-gc: readings include uncollected garbage';
    rows.push(row(`RSS growth (MiB) over ${m.predictions.count} predictions`, `yolo-native ${m.case}`, m.predictions.growth.rss, `<= ${LIMITS.predictionsMiB}`, m.predictions.pass, note));
    rows.push(row('RSS growth (MiB) per load/predict/dispose cycle', `yolo-native ${m.case}`, m.loadCycles.rssPerCycle, `<= ${LIMITS.perCycleMiB}`, m.loadCycles.pass, note));
  } else if (m?.error) {
    rows.push(row('memory', `yolo-native ${m.case}`, null, '', null, `error: ${m.error}`));
  }
  return rows;
}
