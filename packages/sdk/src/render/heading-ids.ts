import type { Nodes, Root } from 'mdast';

/**
 * Heading ids, the one slugger: the renderer gives `h2`-`h4` these ids and
 * `lab validate` checks `#anchor` links against them, so a link that passes
 * validation scrolls on the page.
 */
export class HeadingSlugger {
  private readonly seen = new Map<string, number>();

  /** The id of the next heading with this text: `Set up Docker` → `set-up-docker`, then `set-up-docker-1`. */
  slug(text: string): string {
    const base = text.toLowerCase().replace(/[^\p{L}\p{N}\s-]/gu, '').trim().replace(/\s+/g, '-') || 'section';
    const n = this.seen.get(base) ?? 0;
    this.seen.set(base, n + 1);
    return n ? `${base}-${n}` : base;
  }
}

/** Depths that get an id (and a table-of-contents entry). */
export const ANCHORED_DEPTHS = new Set([2, 3, 4]);

const memo = new WeakMap<Root, Set<string>>();

/** Ids the renderer gives the headings of a document body (memoised per tree). */
export function headingIds(root: Root): Set<string> {
  let ids = memo.get(root);
  if (ids) return ids;
  ids = new Set();
  const slugger = new HeadingSlugger();
  const walk = (n: Nodes): void => {
    if (n.type === 'heading') {
      if (ANCHORED_DEPTHS.has(n.depth)) ids!.add(slugger.slug(plainText(n)));
      return;
    }
    if (n.type === 'code' || n.type === 'html') return;
    if ('children' in n) for (const c of n.children) walk(c as Nodes);
  };
  walk(root);
  memo.set(root, ids);
  return ids;
}

function plainText(n: Nodes): string {
  if (n.type === 'text' || n.type === 'inlineCode') return n.value;
  if (n.type === 'html' || n.type === 'footnoteReference') return '';
  if ('children' in n) return n.children.map((c) => plainText(c as Nodes)).join('');
  return '';
}
