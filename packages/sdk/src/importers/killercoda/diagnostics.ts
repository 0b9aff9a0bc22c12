import type { Diagnostic, Severity, Span } from '../../diagnostics/diagnostic.ts';
import type { KillercodaRuleId } from '../../diagnostics/rules.ts';

export { killercodaRules, type KillercodaRuleId } from '../../diagnostics/rules.ts';


/** Collects diagnostics for one import run. */
export class DiagnosticSink {
  readonly list: Diagnostic[] = [];

  add(file: string, span: Span, ruleId: KillercodaRuleId, severity: Severity, message: string, hint?: string): void {
    const d: Diagnostic = { file, span, ruleId, severity, message };
    if (hint) d.hint = hint;
    this.list.push(d);
  }
}

/** A one-point span at 1-based line and column. */
export function at(line: number, column: number, length = 0): Span {
  return { start: { line, column }, end: { line, column: column + length } };
}
