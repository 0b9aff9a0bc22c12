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
   * Files whose worst-case parse estimate ({@link estimateParseMs}) is over
   * this many ms of CPU, or that are longer than `guardAboveChars`, parse in
   * the guarded worker (time and memory capped); the others parse in place,
   * so a repository of ordinary pages never pays for starting the worker.
   */
  inPlaceBudgetMs: 300,
  /** Longer files always parse in the guarded worker. */
  guardAboveChars: 65_536,
} as const;

/**
 * A pessimistic guess of the CPU time remark needs for `source`, from one
 * pass over it: about 6 µs per character, 200 µs more per character that
 * starts or ends inline syntax (the runs of `[`, `*_`, backticks and table
 * pipes that make micromark slow cost 30-100 µs each, measured), and 0.03 ms
 * × depth² per line that opens nested blockquotes or lists. Used only to
 * decide whether a file may parse on the main thread; being wrong upwards
 * costs a worker start, never a hang.
 */
export function estimateParseMs(source: string): number {
  let specials = 0;
  let nesting = 0;
  let lineStart = true;
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 10) {
      nesting += depth * depth;
      depth = 0;
      lineStart = true;
      continue;
    }
    // [ ] ( ) < > { } * _ ` | : ~ ! \ & #
    if (c === 91 || c === 93 || c === 40 || c === 41 || c === 60 || c === 62 || c === 123 || c === 125 || c === 42 || c === 95 || c === 96 || c === 124 || c === 58 || c === 126 || c === 33 || c === 92 || c === 38 || c === 35) specials++;
    if (lineStart) {
      if (c === 62 || c === 45 || c === 42 || c === 43) depth++;
      else if (c !== 32 && c !== 9 && !(c >= 48 && c <= 57) && c !== 46 && c !== 41) lineStart = false;
    }
  }
  nesting += depth * depth;
  return source.length * 0.006 + specials * 0.2 + nesting * 0.03;
}

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
