import type { Span } from '../diagnostics/diagnostic.ts';
import { dirName } from '../graph/discover.ts';
import { resolvePosix } from '../util/posix-path.ts';
import type { DocumentContext } from './rule.ts';

/** A URL with a scheme (`https:`, `javascript:`...). */
export const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * A relative path written in content (an image, a cover, a `__static__`
 * link) against the repository's files: `lab:missing-asset` for a
 * `__static__/` path (relative to the item), `lab:broken-link` otherwise.
 */
export function checkAssetPath(ctx: DocumentContext, url: string, span: Span): void {
  if (!url || SCHEME.test(url) || url.startsWith('/') || url.startsWith('#') || url.startsWith('//')) return;
  const clean = safeDecode(url.split('#')[0]?.split('?')[0] ?? '');
  if (!clean) return;
  const isStatic = clean.startsWith('__static__/');
  const target = resolvePosix(isStatic ? ctx.item.dir : dirName(ctx.file), clean);
  if (target !== undefined && ctx.files.has(target)) return;
  if (isStatic) {
    ctx.r.report('lab:missing-asset', ctx.file, span, `Missing asset "${clean}": no such file in the item's __static__ folder.`, {
      hint: `Add ${resolvePosix(ctx.item.dir, clean) ?? clean} or fix the path.`,
    });
  } else {
    ctx.r.report('lab:broken-link', ctx.file, span, `Broken link: "${clean}" does not exist.`);
  }
}

export function safeDecode(s: string): string {
  try {
    return decodeURI(s);
  } catch {
    return s;
  }
}

export function safeDecodeComponent(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
