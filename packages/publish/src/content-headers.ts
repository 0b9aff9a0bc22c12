import { MANIFEST_PATH, BUNDLE_DIR } from '@labkit/sdk';

export { contentTypeFor } from '@labkit/sdk';

/** Hashed names never change content, so caches may keep them for a year. */
export const CACHE_IMMUTABLE = 'public, max-age=31536000, immutable';
/** Pages and the bundle change on every publish: short-lived, revalidated. */
export const CACHE_SHORT = 'public, max-age=60, must-revalidate';
/** The manifest is the pointer readers start from: always revalidated. */
export const CACHE_NONE = 'no-cache';
/** Everything else (images with plain names, search entry points). */
export const CACHE_DEFAULT = 'public, max-age=300';

/**
 * Whether a path names content-hashed bytes. Astro writes its bundles to
 * `_astro/` with a hash in the name, and Pagefind names its fragments and
 * indexes by hash. Elsewhere a name counts as hashed when the part before
 * the extension ends in `.<hash>` or `-<hash>`, the hash being 8-64 hex
 * digits with a letter and a digit (`cover.3f9a2c1b.png`), or 8 base64url
 * characters mixing upper case, lower case and digits (Vite's style,
 * `logo.B7x9kQ2m.svg`). Erring towards "not hashed" is cheap (a shorter
 * cache); calling a plain name immutable (`setup-ubuntu2204.sh`) would pin
 * stale bytes in caches for a year.
 */
export function isContentHashed(path: string): boolean {
  if (path.startsWith(`${BUNDLE_DIR}/`) || path === MANIFEST_PATH) return false;
  const segments = path.split('/');
  if (segments.includes('_astro')) return true;
  if (/(^|\/)pagefind\/(fragment|index)\//.test(path)) return true;
  const base = segments[segments.length - 1] ?? '';
  const hash = /[.-]([A-Za-z0-9_-]{8,64})\.[A-Za-z0-9]+$/.exec(base)?.[1];
  if (!hash) return false;
  if (/^[0-9a-f]+$/.test(hash)) return /[0-9]/.test(hash) && /[a-f]/.test(hash);
  return hash.length === 8 && /[0-9]/.test(hash) && /[a-z]/.test(hash) && /[A-Z]/.test(hash);
}

/** Cache-Control for a published path. */
export function cacheControlFor(path: string): string {
  if (path === MANIFEST_PATH) return CACHE_NONE;
  if (path.startsWith(`${BUNDLE_DIR}/`)) return CACHE_SHORT;
  if (/\.html?$/i.test(path)) return CACHE_SHORT;
  if (isContentHashed(path)) return CACHE_IMMUTABLE;
  return CACHE_DEFAULT;
}

/**
 * `Content-Disposition` for a published path: `attachment` for SVGs. Object
 * storage cannot attach a Content-Security-Policy to an object, so an SVG
 * opened on its own (a link, a new tab) is downloaded rather than rendered
 * on the site's origin, where a script in it would run; `<img>` ignores the
 * header, so pages show SVGs as before. docs/site.md says which CSP to add
 * at the CDN or web server as well.
 */
export function contentDispositionFor(path: string): string | undefined {
  return /\.svg$/i.test(path) ? 'attachment' : undefined;
}
