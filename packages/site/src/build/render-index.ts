// The render cache's lean half (render-cache.ts has the rest): its
// versions, the digest it keys texts by, and reading search texts from its
// index. Nothing here imports the renderer, so a thread that only reads
// texts (a rebuild's early search feed, search-feed-worker.ts) does not
// load the SDK. search-index.ts is used inside functions only (it imports
// this module as well).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { RenderedDocument } from '@labkit/sdk';
import { textOf } from './search-index.ts';

/** Bump when {@link textOf} gives other text for the same HTML: render cache entries keep the text they were written with. */
// t2: code as written (no space between a code block's highlighting spans),
// and no control labels (Copy, Run, Check, Submit).
export const SEARCH_TEXT_VERSION = 't2';

/** Bump when the renderer's output changes for the same input. */
// r2: task titles instead of ids, quizzes, click-to-run, high-contrast code themes.
// r3: GFM, __static__ links and relative page links rewritten (the renderer's output changed for unchanged files).
// r4: reference-style links and images (`[text][ref]` + `[ref]: url`) resolved like inline ones.
export const RENDER_VERSION = 'r4';

export type Dep = [kind: 'asset' | 'card' | 'link', input: string, output: string];

export interface Entry {
  deps: Dep[];
  result: RenderedDocument;
  /** `textOf(result.html)`, as of {@link SEARCH_TEXT_VERSION} (entries written with `texts`). */
  text?: [version: string, text: string];
}

/** An entry's search text: the one stored with it when of this version, else extracted from its HTML. */
export const entryText = (entry: Entry): string => (entry.text?.[0] === SEARCH_TEXT_VERSION ? entry.text[1] : textOf(entry.result.html));

/** The digest a page digest gives an HTML string (build-site's `pageDigest`), and the render index keeps. */
export const htmlDigest = (html: string): string => createHash('sha256').update(html).digest('hex').slice(0, 24);

/** The render index's file in the cache folder (not an entry: prune keeps it). */
export const INDEX_FILE = 'index.jsonl';
export const ID = /^[0-9a-f]{32}$/;
/** The shape of an {@link htmlDigest}. */
export const DIGEST = /^[0-9a-f]{24}$/;
export const INDEX_HEADER = JSON.stringify({ index: 2, render: RENDER_VERSION, text: SEARCH_TEXT_VERSION });

/** An index line's entry id and search text digest, without parsing the rest of it. */
const ID_AND_TEXT = /^\["([0-9a-f]{32})",.*,"([0-9a-f]{24})"\]$/;

/**
 * Search texts by their digest, from a cache folder's render index and
 * entries as the last one-shot build left them: for work that starts
 * before this build's cache is used (a rebuild indexing the edited page's
 * search shard while the content loads, see search-index.ts). Undefined
 * without a usable index; the reader gives undefined for a digest the
 * index does not list and for an entry that is gone or no longer has that
 * text. Nothing is written, so a build using the cache meanwhile is not
 * disturbed.
 */
export async function indexedTexts(dir: string): Promise<((digest: string) => Promise<string | undefined>) | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(dir, INDEX_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  if (lines[0] !== INDEX_HEADER) return undefined;
  const ids = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const m = ID_AND_TEXT.exec(lines[i]!);
    if (m) ids.set(m[2]!, m[1]!);
  }
  return async (digest) => {
    const id = ids.get(digest);
    if (id === undefined) return undefined;
    try {
      const raw = await readFile(path.join(dir, `${id}.json`), 'utf8');
      // The text is the entry's last field (see #store): parsed alone, not with the HTML before it.
      const at = raw.lastIndexOf(',"text":[');
      let t: string | undefined;
      if (at !== -1 && raw.endsWith(']}')) {
        const field = JSON.parse(raw.slice(at + 8, -1)) as unknown;
        if (Array.isArray(field) && field[0] === SEARCH_TEXT_VERSION && typeof field[1] === 'string') t = field[1];
      }
      t ??= entryText(JSON.parse(raw) as Entry);
      return typeof t === 'string' && htmlDigest(t) === digest ? t : undefined;
    } catch {
      return undefined;
    }
  };
}
