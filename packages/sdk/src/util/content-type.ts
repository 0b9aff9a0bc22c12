import { lookup } from 'mrmime';

// Where mime-db (through mrmime) answers something a browser or a CDN would
// get wrong for a lab site: `.ts` is a content file here, not an MPEG stream.
const OVERRIDES: Record<string, string> = { ts: 'text/plain', sh: 'text/plain', ico: 'image/x-icon', xml: 'application/xml' };
const TEXTUAL = /^text\/|^application\/(?:json|manifest\+json|xml|javascript)$/;

/**
 * The Content-Type for a file name, from its extension (case-insensitive):
 * text types carry `charset=utf-8`; unknown extensions are bytes
 * (`application/octet-stream`). Used by `lab dev` and `lab publish`.
 */
export function contentTypeFor(file: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(file)?.[1]?.toLowerCase();
  const type = ext ? (OVERRIDES[ext] ?? lookup(ext)) : undefined;
  if (!type) return 'application/octet-stream';
  return TEXTUAL.test(type) ? `${type}; charset=utf-8` : type;
}
