/**
 * bench.svg, hand-written (no chart dependency): p50 latency per case as grouped bars (floor, yolo-native, peer)
 * with the two headline ratios beside each group, then throughput and event-loop delay by concurrent calls.
 */
import { LABELS } from './contenders.mjs';
import { EVENT_LOOP_P99_MAX_MS, FLOOR_RATIO_MAX } from './targets.mjs';

const COLORS = { floor: '#9e9e9e', yoloNative: '#1f77b4', peer: '#ff7f0e' };
const OK = '#2e7d32', BAD = '#c62828', INK = '#222', MUTED = '#666';
const W = 960;

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const text = (x, y, s, attrs = '') => `<text x="${x}" y="${y}" ${attrs}>${esc(s)}</text>`;
const rect = (x, y, w, h, fill) => `<rect x="${x}" y="${y}" width="${Math.max(0, w).toFixed(1)}" height="${h}" fill="${fill}"/>`;
const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');

function legend(x, y, names) {
  return names.map((n, i) => rect(x + i * 230, y - 10, 12, 12, COLORS[n]) + text(x + i * 230 + 18, y, LABELS[n])).join('');
}

function latencyPanel(results, y0) {
  const out = [];
  const bar = 14, gap = 3, groupGap = 20;
  const x0 = 250, x1 = 640;
  const cases = results.cases;
  const max = Math.max(1, ...cases.flatMap((c) => ['floor', 'yoloNative', 'peer'].map((n) => c.latency?.[n]?.e2e.p50 ?? 0)));
  const scale = (v) => ((x1 - x0) * v) / max;
  out.push(text(20, y0, 'p50 latency per case, one call at a time (ms, shorter is better)', 'font-weight="bold" font-size="15"'));
  out.push(legend(x0, y0 + 24, ['floor', 'yoloNative', 'peer']));
  let y = y0 + 44;
  for (const c of cases) {
    const h = 3 * bar + 2 * gap;
    out.push(text(20, y + 18, c.name, 'font-weight="bold"'));
    out.push(text(20, y + 34, c.model.replace(/^fp32\//, '').replace(/\.onnx$/, '').slice(0, 38), `fill="${MUTED}" font-size="10"`));
    if (!c.latency || Object.keys(c.latency).length === 0) {
      out.push(text(x0, y + 24, `error: ${c.error}`, `fill="${BAD}"`));
    } else {
      ['floor', 'yoloNative', 'peer'].forEach((n, i) => {
        const yy = y + i * (bar + gap);
        const l = c.latency[n];
        if (l) {
          out.push(rect(x0, yy, scale(l.e2e.p50), bar, COLORS[n]));
          out.push(text(x0 + scale(l.e2e.p50) + 5, yy + bar - 3, f(l.e2e.p50), 'font-size="11"'));
        } else {
          out.push(text(x0, yy + bar - 3, `${LABELS[n]}: error: ${c.errors?.[n] ?? ''}`.slice(0, 70), `fill="${BAD}" font-size="11"`));
        }
      });
      const r = c.ratios ?? {};
      const floorOk = r.yoloNativeOverFloor !== null && r.yoloNativeOverFloor !== undefined && r.yoloNativeOverFloor <= FLOOR_RATIO_MAX;
      const peerOk = c.peerTarget ? r.peerOverYoloNative >= c.peerTarget : null;
      const rx = x1 + 50;
      if (r.yoloNativeOverFloor === null || r.yoloNativeOverFloor === undefined) {
        out.push(text(rx, y + 24, 'no ratios: a contender failed', `fill="${BAD}" font-size="12"`));
        y += h + groupGap;
        continue;
      }
      out.push(text(rx, y + 16, `yolo-native / floor ×${f(r.yoloNativeOverFloor, 2)}`, `fill="${floorOk ? OK : BAD}" font-size="12"`));
      const peerColor = peerOk === null ? INK : peerOk ? OK : BAD;
      const mismatch = c.parity?.checked && !c.parity.ok ? ' (parity MISMATCH)' : '';
      out.push(text(rx, y + 34, `peer / yolo-native ×${f(r.peerOverYoloNative, 2)}${c.peerTarget ? ` (target ≥ ${c.peerTarget})` : ''}${mismatch}`, `fill="${mismatch ? BAD : peerColor}" font-size="12"`));
    }
    y += h + groupGap;
  }
  out.push(text(x1 + 50, y - 4, `green: target met (floor ≤ ×${FLOOR_RATIO_MAX}); red: not met`, `fill="${MUTED}" font-size="10"`));
  return { svg: out.join('\n'), height: y - y0 + 10 };
}

/** Grouped vertical bars by concurrency level; `log` for values spanning decades (event-loop delay). */
function levelBars(title, levels, key, x0, y0, width, height, { limit, log = false } = {}) {
  const out = [text(x0, y0, title, 'font-weight="bold" font-size="13"')];
  const names = Object.keys(levels);
  const concs = [...new Set(names.flatMap((n) => levels[n].map((l) => l.concurrency)))];
  const values = names.flatMap((n) => levels[n].map(key));
  const hi = Math.max(limit ?? 0, ...values, 1e-9) * (log ? 2 : 1.1), lo = 0.5;
  const top = y0 + 16, base = top + height;
  const scale = log ? (v) => (height * Math.log10(Math.max(v, lo) / lo)) / Math.log10(hi / lo) : (v) => (height * v) / hi;
  if (log) {
    for (let t = 1; t < hi; t *= 10) {
      const ty = base - scale(t);
      out.push(`<line x1="${x0}" y1="${ty}" x2="${x0 + width}" y2="${ty}" stroke="#e0e0e0"/>`);
      out.push(text(x0 - 4, ty + 3, `${t}`, `font-size="9" text-anchor="end" fill="${MUTED}"`));
    }
  }
  const groupW = width / concs.length, barW = Math.min(28, (groupW - 16) / names.length);
  out.push(`<line x1="${x0}" y1="${base}" x2="${x0 + width}" y2="${base}" stroke="${MUTED}"/>`);
  concs.forEach((c, gi) => {
    const gx = x0 + gi * groupW + (groupW - barW * names.length) / 2;
    names.forEach((n, i) => {
      const l = levels[n].find((v) => v.concurrency === c);
      if (!l) return;
      const v = key(l), h = scale(v);
      out.push(rect(gx + i * barW, base - h, barW - 2, h, COLORS[n]));
      out.push(text(gx + i * barW + (barW - 2) / 2, base - h - 3, f(v, v < 10 ? 1 : 0), 'font-size="10" text-anchor="middle"'));
    });
    out.push(text(x0 + gi * groupW + groupW / 2, base + 14, `${c}`, 'font-size="11" text-anchor="middle"'));
  });
  out.push(text(x0 + width / 2, base + 28, 'concurrent calls', `font-size="10" text-anchor="middle" fill="${MUTED}"`));
  if (limit) {
    const ly = base - scale(limit);
    out.push(`<line x1="${x0}" y1="${ly}" x2="${x0 + width}" y2="${ly}" stroke="${BAD}" stroke-dasharray="4 3"/>`);
    out.push(text(x0 + width + 4, ly + 3, `${limit} ms`, `font-size="10" fill="${BAD}"`));
  }
  return out.join('\n');
}

function throughputPanel(results, y0) {
  const t = results.throughput;
  if (!t?.levels) return { svg: '', height: 0 };
  const out = [text(20, y0, `Concurrency (${t.case}): throughput and event-loop delay`, 'font-weight="bold" font-size="15"')];
  out.push(legend(170, y0 + 24, Object.keys(t.levels)));
  out.push(levelBars('images/s (higher is better)', t.levels, (l) => l.imagesPerSec, 40, y0 + 56, 400, 160));
  out.push(levelBars('event-loop delay p99 (ms, log scale, lower is better)', t.levels, (l) => l.eventLoopDelay.p99, 520, y0 + 56, 380, 160, { limit: EVENT_LOOP_P99_MAX_MS, log: true }));
  return { svg: out.join('\n'), height: 270 };
}

export function renderChart(results) {
  const m = results.meta.machine;
  const head = [
    text(20, 30, 'yolo-native vs raw ONNX Runtime vs onnxruntime-node + sharp', 'font-weight="bold" font-size="18"'),
    text(20, 50, `${m.cpu}, ${m.cores} cores · ${results.config.threads} threads · imgsz ${results.config.imgsz} · ORT ${m.ortVersion} (${m.simd}) · Node ${m.node} · ${results.meta.date}${results.config.quick ? ' · QUICK RUN' : ''}`, `fill="${MUTED}" font-size="11"`),
  ];
  const lat = latencyPanel(results, 86);
  const thr = throughputPanel(results, 86 + lat.height + 20);
  const height = 86 + lat.height + 20 + thr.height + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12" fill="${INK}">
<rect width="100%" height="100%" fill="#fff"/>
${head.join('\n')}
${lat.svg}
${thr.svg}
</svg>
`;
}
