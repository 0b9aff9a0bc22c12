import type { Span } from '../diagnostics/diagnostic.ts';
import type { ContentDocument } from '../graph/types.ts';
import { pointerSegment } from '../parse/front-matter.ts';

/**
 * Span of a front matter path in a document: the key (or the value), or the
 * nearest ancestor that has a place, or the front matter block.
 */
export function placeOf(doc: ContentDocument, path: readonly (string | number)[], part: 'key' | 'value' = 'key'): Span {
  const places = doc.parsed.frontMatter.places;
  for (let n = path.length; n >= 0; n--) {
    let p = '';
    for (let i = 0; i < n; i++) p += '/' + pointerSegment(path[i] as string | number);
    const place = places[p];
    if (place) return (part === 'key' ? place.key : place.value) ?? place.value;
  }
  const s = doc.parsed.frontMatter.span;
  return { start: s.start, end: { line: s.start.line, column: s.start.column + 3 } };
}
