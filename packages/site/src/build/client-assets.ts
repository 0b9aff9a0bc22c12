import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { contentTypeFor } from '@labkit/sdk';
import type { BrandFile, ClientAssetUrls } from '../shell/page-model.ts';
import { playgroundClientFiles } from '../playground/dev-mount.ts';

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
export async function loadClientAssets(base: string, withPlayground = false, brandFiles: BrandFile[] = []): Promise<{ files: ClientFile[]; urls: ClientAssetUrls }> {
  const files: ClientFile[] = [];
  const urls: Record<string, string> = {};
  for (const s of SOURCES) {
    const body = await readFile(new URL(`../client/${s.name}.${s.ext}`, import.meta.url));
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 10);
    const p = `_lk/${s.name}.${hash}.${s.ext}`;
    files.push({ path: p, contentType: s.type, body });
    urls[s.key] = base + p;
  }
  // A default favicon, so /favicon.ico is never a 404; an author's .ico (a brand file) replaces it.
  const authorIco = brandFiles.some((b) => b.path === 'favicon.ico');
  for (const name of authorIco ? ['favicon.svg'] : ['favicon.svg', 'favicon.ico']) {
    files.push({ path: name, contentType: contentTypeFor(name), body: await readFile(new URL(`../client/${name}`, import.meta.url)) });
  }
  // Logo, favicon and custom CSS from lab.config.ts: their names carry their digest.
  for (const b of brandFiles) files.push({ path: b.path, contentType: contentTypeFor(b.path), body: await readFile(b.source) });
  // The playground island imports xterm.js next to itself: one folder, named by its content.
  let playground: string | undefined;
  if (withPlayground) {
    const entries = Object.entries(playgroundClientFiles());
    const bodies = await Promise.all(entries.map(([, e]) => readFile(e.file)));
    const hash = createHash('sha256');
    for (const b of bodies) hash.update(b);
    const dir = `_lk/playground-${hash.digest('hex').slice(0, 10)}/`;
    entries.forEach(([name, e], i) => files.push({ path: dir + name, contentType: e.type, body: bodies[i]! }));
    playground = `${base}${dir}playground.js`;
  }
  return { files, urls: { css: urls['css']!, islands: urls['islands']!, search: urls['search']!, pagefind: `${base}pagefind/`, ...(playground ? { playground } : {}) } };
}
