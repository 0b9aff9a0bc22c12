import type { Diagnostic, Severity, Span } from './diagnostic.ts';
import { rules, type LabRuleId } from './rules.ts';

/**
 * Collects diagnostics: the one way the loader and the validation rules
 * make one (severity defaults to the catalogue's).
 */
export class Reporter {
  readonly out: Diagnostic[] = [];

  report(
    ruleId: LabRuleId,
    file: string,
    span: Span,
    message: string,
    extra: Partial<Pick<Diagnostic, 'expected' | 'actual' | 'hint' | 'related' | 'severity' | 'unknown'>> = {},
  ): void {
    const d: Diagnostic = { file, span, ruleId, severity: extra.severity ?? (rules[ruleId].severity as Severity), message };
    if (extra.expected !== undefined) d.expected = extra.expected;
    if (extra.actual !== undefined) d.actual = extra.actual;
    if (extra.hint !== undefined) d.hint = extra.hint;
    if (extra.related !== undefined) d.related = extra.related;
    if (extra.unknown !== undefined) d.unknown = extra.unknown;
    this.out.push(d);
  }
}
