import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { LineIndex } from './line-index.ts';

/**
 * What one content file may cost to parse. Content can come from strangers
 * (pull requests, imports), and remark's parsers are superlinear on some
 * inputs (thousands of nested `>` or `::`, megabytes of `[`), so each file
 * is held to these limits and a file over them becomes one positioned
 * `lab:content-limit` error instead of a crash, a hang or gigabytes of memory.
 * docs/security.md ("Content limits") lists them for authors.
 */
export const contentLimits = {
  /** Characters per Markdown file (2 MiB of ASCII); the largest real page we know is 62 KB. */
  maxChars: 2 * 1024 * 1024,
  /** Blockquote + list containers open on one line, and `::component` blocks open at once. */
  maxNesting: 32,
  /** YAML alias expansions in the front matter (the `yaml` package's maxAliasCount). */
  maxYamlAliases: 100,
  /** CPU time of the guarded worker to parse one file (so with the worker start a file costs under 2 s). */
  timeoutMs: 1000,
  /** Heap of the guarded parse worker (old generation), in MB. */
  workerHeapMb: 256,
  /**
   * Files longer than this parse in the guarded worker (time and memory
   * capped); shorter ones parse in place, since even remark's worst known
   * input costs about 0.15 ms per character (under 1 s here).
   */
  guardAboveChars: 4096,
} as const;

const RULE = 'lab:content-limit';

/** `lab:content-limit` at a span. */
export function limitDiagnostic(file: string, lines: LineIndex, start: number, end: number, message: string): Diagnostic {
  return { file, span: lines.span(start, end), ruleId: RULE, severity: 'error', message };
}

/** The file is too long to parse at all (positioned at its start; no LineIndex needed). */
export function sizeDiagnostic(file: string, chars: number): Diagnostic {
  return {
    file,
    span: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
    ruleId: RULE,
    severity: 'error',
    message: `This file has ${chars.toLocaleString('en-US')} characters, over the limit of ${contentLimits.maxChars.toLocaleString('en-US')} per Markdown file; it is not parsed. Split it into units.`,
  };
}

/**
 * Finds the first place where containers nest deeper than the limit: `>`
 * and list markers opening on one line (`> > - > x`), list items indented
 * under list items, and `::component` blocks left open. A line scan, so it
 * costs next to nothing before the parser's superlinear work. Fenced code
 * is skipped (a `::` in a shell example is not a component).
 */
export function nestingDiagnostic(source: string, from: number, file: string, lines: LineIndex): Diagnostic | undefined {
  const max = contentLimits.maxNesting;
  let fence: { char: string; len: number } | undefined;
  let components = 0;
  let pos = from;
  while (pos < source.length) {
    let end = source.indexOf('\n', pos);
    if (end === -1) end = source.length;
    // Indentation and container markers at the line start.
    let i = pos;
    let indent = 0;
    while (i < end && (source[i] === ' ' || source[i] === '\t')) {
      indent += source[i] === '\t' ? 4 : 1;
      i++;
    }
    const fenceMatch = /^(`{3,}|~{3,})/.exec(source.slice(i, Math.min(end, i + 64)));
    if (fence) {
      if (fenceMatch && fenceMatch[1]![0] === fence.char && fenceMatch[1]!.length >= fence.len) fence = undefined;
      pos = end + 1;
      continue;
    }
    if (fenceMatch) {
      fence = { char: fenceMatch[1]![0]!, len: fenceMatch[1]!.length };
      pos = end + 1;
      continue;
    }
    let depth = 0;
    let listIndent = false;
    for (;;) {
      const c = source[i];
      if (c === '>') {
        depth++;
        i++;
      } else if ((c === '-' || c === '*' || c === '+') && (i + 1 >= end || source[i + 1] === ' ' || source[i + 1] === '\t')) {
        depth++;
        listIndent = true;
        i++;
      } else if (c !== undefined && c >= '0' && c <= '9') {
        let j = i;
        while (j < end && j - i < 9 && source[j]! >= '0' && source[j]! <= '9') j++;
        if ((source[j] === '.' || source[j] === ')') && (j + 1 >= end || source[j + 1] === ' ' || source[j + 1] === '\t')) {
          depth++;
          listIndent = true;
          i = j + 1;
        } else break;
      } else break;
      while (i < end && (source[i] === ' ' || source[i] === '\t')) i++;
      if (depth > max) break;
    }
    // A list item indented under others: about one level per two columns.
    if (listIndent) depth += Math.floor(indent / 2);
    if (depth > max) {
      return limitDiagnostic(file, lines, pos, end, `Blockquotes and lists nest more than ${max} deep here (the limit); the file is not parsed.`);
    }
    const m = /^(:{2,})([A-Za-z][\w-]*)?\s*(?:[[{]|$)/.exec(source.slice(i, Math.min(end, i + 128)));
    if (m) {
      if (m[2]) {
        components++;
        if (components > max) {
          return limitDiagnostic(file, lines, pos, end, `Components nest ${components} deep here (::${m[2]} inside ${components - 1} open blocks), over the limit of ${max}; the file is not parsed. Close each block with its \`::\`.`);
        }
      } else if (components > 0) components--;
    }
    pos = end + 1;
  }
  return undefined;
}
