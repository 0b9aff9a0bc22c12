import type { Diagnostic, Severity, Span } from './diagnostic.ts';
import { rules, type LabRuleId } from './rules.ts';

/** What a diagnostic may carry beyond its place and message; `severity` only to depart from the catalogue's. */
export type DiagnosticExtra = Partial<Pick<Diagnostic, 'expected' | 'actual' | 'hint' | 'related' | 'severity' | 'unknown'>>;

/**
 * The one way to make a content diagnostic: its severity is the catalogue's
 * unless `extra.severity` says otherwise. The loader's phases and the
 * validation rules (through {@link Reporter}) all make theirs here.
 */
export function diagnostic(ruleId: LabRuleId, file: string, span: Span, message: string, extra: DiagnosticExtra = {}): Diagnostic {
  const d: Diagnostic = { file, span, ruleId, severity: extra.severity ?? (rules[ruleId].severity as Severity), message };
  if (extra.expected !== undefined) d.expected = extra.expected;
  if (extra.actual !== undefined) d.actual = extra.actual;
  if (extra.hint !== undefined) d.hint = extra.hint;
  if (extra.related !== undefined) d.related = extra.related;
  if (extra.unknown !== undefined) d.unknown = extra.unknown;
  return d;
}

/** Collects diagnostics made by {@link diagnostic}. */
export class Reporter {
  readonly out: Diagnostic[] = [];

  report(ruleId: LabRuleId, file: string, span: Span, message: string, extra: DiagnosticExtra = {}): void {
    this.out.push(diagnostic(ruleId, file, span, message, extra));
  }
}
