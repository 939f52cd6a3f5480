/**
 * The subset of YAML that Ultralytics dataset descriptors use: top-level `key: value` pairs whose value is a scalar,
 * a flow list (`[17, 3]`, `[a, b]`), an indented block mapping (`names:` then `  0: person`) or block list
 * (`- images/val`), or a block scalar (`download: |`, read as text). Comments start at ` #` outside quotes.
 * Anything else (anchors, nested structures deeper than one level, multi-document files) is an error naming the line.
 */

export type YamlScalar = string | number | boolean | null;
export type YamlValue = YamlScalar | YamlScalar[] | Record<string, YamlScalar>;

export class YamlError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

function stripComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") {
      if (i === 0 || /[\s:[,{]/.test(line[i - 1])) quote = ch;
    } else if (ch === '#' && (i === 0 || /\s/.test(line[i - 1]))) {
      return line.slice(0, i);
    }
  }
  return line;
}

function scalar(text: string, line: number): YamlScalar {
  const t = text.trim();
  if (t === '' || t === '~' || t === 'null' || t === 'Null' || t === 'NULL') return null;
  if (t === 'true' || t === 'True' || t === 'TRUE') return true;
  if (t === 'false' || t === 'False' || t === 'FALSE') return false;
  if (t.startsWith('"')) {
    if (!t.endsWith('"') || t.length < 2) throw new YamlError(`unterminated string ${t}`, line);
    return JSON.parse(t) as string;
  }
  if (t.startsWith("'")) {
    if (!t.endsWith("'") || t.length < 2) throw new YamlError(`unterminated string ${t}`, line);
    return t.slice(1, -1).replace(/''/g, "'");
  }
  if (/^[-+]?(\d[\d_]*)?\.?\d+([eE][-+]?\d+)?$/.test(t)) return Number(t.replace(/_/g, ''));
  return t;
}

function flowList(text: string, line: number): YamlScalar[] {
  const inner = text.trim().slice(1, -1);
  const items: string[] = [];
  let quote = '';
  let current = '';
  for (const ch of inner) {
    if (quote) {
      if (ch === quote) quote = '';
      current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current += ch;
    } else if (ch === ',') {
      items.push(current);
      current = '';
    } else if (ch === '[' || ch === '{') {
      throw new YamlError('nested flow collections are not supported', line);
    } else current += ch;
  }
  if (current.trim() !== '' || items.length) items.push(current);
  return items.filter((s, i) => s.trim() !== '' || i < items.length - 1).map((s) => scalar(s, line));
}

function value(text: string, line: number): YamlScalar | YamlScalar[] {
  const t = text.trim();
  if (t.startsWith('[')) {
    if (!t.endsWith(']')) throw new YamlError(`unterminated list ${t}`, line);
    return flowList(t, line);
  }
  if (t.startsWith('{')) throw new YamlError('flow mappings are not supported', line);
  return scalar(t, line);
}

/** Parses a dataset descriptor; errors carry the 1-based line number. */
export function parseDatasetYaml(text: string): Record<string, YamlValue> {
  const lines = text.split(/\r?\n/);
  const out: Record<string, YamlValue> = {};
  let i = 0;
  const indentOf = (s: string) => s.length - s.trimStart().length;
  while (i < lines.length) {
    const raw = lines[i];
    const lineNo = i + 1;
    i++;
    if (raw.trim() === '---' && lineNo === 1) continue;
    const content = stripComment(raw);
    if (content.trim() === '') continue;
    if (indentOf(content) !== 0) throw new YamlError(`unexpected indentation: ${raw.trim()}`, lineNo);
    const m = /^([^:]+?)\s*:(?:\s+(.*)|\s*)$/.exec(content);
    if (!m) throw new YamlError(`expected 'key: value', got ${raw.trim()}`, lineNo);
    const key = String(scalar(m[1], lineNo));
    const rest = (m[2] ?? '').trim();
    if (rest === '|' || rest === '>' || /^[|>][-+]?$/.test(rest)) {
      // block scalar: the indented lines that follow, verbatim
      const block: string[] = [];
      while (i < lines.length && (lines[i].trim() === '' || indentOf(lines[i]) > 0)) block.push(lines[i++]);
      const indent = Math.min(...block.filter((l) => l.trim() !== '').map(indentOf), Infinity);
      out[key] = block.map((l) => l.slice(Number.isFinite(indent) ? indent : 0)).join('\n').trimEnd();
      continue;
    }
    if (rest !== '') {
      out[key] = value(rest, lineNo);
      continue;
    }
    // a block mapping or list, or nothing (null)
    const map: Record<string, YamlScalar> = {};
    const list: YamlScalar[] = [];
    let kind: 'map' | 'list' | undefined;
    while (i < lines.length) {
      const inner = stripComment(lines[i]);
      if (inner.trim() === '') {
        i++;
        continue;
      }
      if (indentOf(inner) === 0) break;
      const innerNo = i + 1;
      i++;
      const t = inner.trim();
      if (t.startsWith('- ') || t === '-') {
        if (kind === 'map') throw new YamlError('a list item inside a mapping', innerNo);
        kind = 'list';
        list.push(scalar(t.slice(1), innerNo));
        continue;
      }
      const e = /^([^:]+?)\s*:(?:\s+(.*)|\s*)$/.exec(t);
      if (!e) throw new YamlError(`expected 'key: value' or '- item', got ${t}`, innerNo);
      if (kind === 'list') throw new YamlError('a mapping entry inside a list', innerNo);
      kind = 'map';
      const v = value(e[2] ?? '', innerNo);
      if (Array.isArray(v)) throw new YamlError('nested lists are not supported', innerNo);
      map[String(scalar(e[1], innerNo))] = v;
    }
    out[key] = kind === 'map' ? map : kind === 'list' ? list : null;
  }
  return out;
}
