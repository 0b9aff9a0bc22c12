import { BundleErrors } from './errors.ts';

export interface CanonicalJsonOptions {
  /**
   * An absolute folder whose path must not leak into the output: every
   * occurrence of `root + '/'` inside a string is removed (so absolute file
   * paths become relative ones), and the string `root` itself becomes `.`.
   * Two checkouts of one commit in different folders then serialize alike.
   */
  root?: string;
  /** Object keys dropped wherever they appear (e.g. `position` of mdast nodes). */
  omitKeys?: ReadonlySet<string>;
  /** Spaces per indentation level; 0 prints one line. Default 2. */
  indent?: number;
}

/**
 * JSON with a single possible spelling for a value, so that equal models give
 * byte-identical files: object keys sorted by UTF-16 code units (not by
 * locale, which depends on the machine), `undefined` and functions dropped,
 * Maps as objects with sorted keys, Sets and arrays in their own order (order
 * carries meaning, e.g. tasks), non-finite numbers as `null`, one trailing
 * newline. `JSON.stringify` cannot guarantee this: it puts integer-like keys
 * first and keeps insertion order for the rest.
 *
 * Throws `BundleErrors.Unserializable` for cycles, binary data and symbols,
 * naming the place, rather than writing something that cannot round-trip.
 */
export function canonicalJson(value: unknown, options: CanonicalJsonOptions = {}): string {
  const indent = options.indent ?? 2;
  const root = options.root?.replace(/[\\/]+$/, '');
  const omit = options.omitKeys;
  const seen = new Set<object>();

  const str = (s: string): string => {
    if (root) s = s === root ? '.' : s.split(`${root}/`).join('');
    return JSON.stringify(s);
  };

  const write = (v: unknown, depth: number, where: string): string | undefined => {
    if (v === null) return 'null';
    switch (typeof v) {
      case 'string':
        return str(v);
      case 'number':
        return Number.isFinite(v) ? JSON.stringify(v) : 'null';
      case 'boolean':
        return v ? 'true' : 'false';
      case 'bigint':
        return JSON.stringify(v.toString());
      case 'undefined':
      case 'function':
        return undefined;
      case 'symbol':
        throw BundleErrors.Unserializable(where, 'a symbol');
    }
    const obj = v as object;
    if (obj instanceof Date) return str(Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString());
    if (obj instanceof URL || obj instanceof RegExp) return str(String(obj));
    if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) throw BundleErrors.Unserializable(where, 'binary data');
    if (seen.has(obj)) throw BundleErrors.Unserializable(where, 'a reference cycle');
    seen.add(obj);
    try {
      const pad = indent ? '\n' + ' '.repeat(indent * (depth + 1)) : '';
      const end = indent ? '\n' + ' '.repeat(indent * depth) : '';
      const sep = indent ? ': ' : ':';
      if (Array.isArray(obj) || obj instanceof Set) {
        const parts = [...obj].map((x, i) => write(x, depth + 1, `${where}[${i}]`) ?? 'null');
        return parts.length ? `[${pad}${parts.join(`,${pad}`)}${end}]` : '[]';
      }
      const entries: Array<[string, unknown]> =
        obj instanceof Map ? [...obj].map(([k, x]) => [String(k), x]) : Object.entries(obj);
      const hasToJson = typeof (obj as { toJSON?: unknown }).toJSON === 'function';
      if (hasToJson) return write((obj as { toJSON: () => unknown }).toJSON(), depth, where);
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const parts: string[] = [];
      for (const [k, x] of entries) {
        if (omit?.has(k)) continue;
        const out = write(x, depth + 1, where ? `${where}.${k}` : k);
        if (out !== undefined) parts.push(`${str(k)}${sep}${out}`);
      }
      return parts.length ? `{${pad}${parts.join(`,${pad}`)}${end}}` : '{}';
    } finally {
      seen.delete(obj);
    }
  };

  return (write(value, 0, '') ?? 'null') + '\n';
}
