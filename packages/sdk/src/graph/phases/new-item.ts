import type { Root } from 'mdast';
import type { ContentDocument, ContentItem, ItemKind } from '../types.ts';

/** The body of an item whose index has none. */
export const EMPTY_ROOT: Root = { type: 'root', children: [] };

/** An item with its index document and nothing derived yet. */
export function newItem(kind: ItemKind, name: string, dir: string, format: 'markdown' | 'typescript', index: ContentDocument): ContentItem {
  return {
    id: `${kind}:${name}`,
    kind,
    name,
    path: name,
    dir,
    format,
    files: [],
    documents: [index],
    data: undefined,
    mdast: EMPTY_ROOT,
    playground: undefined,
    tasks: [],
    references: [],
    assets: [],
    solutions: [],
    parent: undefined,
    children: [],
    order: 0,
  };
}
