import { LineCounter, parseDocument, isMap, isPair, isScalar, type Document, type Node } from 'yaml';
import type { Span } from '../../diagnostics/diagnostic.ts';

/**
 * A JSON file read with positions, so a warning about `details.steps[0].verify`
 * can point at its line and column. JSON is YAML 1.2, so the `yaml` parser
 * (already a dependency) gives us the node ranges; `JSON.parse` gives the value.
 */
export interface SourceJson {
  /** Path relative to the import source (POSIX). */
  file: string;
  value: unknown;
  spanOf(path: ReadonlyArray<string | number>, part?: 'key' | 'value'): Span;
}

export function readSourceJson(file: string, text: string): SourceJson {
  const value: unknown = JSON.parse(text);
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, keepSourceTokens: false, uniqueKeys: false });
  const toSpan = (range: readonly [number, number, number?] | null | undefined): Span => {
    if (!range) return { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
    const s = lineCounter.linePos(range[0]);
    const e = lineCounter.linePos(range[1]);
    return { start: { line: s.line, column: s.col }, end: { line: e.line, column: e.col } };
  };
  return {
    file,
    value,
    spanOf(path, part = 'value') {
      if (part === 'key' && path.length > 0) {
        const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
        if (isMap(parent)) {
          const last = path[path.length - 1];
          const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === last);
          if (pair && isScalar(pair.key)) return toSpan(pair.key.range);
        }
      }
      const node = (path.length === 0 ? doc.contents : doc.getIn(path, true)) as Node | null | undefined;
      return toSpan(node?.range);
    },
  };
}

/** Line and column of a JSON.parse failure, read from V8's message ("at position N" or "line L column C"). */
export function jsonErrorSpan(text: string, error: unknown): Span {
  const message = error instanceof Error ? error.message : String(error);
  const lc = /line (\d+) column (\d+)/.exec(message);
  if (lc) {
    const point = { line: Number(lc[1]), column: Number(lc[2]) };
    return { start: point, end: point };
  }
  const pos = /position (\d+)/.exec(message);
  const offset = pos ? Number(pos[1]) : 0;
  const before = text.slice(0, offset).split('\n');
  const point = { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
  return { start: point, end: point };
}
