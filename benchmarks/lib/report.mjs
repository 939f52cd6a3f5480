/** bench.md: the run as Markdown tables (ratios first, since absolute times depend on the machine). */
import { LABELS } from './contenders.mjs';

const f = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '—' : Number(x).toFixed(d));
const pp = (s) => (s ? `${f(s.p50)} / ${f(s.p95)}` : '—');
const verdict = (pass) => (pass === true ? '**PASS**' : pass === false ? '**FAIL**' : 'n/a');
const table = (head, rows) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

function parityCell(c) {
  if (!c.parity?.checked) return '—';
  return c.parity.ok ? 'same results' : `**MISMATCH** (${c.parity.problems.length})`;
}

function headline(results) {
  return table(
    ['case', 'model', 'input', 'floor p50 (ms)', 'yolo-native p50 (ms)', 'peer p50 (ms)', 'yolo-native / floor', 'peer / yolo-native', 'parity'],
    results.cases.map((c) => {
      if (c.status === 'error' && !c.latency) return [c.name, c.model, '—', '—', '—', '—', `error: ${c.error}`, '', ''];
      const l = c.latency ?? {};
      return [
        c.name,
        c.model,
        c.inputShape ? c.inputShape.slice(2).join('x') : '—',
        f(l.floor?.e2e.p50),
        l.yoloNative ? f(l.yoloNative.e2e.p50) : `error: ${c.errors.yoloNative}`,
        l.peer ? f(l.peer.e2e.p50) : `error: ${c.errors.peer}`,
        f(c.ratios?.yoloNativeOverFloor, 2),
        f(c.ratios?.peerOverYoloNative, 2),
        parityCell(c),
      ];
    }),
  );
}

function targets(results) {
  return table(
    ['target', 'scope', 'value', 'threshold', 'result'],
    results.targets.map((t) => [t.target, t.scope, f(t.value, 2), t.threshold, t.note ? `${verdict(t.pass)} (${t.note})` : verdict(t.pass)]),
  );
}

function stages(results) {
  const rows = [];
  for (const c of results.cases) {
    for (const name of ['floor', 'yoloNative', 'peer']) {
      const l = c.latency?.[name];
      if (!l) continue;
      const s = l.stages;
      const detail = name === 'peer' ? `decode ${pp(s.decode)}, letterbox + tensor ${pp(s.letterbox)}` : '';
      rows.push([c.name, LABELS[name], pp(l.e2e), name === 'floor' ? '—' : pp(s.preprocess), pp(s.inference), name === 'floor' ? '—' : pp(s.postprocess), detail]);
    }
  }
  return table(['case', 'contender', 'end-to-end', 'preprocess', 'inference', 'postprocess', 'peer preprocess detail'], rows);
}

function throughput(results) {
  const t = results.throughput;
  if (!t) return '_not run_';
  if (t.error) return `error: ${t.error}`;
  const rows = [];
  for (const [name, levels] of Object.entries(t.levels)) {
    const one = levels.find((l) => l.concurrency === 1);
    for (const l of levels) {
      const e = l.eventLoopDelay;
      rows.push([LABELS[name], l.concurrency, f(l.imagesPerSec, 2), one ? f(l.imagesPerSec / one.imagesPerSec, 2) : '—', pp(l.latency), `${f(e.p50, 2)} / ${f(e.p99, 2)} / ${f(e.max, 2)}`]);
    }
  }
  const idle = t.idle ? `Idle event loop for reference (the 1 ms timer period itself): p50 ${f(t.idle.p50, 2)} ms, p99 ${f(t.idle.p99, 2)} ms.\n\n` : '';
  return `Case \`${t.case}\`, ${t.imagesPerLevel}.\n\n${idle}` + table(['contender', 'concurrent calls', 'images/s', 'vs 1 call', 'call latency p50 / p95 (ms)', 'event-loop delay p50 / p99 / max (ms)'], rows);
}

function memory(results) {
  const m = results.memory;
  if (!m) return '_not run_';
  if (m.error) return `error: ${m.error}`;
  const g = (x) => `${x.growth.rss >= 0 ? '+' : ''}${f(x.growth.rss, 2)}`;
  const other = (x) => `${f(x.growth.heapUsed, 2)} / ${f(x.growth.external, 2)} / ${f(x.growth.arrayBuffers, 2)}`;
  return (
    `Case \`${m.case}\`, in a child process with ${Object.entries(m.malloc).map(([k, v]) => `${k}=${v}`).join(' ')}; readings ${m.gcExposed ? 'after a full GC (--expose-gc)' : '**without** a forced GC'}.\n\n` +
    table(
      ['phase', 'count', 'RSS before → after (MiB)', 'RSS growth (MiB)', 'heapUsed / external / arrayBuffers growth (MiB)', 'result'],
      [
        [`predictions (2 in flight)`, m.predictions.count, `${f(m.predictions.before.rss)} → ${f(m.predictions.after.rss)}`, g(m.predictions), other(m.predictions), verdict(m.predictions.pass)],
        [`load / predict / dispose cycles`, m.loadCycles.count, `${f(m.loadCycles.before.rss)} → ${f(m.loadCycles.after.rss)}`, `${g(m.loadCycles)} (${f(m.loadCycles.rssPerCycle, 3)} per cycle)`, other(m.loadCycles), verdict(m.loadCycles.pass)],
      ],
    )
  );
}

function machine(results) {
  const m = results.meta.machine;
  return table(
    ['CPU', 'cores', 'memory', 'OS', 'Node', 'ONNX Runtime', 'SIMD', 'onnxruntime-node', 'sharp / libvips', 'yolo-native', 'load average (start → end)'],
    [[m.cpu, m.cores, `${m.memoryGiB} GiB`, m.os, m.node, m.ortVersion, m.simd, m.onnxruntimeNode, `${m.sharp} / ${m.libvips}`, m.yoloNative, `${m.loadStart.join(', ')} → ${(m.loadEnd ?? []).join(', ')}`]],
  );
}

function problems(results) {
  const lines = [];
  for (const c of results.cases) {
    for (const [who, msg] of Object.entries(c.errors ?? {})) lines.push(`- \`${c.name}\` ${LABELS[who] ?? who}: error: ${msg}`);
    if (c.status === 'error' && !Object.keys(c.errors ?? {}).length) lines.push(`- \`${c.name}\`: error: ${c.error}`);
    if (c.parity?.checked && !c.parity.ok) for (const p of c.parity.problems) lines.push(`- \`${c.name}\` parity: ${p}`);
  }
  return lines.length ? lines.join('\n') : 'None: every contender ran, and the peer returned the same results as yolo-native in every case.';
}

export function renderMarkdown(results) {
  const c = results.config;
  return `# yolo-native benchmark

${results.meta.date} · \`node benchmarks/run.mjs ${results.meta.argv.join(' ')}\` · ${c.threads} intra-op threads for every contender · imgsz ${c.imgsz} · ${c.iterations} timed calls per contender and case (after ${c.warmup} warm-up)${c.quick ? ' · **--quick smoke run: numbers are not meaningful**' : ''}

Ratios are the headline: absolute times depend on the machine. See docs/benchmarks.md for what each column means.

## Latency (one call at a time)

${headline(results)}

## Targets

${targets(results)}

## Per stage (ms, p50 / p95)

${stages(results)}

## Throughput and event-loop delay

${throughput(results)}

## Memory

${memory(results)}

## Errors and parity problems

${problems(results)}

## Machine

${machine(results)}
`;
}
