import type { ParsedDocument } from '../parse/parse-document.ts';
import { digestOf } from '../parse/parse-document.ts';
import { LineIndex } from '../parse/line-index.ts';
import { parseMarkdown } from '../parse/markdown.ts';
import { pointerSegment, type YamlPlace } from '../parse/front-matter.ts';
import { definitionPlaces, placesBelow, pointerOf } from '../define/ts-source.ts';

/**
 * A ParsedDocument for content defined in TypeScript: the metadata is the
 * front matter, the body is parsed by the same pipeline. When the body is a
 * literal found verbatim in the `.lab.ts` source, its mdast positions are
 * moved there, so diagnostics point into the `.lab.ts` file itself.
 */
export function virtualDocument(file: string, tsSource: string, data: Record<string, unknown>, body: string | undefined, base: readonly (string | number)[] = []): ParsedDocument {
  const lines = new LineIndex(tsSource);
  const mdast = parseMarkdown(body ?? '');
  const at = body ? tsSource.indexOf(body) : -1;
  if (body && at !== -1) shiftPositions(mdast, lines.point(at), at);
  return {
    file,
    // A body with escapes (`'a\\nb'`) is not in the source verbatim: its
    // positions are then the body's own lines, so the source is the body.
    source: body && at === -1 ? body : tsSource,
    digest: digestOf(tsSource + '\0' + (body ?? '')),
    frontMatter: {
      present: true,
      data,
      span: lines.span(0, 0),
      places: placesOf(tsSource, lines, data, base),
      bodyOffset: 0,
    },
    mdast,
    diagnostics: [],
  };
}

/**
 * Places of the metadata at `base` in the definition (`[]` for the item,
 * `['units', 0]` for its first unit): from the syntax tree when the file
 * parses and the definition is an object literal, else the first `key:` in
 * the source (a definition built by a function).
 */
function placesOf(source: string, lines: LineIndex, data: Record<string, unknown>, base: readonly (string | number)[]): Record<string, YamlPlace> {
  const all = definitionPlaces(source, lines);
  if (all) {
    const below = placesBelow(all, pointerOf(base));
    if (Object.keys(below).length) return below;
  }
  return guessPlaces(source, lines, data);
}

interface Positioned {
  position?: { start: { line: number; column: number; offset?: number }; end: { line: number; column: number; offset?: number } };
  children?: Positioned[];
}

/**
 * Moves positions of a body parsed on its own to where the body literal
 * sits in the `.lab.ts` (only the first line shifts columns).
 */
function shiftPositions(node: Positioned, at: { line: number; column: number }, offset: number): void {
  const move = (p: { line: number; column: number; offset?: number }): void => {
    if (p.line === 1) p.column += at.column - 1;
    p.line += at.line - 1;
    if (p.offset !== undefined) p.offset += offset;
  };
  if (node.position) {
    move(node.position.start);
    move(node.position.end);
  }
  for (const c of node.children ?? []) shiftPositions(c, at, offset);
}

/**
 * Best-effort places for TypeScript metadata: the first `key:` in the
 * source for top-level keys and for task names. TypeScript itself reports
 * type errors at exact places; these only anchor content diagnostics.
 */
function guessPlaces(source: string, lines: LineIndex, data: Record<string, unknown>): Record<string, YamlPlace> {
  const places: Record<string, YamlPlace> = {};
  const find = (key: string, from: number): number => {
    const re = new RegExp(`(?:^|[\\s{,])(['"]?)${key.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}\\1\\s*:`, 'g');
    re.lastIndex = from;
    const m = re.exec(source);
    return m ? m.index + m[0].indexOf(key) - (m[1] ? 1 : 0) : -1;
  };
  for (const key of Object.keys(data)) {
    const at = find(key, 0);
    if (at === -1) continue;
    const span = lines.span(at, at + key.length);
    places['/' + pointerSegment(key)] = { key: span, value: span };
    const value = data[key];
    if (key === 'tasks' && value && typeof value === 'object') {
      for (const name of Object.keys(value)) {
        const t = find(name, at);
        if (t === -1) continue;
        const s = lines.span(t, t + name.length);
        places[`/tasks/${pointerSegment(name)}`] = { key: s, value: s };
      }
    }
  }
  return places;
}
