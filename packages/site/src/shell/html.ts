/** Escapes text for HTML text and double-quoted attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Joins template parts, dropping `false`/`undefined`/`null`. */
export function join(parts: Array<string | false | undefined | null>, sep = ''): string {
  return parts.filter((p): p is string => typeof p === 'string').join(sep);
}
