import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from '@labkit/sdk';
import type { BundleOutputFile } from '@labkit/sdk';
import { cacheControlFor, contentDispositionFor, contentTypeFor } from './content-headers.ts';

/** One object to publish: its digest, headers and a way to get its bytes. */
export interface PublishFile {
  path: string;
  sha256: string;
  size: number;
  contentType: string;
  cacheControl: string;
  contentDisposition?: string;
  load(): Promise<Uint8Array>;
}

/** A bundle file (already in memory) as a publish object. */
export function bundlePublishFile(file: BundleOutputFile): PublishFile {
  return {
    path: file.path,
    sha256: file.sha256,
    size: file.size,
    contentType: contentTypeFor(file.path),
    cacheControl: cacheControlFor(file.path),
    ...disposition(file.path),
    load: async () => file.data,
  };
}

/**
 * Every file of a built site folder, hashed, with POSIX paths relative to
 * it, sorted. Bytes are read again at upload time rather than held: a big
 * site need not fit in memory twice.
 */
export async function readSiteFiles(siteDir: string): Promise<PublishFile[]> {
  const out: PublishFile[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      const abs = join(dir, e.name);
      if (e.isDirectory()) await walk(abs, path);
      else if (e.isFile()) {
        const data = await readFile(abs);
        out.push({
          path,
          sha256: sha256Hex(data),
          size: data.byteLength,
          contentType: contentTypeFor(path),
          cacheControl: cacheControlFor(path),
          ...disposition(path),
          load: () => readFile(abs),
        });
      }
    }
  };
  await walk(siteDir, '');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function disposition(path: string): { contentDisposition?: string } {
  const d = contentDispositionFor(path);
  return d ? { contentDisposition: d } : {};
}
