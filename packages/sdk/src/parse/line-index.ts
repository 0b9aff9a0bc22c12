import type { Point, Span } from '../diagnostics/diagnostic.ts';

/**
 * Offset → 1-based line:column over one file's text. One index per file,
 * shared by the YAML front matter and the MDC prop scanner, so every
 * position in a diagnostic counts lines the same way (the mdast already
 * carries its own positions).
 */
export class LineIndex {
  readonly starts: number[];

  constructor(text: string) {
    const starts = [0];
    let i = text.indexOf('\n');
    while (i !== -1) {
      starts.push(i + 1);
      i = text.indexOf('\n', i + 1);
    }
    this.starts = starts;
  }

  /** 1-based line:column of a 0-based offset. */
  point(offset: number): Point {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((s[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (s[lo] ?? 0) + 1 };
  }

  /** Span of `[start, end)` offsets. */
  span(start: number, end: number): Span {
    return { start: this.point(start), end: this.point(Math.max(start, end)) };
  }

  /** 0-based offset of the start of a 1-based line. */
  lineStart(line: number): number {
    return this.starts[line - 1] ?? this.starts[this.starts.length - 1] ?? 0;
  }
}
