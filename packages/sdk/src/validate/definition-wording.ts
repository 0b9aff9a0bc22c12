import type { Diagnostic } from '../diagnostics/diagnostic.ts';

/**
 * The rules speak of "the front matter" and YAML; content written in
 * TypeScript has a definition object instead. Rewords the diagnostics of a
 * `*.lab.ts` item from `from` on, so an author reads about what they wrote.
 */
export function rewordForDefinitions(out: Diagnostic[], from: number): void {
  for (let i = from; i < out.length; i++) {
    const d = out[i]!;
    d.message = reword(d.message);
    if (d.hint !== undefined) d.hint = reword(d.hint);
  }
}

function reword(text: string): string {
  return text
    .replace(/add `([^`]+): \{\}` under `([^`:]+):`/g, 'add `$2: { $1: {} }`')
    .replace(/^([\w-]+):\n {2}([\w-]+): \{\}$/, '$1: { $2: {} }')
    .replace(/in the front matter `(\w+)`/g, "in the definition's `$1`")
    .replace(/`front matter`/g, 'the definition')
    .replace(/(?:in )?the front matter/g, (m) => (m.startsWith('in ') ? 'in the definition' : 'the definition'));
}
