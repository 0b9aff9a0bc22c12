import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import type { ClientAssetUrls } from '../shell/page-model.ts';

/** One of the site's own files (stylesheet, islands), served or written as is. */
export interface ClientFile {
  /** Path under the site root, e.g. `_lk/site.1a2b3c4d.css`. */
  path: string;
  contentType: string;
  body: Buffer;
}

const SOURCES = [
  { name: 'site', ext: 'css', key: 'css', type: 'text/css; charset=utf-8' },
  { name: 'islands', ext: 'js', key: 'islands', type: 'text/javascript; charset=utf-8' },
  { name: 'search', ext: 'js', key: 'search', type: 'text/javascript; charset=utf-8' },
] as const;

/**
 * The site's CSS and island scripts with content-hashed names. `lab dev`
 * serves these same files (see `ClientFile`), so both show the same look.
 */
export async function loadClientAssets(base: string): Promise<{ files: ClientFile[]; urls: ClientAssetUrls }> {
  const files: ClientFile[] = [];
  const urls: Record<string, string> = {};
  for (const s of SOURCES) {
    const body = await readFile(new URL(`../client/${s.name}.${s.ext}`, import.meta.url));
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 10);
    const p = `_lk/${s.name}.${hash}.${s.ext}`;
    files.push({ path: p, contentType: s.type, body });
    urls[s.key] = base + p;
  }
  return { files, urls: { css: urls['css']!, islands: urls['islands']!, search: urls['search']!, pagefind: `${base}pagefind/` } };
}
