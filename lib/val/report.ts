/** The terminal table of a val result, laid out like Ultralytics' (`%22s` class, `%11i` counts, `%11.3g` metrics). */
import type { LabelProblem } from './labels.js';
import type { ValMetrics, ValResult } from './validator.js';

/** Python's '%.3g'. */
export function g3(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const exponent = Math.floor(Math.log10(Math.abs(Number(x.toPrecision(3)))));
  if (exponent < -4 || exponent >= 3) {
    const [mantissa, e] = x.toExponential(2).split('e');
    const m = mantissa.replace(/\.?0+$/, '');
    const n = Number(e);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return String(Number(x.toPrecision(3)));
}

const col = (s: string | number) => String(s).padStart(11);
const metricCols = (m: ValMetrics | undefined) => (m ? [m.precision, m.recall, m.mAP50, m.mAP50_95].map((v) => col(g3(v))).join('') : '');

function problemLines(problems: LabelProblem[], shown = 10): string[] {
  if (problems.length === 0) return [];
  const errors = problems.filter((p) => p.severity === 'error');
  const missing = problems.filter((p) => p.severity === 'warning' && p.message.startsWith('no label file'));
  const others = problems.filter((p) => !errors.includes(p) && !missing.includes(p));
  const lines: string[] = [];
  const where = (p: LabelProblem) => `${p.file}${p.line ? `:${p.line}` : ''}`;
  if (errors.length) {
    const images = new Set(errors.map((p) => p.file)).size;
    lines.push(`${errors.length} problem(s) in ${images} label or image file(s); those images were left out, as Ultralytics does:`);
    for (const p of errors.slice(0, shown)) lines.push(`  ${where(p)}: ${p.message}`);
    if (errors.length > shown) lines.push(`  ... and ${errors.length - shown} more (--json lists them all)`);
  }
  for (const p of others.slice(0, shown)) lines.push(`warning: ${where(p)}: ${p.message}`);
  if (missing.length) lines.push(`${missing.length} image(s) without a label file (backgrounds), e.g. ${missing[0].file}`);
  return lines;
}

export function renderValReport(r: ValResult): string {
  const lines: string[] = [];
  lines.push(`${r.model} · ${r.task} · ${r.data.yaml ?? r.data.root} (${r.data.split}) · imgsz ${r.options.imgsz}${r.options.rect ? ' rect' : ''}`);
  if (r.task === 'classify') {
    lines.push(`${'classes'.padStart(22)}${col('top1_acc')}${col('top5_acc')}`);
    lines.push(`${'all'.padStart(22)}${col(g3(r.metrics.top1))}${col(g3(r.metrics.top5))}`);
  } else {
    const extra = r.task === 'segment' ? 'Mask' : r.task === 'pose' ? 'Pose' : undefined;
    const heads = ['Box(P', 'R', 'mAP50', 'mAP50-95)', ...(extra ? [`${extra}(P`, 'R', 'mAP50', 'mAP50-95)'] : [])];
    lines.push(`${'Class'.padStart(22)}${col('Images')}${col('Instances')}${heads.map(col).join('')}`);
    const extraOf = (x: { mask?: ValMetrics; pose?: ValMetrics }) => (r.task === 'segment' ? x.mask : r.task === 'pose' ? x.pose : undefined);
    lines.push(`${'all'.padStart(22)}${col(r.images)}${col(r.instances)}${metricCols(r.metrics.box)}${metricCols(extraOf(r.metrics))}`);
    if (r.classes.length > 1) {
      for (const c of r.classes) lines.push(`${c.name.slice(0, 22).padStart(22)}${col(c.images)}${col(c.instances)}${metricCols(c.box)}${metricCols(extraOf(c))}`);
    }
  }
  const s = r.speed;
  lines.push(`Speed: ${s.preprocess.toFixed(1)}ms preprocess, ${s.inference.toFixed(1)}ms inference, ${s.postprocess.toFixed(1)}ms postprocess per image`);
  lines.push(...problemLines(r.problems));
  return lines.join('\n');
}
