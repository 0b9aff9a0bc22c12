import type { Span } from '../../diagnostics/diagnostic.ts';
import { referenceKinds } from '../../schemas/references.ts';
import { normalizeName, type DocumentContext, type DocumentRule } from '../rule.ts';
import { didYouMean } from '../suggest.ts';

/**
 * `lab:undeclared-reference`: a `::card` / `::grid` item points to
 * `<map>.<name>` that the front matter map (of the document or its item)
 * does not list. Whether the target exists is `lab:missing-reference`, a
 * graph rule (references.ts).
 */
export const cardReferences: DocumentRule = {
  ids: ['lab:undeclared-reference'],
  document: (ctx) => ({
    component({ node, name, spec, props }) {
      if (!spec) return;
      const values = props.values;
      for (const key of spec.referenceProps ?? []) {
        if (values[key] !== undefined) checkReference(ctx, values[key], ctx.propSpan(node, key, 'value'), values['lesson']);
      }
      if (name === 'grid' && Array.isArray(values['items'])) {
        const span = ctx.propSpan(node, 'items');
        for (const it of values['items'] as Record<string, unknown>[]) {
          if (!it || typeof it !== 'object') continue;
          for (const key of ['challenge', 'content', 'playground']) if (it[key] !== undefined) checkReference(ctx, it[key], span, it['lesson']);
        }
      }
    },
  }),
};

function declared(ctx: DocumentContext, map: string, name: string): { found: boolean; lessons: string[] | undefined } {
  for (const d of [ctx.doc, ctx.item.documents[0]]) {
    const m = d?.data?.[map];
    if (!m || typeof m !== 'object') continue;
    for (const [k, v] of Object.entries(m as Record<string, unknown>)) {
      if (normalizeName(k) === normalizeName(name)) {
        const lessons = v && typeof v === 'object' && Array.isArray((v as { lessons?: unknown }).lessons) ? (v as { lessons: string[] }).lessons : undefined;
        return { found: true, lessons };
      }
    }
  }
  return { found: false, lessons: undefined };
}

function checkReference(ctx: DocumentContext, value: unknown, span: Span, lesson?: unknown): void {
  if (typeof value !== 'string') return;
  const { r, file } = ctx;
  const dot = value.indexOf('.');
  const map = dot === -1 ? '' : value.slice(0, dot);
  const name = dot === -1 ? value : value.slice(dot + 1);
  if (!Object.hasOwn(referenceKinds, map)) {
    r.report('lab:undeclared-reference', file, span, `"${value}" is not \`<map>.<name>\` with map one of ${Object.keys(referenceKinds).join(', ')}.${didYouMean(map, Object.keys(referenceKinds))}`, {
      expected: '<map>.<name>, e.g. tutorials.sample-tutorial',
      actual: value,
    });
    return;
  }
  const d = declared(ctx, map, name);
  if (!d.found) {
    r.report('lab:undeclared-reference', file, span, `"${value}" is not declared: add \`${name}: {}\` under \`${map}:\` in the front matter.`, {
      hint: `${map}:\n  ${name}: {}`,
    });
  } else if (typeof lesson === 'string' && d.lessons && !d.lessons.includes(lesson)) {
    r.report('lab:undeclared-reference', file, span, `Lesson "${lesson}" is not listed under \`${map}.${name}.lessons\` in the front matter.`);
  }
}
