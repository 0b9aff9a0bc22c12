import { createRequire } from 'node:module';
import type { ParseResult } from '@babel/parser';
import type { Span } from '../diagnostics/diagnostic.ts';
import { pointerSegment, type YamlPlace } from '../parse/front-matter.ts';
import type { LineIndex } from '../parse/line-index.ts';

/**
 * Places in a `*.lab.ts` source, read from its syntax tree (@babel/parser
 * with the TypeScript plugin), so a diagnostic about a definition points at
 * the offending value, as a Markdown one points into the YAML:
 *
 * - {@link definitionPlaces}: every property of the object given to
 *   `export default define*({...})` (or exported as a plain object), by JSON
 *   pointer (`/tasks/verify_x/run`), with its key and value spans;
 * - {@link tsSyntaxError}: where a file that does not parse breaks.
 */

type Node = { type: string; start?: number | null; end?: number | null; [k: string]: unknown };

const memo = new Map<string, Record<string, YamlPlace> | undefined>();

/**
 * @babel/parser is loaded on the first `*.lab.ts` file: content of Markdown
 * only (most folders, every fresh rebuild of one) does not pay its ~25 ms.
 */
let babelParse: typeof import('@babel/parser').parse | undefined;
function parseModule(source: string): ParseResult {
  babelParse ??= (createRequire(import.meta.url)('@babel/parser') as typeof import('@babel/parser')).parse;
  return babelParse(source, { sourceType: 'module', plugins: ['typescript'], errorRecovery: false });
}

/**
 * Key and value places of the definition's properties, by JSON pointer from
 * the definition's root; `undefined` when the source does not parse or has
 * no default-exported object literal. Memoised by source text (a `.lab.ts`
 * with units asks once per document).
 */
export function definitionPlaces(source: string, lines: LineIndex): Record<string, YamlPlace> | undefined {
  if (memo.has(source)) return memo.get(source);
  let out: Record<string, YamlPlace> | undefined;
  try {
    const ast = parseModule(source) as unknown as { program: { body: Node[] } };
    const root = definitionObject(ast.program.body);
    if (root) {
      out = {};
      walk(root, '', out, lines);
    }
  } catch {
    out = undefined;
  }
  if (memo.size > 256) memo.clear();
  memo.set(source, out);
  return out;
}

/** Places below `base` (a pointer like `/units/0`), re-rooted at it. */
export function placesBelow(all: Record<string, YamlPlace>, base: string): Record<string, YamlPlace> {
  if (!base) return all;
  const out: Record<string, YamlPlace> = {};
  for (const [p, place] of Object.entries(all)) if (p.startsWith(base + '/')) out[p.slice(base.length)] = place;
  return out;
}

/** JSON pointer of a path, as the front matter places are keyed. */
export function pointerOf(path: readonly (string | number)[]): string {
  return path.map((p) => '/' + pointerSegment(p)).join('');
}

/** The object literal a definition file default-exports (through `define*()`, `satisfies`, `as`). */
function definitionObject(body: Node[]): Node | undefined {
  const names = new Map<string, Node>();
  for (const st of body) {
    if (st.type === 'VariableDeclaration') {
      for (const d of (st['declarations'] as Node[]) ?? []) {
        const id = d['id'] as Node | undefined;
        if (id?.type === 'Identifier' && d['init']) names.set(id['name'] as string, d['init'] as Node);
      }
    }
  }
  for (const st of body) {
    if (st.type !== 'ExportDefaultDeclaration') continue;
    let e = st['declaration'] as Node | undefined;
    for (let i = 0; e && i < 8; i++) {
      if (e.type === 'ObjectExpression') return e;
      if (e.type === 'CallExpression') e = ((e['arguments'] as Node[]) ?? [])[0];
      else if (e.type === 'TSSatisfiesExpression' || e.type === 'TSAsExpression' || e.type === 'ParenthesizedExpression' || e.type === 'TSNonNullExpression') e = e['expression'] as Node;
      else if (e.type === 'Identifier') e = names.get(e['name'] as string);
      else return undefined;
    }
  }
  return undefined;
}

/** Values worth descending into: literals, and helper calls that wrap one (`task({...})`). */
function inner(v: Node): Node {
  let e = v;
  for (let i = 0; i < 4; i++) {
    if (e.type === 'CallExpression' && ((e['arguments'] as Node[]) ?? [])[0]) e = (e['arguments'] as Node[])[0]!;
    else if (e.type === 'TSSatisfiesExpression' || e.type === 'TSAsExpression' || e.type === 'TSNonNullExpression') e = e['expression'] as Node;
    else break;
  }
  return e;
}

function span(n: Node, lines: LineIndex): Span | undefined {
  return typeof n.start === 'number' && typeof n.end === 'number' ? lines.span(n.start, n.end) : undefined;
}

function keyName(k: Node): string | undefined {
  if (k.type === 'Identifier') return k['name'] as string;
  if (k.type === 'StringLiteral' || k.type === 'NumericLiteral') return String(k['value']);
  return undefined;
}

function walk(node: Node, pointer: string, out: Record<string, YamlPlace>, lines: LineIndex): void {
  const n = inner(node);
  if (n.type === 'ObjectExpression') {
    for (const p of (n['properties'] as Node[]) ?? []) {
      if (p.type !== 'ObjectProperty' && p.type !== 'ObjectMethod') continue;
      const name = keyName(p['key'] as Node);
      if (name === undefined) continue;
      const at = `${pointer}/${pointerSegment(name)}`;
      const key = span(p['key'] as Node, lines);
      const valueNode = p.type === 'ObjectProperty' ? (p['value'] as Node) : p;
      const value = span(valueNode, lines);
      if (key) out[at] = { key, value: value ?? key };
      if (p.type === 'ObjectProperty') walk(valueNode, at, out, lines);
    }
  } else if (n.type === 'ArrayExpression') {
    ((n['elements'] as (Node | null)[]) ?? []).forEach((el, i) => {
      if (!el || el.type === 'SpreadElement') return;
      const at = `${pointer}/${i}`;
      const s = span(el, lines);
      if (s) out[at] = { key: s, value: s };
      walk(el, at, out, lines);
    });
  }
}

/**
 * Where a `.lab.ts` source fails to parse, with the parser's own message
 * (`Unexpected token, expected ","`), or `undefined` when it parses (the
 * import failed for another reason).
 */
export function tsSyntaxError(source: string, lines: LineIndex): { span: Span; message: string } | undefined {
  try {
    parseModule(source);
    return undefined;
  } catch (error) {
    const e = error as { loc?: { line: number; column: number; index?: number }; pos?: number; message?: string };
    if (!e.loc) return undefined;
    const offset = typeof e.loc.index === 'number' ? e.loc.index : typeof e.pos === 'number' ? e.pos : lines.lineStart(e.loc.line) + e.loc.column;
    const end = tokenEnd(source, offset);
    return { span: lines.span(offset, end), message: (e.message ?? 'Syntax error').replace(/\s*\(\d+:\d+\)\s*$/, '') };
  }
}

/** End of the word (or single character) at `offset`, for a caret under the offending token. */
function tokenEnd(source: string, offset: number): number {
  const m = /^[\p{L}\p{N}_$]+/u.exec(source.slice(offset, offset + 200));
  return offset + (m ? m[0].length : source.length > offset ? 1 : 0);
}

/**
 * Where a module that parses failed while it ran: the first stack frame in
 * the file itself (`file:///…/x.lab.ts:12:7`), else `undefined`.
 */
export function tsRuntimeErrorSpan(stack: string | undefined, fileUrl: string, lines: LineIndex): Span | undefined {
  if (!stack) return undefined;
  // `file:///…` under Node, a plain path where a loader rewrote the stack.
  const alternatives = [fileUrl, decodeURIComponent(fileUrl.replace(/^file:\/\//, ''))].map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const m = new RegExp(`(?:${alternatives.join('|')})(?:\\?[^:\\s)]*)?:(\\d+):(\\d+)`).exec(stack);
  if (!m) return undefined;
  const line = Number(m[1]);
  const column = Number(m[2]);
  const start = lines.lineStart(line) + column - 1;
  return lines.span(start, start + 1);
}
