import type { z } from 'zod';
import type { Reporter } from '../../diagnostics/reporter.ts';
import type { LabRuleId } from '../../diagnostics/rules.ts';
import type { ContentDocument } from '../../graph/types.ts';
import { contentKinds, schemaForKind, type ContentKind } from '../../schemas/content.ts';
import { placeOf } from '../context.ts';
import { closest, didYouMean } from '../suggest.ts';
import { knownValuesOf } from '../../schemas/common.ts';

/** Kinds allowed for a document, by where it is. */
export type Placement = 'top' | 'course-part' | 'unit' | 'solution';

const allowed: Record<Placement, readonly ContentKind[]> = {
  top: ['tutorial', 'challenge', 'skill-path', 'course', 'playground'],
  'course-part': ['module', 'lesson'],
  unit: ['unit'],
  solution: [],
};

/** The rules {@link checkSchema} reports. It runs first on every document: the others read the data it validates. */
export const schemaRuleIds: readonly LabRuleId[] = ['lab:missing-front-matter', 'lab:unknown-kind', 'lab:schema', 'lab:unknown-field', 'lab:unknown-value'];

/**
 * Front matter presence, `kind`, schema errors at the exact node, and
 * unknown fields (warnings with "did you mean"). Returns the validated data.
 */
export function checkSchema(doc: ContentDocument, placement: Placement, r: Reporter): Record<string, unknown> | undefined {
  const fm = doc.parsed.frontMatter;
  const file = doc.metaFile;
  if (placement === 'solution') return doc.data;
  if (!fm.present) {
    r.report('lab:missing-front-matter', file, { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } }, 'This file has no front matter: start it with a `---` YAML block that sets `kind`.', {
      expected: `kind: ${allowed[placement].join(' | ')}`,
    });
    return undefined;
  }
  const data = doc.data;
  if (!data) return undefined; // YAML errors already reported.
  const kind = data['kind'];
  if (typeof kind !== 'string' || !(contentKinds as readonly string[]).includes(kind) || !allowed[placement].includes(kind as ContentKind)) {
    const span = typeof kind === 'string' ? placeOf(doc, ['kind'], 'value') : placeOf(doc, []);
    const where = placement === 'top' ? 'a content folder' : placement === 'course-part' ? 'a course folder' : 'a unit file';
    r.report(
      'lab:unknown-kind',
      file,
      span,
      kind === undefined
        ? `Missing \`kind\`: ${where} needs one of ${allowed[placement].join(', ')}.`
        : `\`kind: ${String(kind)}\` does not fit ${where}.${typeof kind === 'string' ? didYouMean(kind, allowed[placement]) : ''}`,
      { expected: allowed[placement].join(' | '), actual: String(kind) },
    );
    return undefined;
  }
  const schema = schemaForKind(kind as ContentKind);
  const result = schema.safeParse(data);
  if (!result.success) {
    for (const issue of result.error.issues) reportIssue(doc, issue, r);
  }
  checkUnknownFields(doc, schema, data, [], r);
  return result.success ? (result.data as Record<string, unknown>) : undefined;
}

function reportIssue(doc: ContentDocument, issue: z.core.$ZodIssue, r: Reporter): void {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const at = path.length ? path.join('.') : 'front matter';
  const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
  const span = missing ? placeOf(doc, path.slice(0, -1), 'key') : placeOf(doc, path, 'value');
  if (missing) {
    r.report('lab:schema', doc.metaFile, span, `Missing required field \`${at}\`.`, { expected: issue.expected });
    return;
  }
  const extra: { expected?: string; actual?: string; hint?: string } = {};
  let message = `\`${at}\`: ${issue.message}.`;
  if (issue.code === 'invalid_value') {
    const actual = valueAt(doc.data, path);
    extra.expected = issue.values.map(String).join(' | ');
    extra.actual = JSON.stringify(actual);
    if (typeof actual === 'string') {
      const c = closest(actual, issue.values.map(String));
      if (c) message += ` Did you mean "${c}"?`;
    }
  } else if (issue.code === 'invalid_type') {
    extra.expected = issue.expected;
  }
  r.report('lab:schema', doc.metaFile, span, message, extra);
}

function valueAt(data: unknown, path: (string | number)[]): unknown {
  let v = data;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
}

function defOf(s: z.ZodType): Def {
  return (s as unknown as { def: Def }).def;
}

function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (let i = 0; i < 10; i++) {
    const d = defOf(cur);
    if ((d.type === 'optional' || d.type === 'default' || d.type === 'nullable' || d.type === 'prefault' || d.type === 'readonly') && d.innerType) cur = d.innerType;
    else break;
  }
  return cur;
}

/**
 * Walks data alongside the schema: keys an object schema does not declare,
 * and strings an open enumeration does not list, are warnings (the value is
 * kept). `shape` is the schema path for the compatibility report: array
 * items are `[]`, map entries `*` (`tasks.*.conditions`).
 */
function checkUnknownFields(doc: ContentDocument, schema: z.ZodType, value: unknown, path: (string | number)[], r: Reporter, shape = ''): void {
  const s = unwrap(schema);
  const values = knownValuesOf(s);
  if (values && typeof value === 'string') {
    if (!values.includes(value)) {
      r.report('lab:unknown-value', doc.metaFile, placeOf(doc, path, 'value'), `\`${path.join('.')}\`: Labkit does not know the value "${value}" (it knows ${values.join(', ')}); it is kept as written.${didYouMean(value, values)}`, {
        expected: values.join(' | '),
        actual: value,
        unknown: `value ${shape}: ${value}`,
      });
    }
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const d = defOf(s);
  if (d.type === 'object' && d.shape && !Array.isArray(value)) {
    const known = Object.keys(d.shape);
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const child = d.shape[k];
      const at = shape ? `${shape}.${k}` : k;
      if (child) checkUnknownFields(doc, child, v, [...path, k], r, at);
      else {
        const where = path.length ? ` in \`${path.join('.')}\`` : '';
        r.report('lab:unknown-field', doc.metaFile, placeOf(doc, [...path, k], 'key'), `Unknown field \`${k}\`${where}: kept as written, Labkit does not use it.${didYouMean(k, known)}`, {
          expected: known.join(', '),
          unknown: `field ${at}`,
        });
      }
    }
  } else if (d.type === 'array' && d.element && Array.isArray(value)) {
    value.forEach((v, i) => checkUnknownFields(doc, d.element as z.ZodType, v, [...path, i], r, `${shape}[]`));
  } else if (d.type === 'record' && d.valueType && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) checkUnknownFields(doc, d.valueType, v, [...path, k], r, `${shape}.*`);
  }
}
