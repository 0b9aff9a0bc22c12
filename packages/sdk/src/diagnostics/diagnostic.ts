/**
 * A content problem with a place. Content problems are never thrown: the
 * pipeline collects them, the CLI prints them with one formatter.
 * Shaped after vfile's VFileMessage (place, ruleId, fatal/warn/info,
 * expected/actual) but plain JSON so it crosses worker threads and `--format json`.
 */

import type { RuleId } from './rules.ts';

/** A 1-based line and column. */
export interface Point {
  /** 1-based line. */
  line: number;
  /** 1-based column (UTF-16 code units, as editors count). */
  column: number;
}

/** A source range; `end` is exclusive. */
export interface Span {
  start: Point;
  end: Point;
}

/** How bad a problem is. Errors fail `lab validate`. */
export type Severity = 'error' | 'warning' | 'info';

/** Another place that explains a diagnostic (the other duplicate, the cycle's tasks). */
export interface RelatedSpan {
  /** File path, relative to the content root. */
  file: string;
  span: Span;
  /** What this place is. */
  message: string;
}

/** A problem found in content. */
export interface Diagnostic {
  /** File path, relative to the content root (POSIX separators). */
  file: string;
  /** Where the problem is. */
  span: Span;
  /** Rule id from the catalogue (`rules.ts`), e.g. `lab:unknown-task`. */
  ruleId: RuleId;
  severity: Severity;
  /** One sentence that says what is wrong. */
  message: string;
  /** What would have been right. */
  expected?: string;
  /** What was found. */
  actual?: string;
  /** What to do next. */
  hint?: string;
  related?: RelatedSpan[];
  /**
   * Set on problems that only say "Labkit does not know this" (an unknown
   * field, value, component or prop, carried through unchanged): the
   * compatibility report's key, e.g. `field tasks.*.conditions`,
   * `value categories[]: devops`, `component quiz-box`, `prop image-box.caption`.
   */
  unknown?: string;
}

/** The first position of a file, for problems that belong to a whole file. */
export const FILE_START: Span = { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };

/** Sorts diagnostics by file, line, column, rule (stable, for output and fixtures). */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    a.span.start.line - b.span.start.line ||
    a.span.start.column - b.span.start.column ||
    (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0) ||
    (a.message < b.message ? -1 : a.message > b.message ? 1 : 0)
  );
}
