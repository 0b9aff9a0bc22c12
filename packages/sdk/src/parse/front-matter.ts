import { isMap, isPair, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import type { Diagnostic, Span } from '../diagnostics/diagnostic.ts';
import { diagnostic } from '../diagnostics/reporter.ts';
import type { LineIndex } from './line-index.ts';
import { contentLimits } from './limits.ts';

/** Where a front matter key and its value are. */
export interface YamlPlace {
  /** The key (absent for sequence items and the root). */
  key?: Span;
  /** The value. */
  value: Span;
}

/** Parsed YAML front matter with a place for every key and value. */
export interface FrontMatter {
  /** The front matter exists (`---` on the first line). */
  present: boolean;
  /** Plain data (`undefined` when absent or when the YAML has syntax errors). */
  data: unknown;
  /** Span of the whole block including the `---` fences. */
  span: Span;
  /**
   * Places by JSON pointer (`/tasks/verify/needs/0`; `~1` escapes `/`).
   * Computed once at parse so diagnostics, `lab dev` and workers share plain data.
   */
  places: Record<string, YamlPlace>;
  /** 0-based offset where the Markdown body starts. */
  bodyOffset: number;
}

/** Finds the `---` fenced block at the start of a file. */
export function findFrontMatter(source: string): { yamlStart: number; yamlEnd: number; bodyOffset: number; closed: boolean } | undefined {
  const bom = source.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (!source.startsWith('---', bom)) return undefined;
  const firstNl = source.indexOf('\n', bom);
  if (firstNl === -1 || source.slice(bom + 3, firstNl).trim() !== '') return undefined;
  const yamlStart = firstNl + 1;
  const re = /^(?:---|\.\.\.)[ \t]*\r?$/gm;
  re.lastIndex = yamlStart;
  const m = re.exec(source);
  if (!m) return { yamlStart, yamlEnd: source.length, bodyOffset: source.length, closed: false };
  const nl = source.indexOf('\n', m.index);
  return { yamlStart, yamlEnd: m.index, bodyOffset: nl === -1 ? source.length : nl + 1, closed: true };
}

/** Escapes one JSON pointer segment. */
export function pointerSegment(key: string | number): string {
  return String(key).replaceAll('~', '~0').replaceAll('/', '~1');
}

/** JSON pointer of a path. */
export function toPointer(path: readonly (string | number)[]): string {
  let p = '';
  for (const k of path) p += '/' + pointerSegment(k);
  return p;
}

/** Parses the front matter of `source`. Diagnostics go to `out`. */
export function parseFrontMatter(source: string, file: string, lines: LineIndex, out: Diagnostic[]): FrontMatter {
  const found = findFrontMatter(source);
  if (!found) {
    return { present: false, data: undefined, span: lines.span(0, 0), places: {}, bodyOffset: 0 };
  }
  const { yamlStart, yamlEnd, bodyOffset } = found;
  const span = lines.span(0, found.closed ? bodyOffset : source.length);
  if (!found.closed) {
    out.push(diagnostic('lab:yaml-syntax', file, lines.span(0, 3), 'Front matter is not closed: add a `---` line after the YAML block.'));
    return { present: true, data: undefined, span, places: {}, bodyOffset: source.length };
  }
  const text = source.slice(yamlStart, yamlEnd);
  // logLevel 'error': the yaml package would print its own warnings (a
  // `{{ template }}` read as a mapping key) to the process's stderr, with no
  // file or line; the schema reports the value's wrong type where it stands.
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, logLevel: 'error' });
  let syntaxError = false;
  for (const e of doc.errors) {
    const dup = e.code === 'DUPLICATE_KEY';
    if (!dup) syntaxError = true;
    out.push(
      diagnostic(dup ? 'lab:duplicate-key' : 'lab:yaml-syntax', file, lines.span(yamlStart + e.pos[0], yamlStart + e.pos[1]), dup ? 'Duplicate key: this mapping already has the key; only one value would survive.' : yamlMessage(e.message)),
    );
  }
  const places: Record<string, YamlPlace> = {};
  let data: unknown;
  if (!syntaxError) {
    try {
      data = doc.toJS({ maxAliasCount: contentLimits.maxYamlAliases });
    } catch (error) {
      // An alias bomb (`a: &a [x, x]`, `b: &b [*a, *a]`, ...) expands exponentially.
      out.push(diagnostic('lab:content-limit', file, lines.span(yamlStart, yamlEnd), `The front matter's YAML aliases expand too much (${error instanceof Error ? error.message.split('\n')[0] : String(error)}; the limit is ${contentLimits.maxYamlAliases}); it is not read.`));
      return { present: true, data: undefined, span, places: {}, bodyOffset };
    }
    if (doc.contents) collect(doc.contents as YamlNode, '', undefined, places, lines, yamlStart);
  }
  return { present: true, data, span, places, bodyOffset };
}

function yamlMessage(m: string): string {
  const first = m.split('\n')[0] ?? m;
  return `YAML syntax error: ${first.replace(/ at line \d+, column \d+:?$/, '')}`;
}

function collect(
  node: YamlNode,
  pointer: string,
  key: Span | undefined,
  places: Record<string, YamlPlace>,
  lines: LineIndex,
  base: number,
): void {
  const r = node.range;
  const value = r ? lines.span(base + r[0], base + r[1]) : lines.span(base, base);
  places[pointer] = key ? { key, value } : { value };
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const k = pair.key as YamlNode | null;
      const name = isScalar(k) ? String(k.value) : k ? String(k) : '';
      const kr = k?.range;
      const keySpan = kr ? lines.span(base + kr[0], base + kr[1]) : value;
      const child = pair.value as YamlNode | null;
      const p = pointer + '/' + pointerSegment(name);
      if (child && typeof child === 'object' && 'range' in child) collect(child, p, keySpan, places, lines, base);
      else places[p] = { key: keySpan, value: keySpan };
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      if (item && typeof item === 'object' && 'range' in (item as object)) {
        collect(item as YamlNode, pointer + '/' + i, undefined, places, lines, base);
      }
    });
  }
}
