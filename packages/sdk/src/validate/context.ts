import type { Diagnostic, Severity, Span } from '../diagnostics/diagnostic.ts';
import { rules, type LabRuleId } from '../diagnostics/rules.ts';
import type { ContentDocument } from '../graph/types.ts';
import { pointerSegment } from '../parse/front-matter.ts';

/** Collects diagnostics; severity defaults to the rule's. */
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

/**
 * Span of a front matter path in a document: the key (or the value), or the
 * nearest ancestor that has a place, or the front matter block.
 */
export function placeOf(doc: ContentDocument, path: readonly (string | number)[], part: 'key' | 'value' = 'key'): Span {
  const places = doc.parsed.frontMatter.places;
  for (let n = path.length; n >= 0; n--) {
    let p = '';
    for (let i = 0; i < n; i++) p += '/' + pointerSegment(path[i] as string | number);
    const place = places[p];
    if (place) return (part === 'key' ? place.key : place.value) ?? place.value;
  }
  const s = doc.parsed.frontMatter.span;
  return { start: s.start, end: { line: s.start.line, column: s.start.column + 3 } };
}
