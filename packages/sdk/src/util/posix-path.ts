/**
 * Resolves `rel` against `dir`, both POSIX paths relative to a content root
 * (`a/b` + `../c.md` → `a/c.md`), or `undefined` when the result would leave
 * the root. The graph's file keys are POSIX on every OS, so `node:path` (which
 * follows the host) does not fit.
 */
export function resolvePosix(dir: string, rel: string): string | undefined {
  const out = dir ? dir.split('/') : [];
  for (const p of rel.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (!out.length) return undefined;
      out.pop();
    } else out.push(p);
  }
  return out.join('/');
}
