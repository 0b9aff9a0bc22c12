import type { Nodes, Root } from 'mdast';
import type { Processor } from 'unified';
import { unified } from 'unified';
import remarkParse from 'remark-parse';
import remarkGfm from 'remark-gfm';
import remarkMdc from 'remark-mdc';
import { combineExtensions } from 'micromark-util-combine-extensions';
import { gfmAutolinkLiteral } from 'micromark-extension-gfm-autolink-literal';
import { gfmFootnote } from 'micromark-extension-gfm-footnote';
import { gfmStrikethrough } from 'micromark-extension-gfm-strikethrough';
import { gfmTable } from 'micromark-extension-gfm-table';
import { gfmTaskListItem } from 'micromark-extension-gfm-task-list-item';
import { gfmAutolinkLiteralFromMarkdown } from 'mdast-util-gfm-autolink-literal';
import { gfmFootnoteFromMarkdown } from 'mdast-util-gfm-footnote';
import { gfmStrikethroughFromMarkdown } from 'mdast-util-gfm-strikethrough';
import { gfmTableFromMarkdown } from 'mdast-util-gfm-table';
import { gfmTaskListItemFromMarkdown } from 'mdast-util-gfm-task-list-item';
import { getComponent } from '../components/registry.ts';

let processor: Processor<Root, Root, Root> | undefined;

// Any change here that alters a parse bumps PARSE_REVISION (parse-revision.ts).
export { PARSE_REVISION } from './parse-revision.ts';

/**
 * The one unified processor (remark-parse + remark-mdc + remark-gfm), built
 * once. MDC comes before GFM, as in Nuxt Content (the platform's renderer
 * adds remark-mdc, then its remark plugins, remark-gfm among them). Order
 * matters: the other way round MDC reads a footnote reference `[^1]` as a
 * `[span]` and the footnote is lost.
 */
export function markdownProcessor(): Processor<Root, Root, Root> {
  processor ??= unified().use(remarkParse).use(remarkMdc).use(remarkGfm) as unknown as Processor<Root, Root, Root>;
  return processor;
}

/**
 * Parses Markdown + MDC into mdast with positions on every node.
 * `text` must keep the file's offsets (front matter blanked, not cut), so
 * positions are the file's own.
 *
 * The tree is the one {@link markdownProcessor} gives, but a GFM construct
 * costs on every word or line whether the text has one or not (an email
 * autolink literal is tried at the start of every word, a table at the start
 * of every paragraph line), so the parse runs with only the GFM extensions
 * the text can use: see {@link gfmNeeds}.
 */
export function parseMarkdown(text: string): Root {
  const needs = gfmNeeds(text);
  let tree: Root | undefined;
  if (needs & AUTOLINK && !autolinkLikelyInProse(text)) {
    // Every autolink trigger may sit where no autolink literal can start
    // (a link's destination, code, HTML): parse without, keep it if so.
    const p = gfmProcessor(needs & ~AUTOLINK);
    const candidate = p.runSync(p.parse(text)) as Root;
    if (!autolinkCouldApply(candidate, text)) tree = candidate;
  }
  if (!tree) {
    const p = gfmProcessor(needs);
    tree = p.runSync(p.parse(text)) as Root;
  }
  restoreBareColonWords(tree as AnyNode, text);
  return tree;
}

/**
 * The reference parse: {@link markdownProcessor} with every GFM extension,
 * no shortcut. {@link parseMarkdown} must give the same tree (tested on the
 * corpus and crafted documents).
 */
export function parseMarkdownFull(text: string): Root {
  const p = markdownProcessor();
  const tree = p.runSync(p.parse(text)) as Root;
  restoreBareColonWords(tree as AnyNode, text);
  return tree;
}

// The five GFM extensions remark-gfm adds, as bits, in remark-gfm's order.
const AUTOLINK = 1;
const FOOTNOTE = 2;
const STRIKETHROUGH = 4;
const TABLE = 8;
const TASK_LIST = 16;
const ALL = 31;

/**
 * Which GFM extensions can change the parse of `text`, from the characters
 * each construct cannot start or exist without (micromark-extension-gfm-*
 * 2.x, mdast-util-gfm-* 2.x). A superset is always safe; a missing bit
 * would change a tree, so each test errs wide:
 * - autolink literal: `www.` / `http://` / `https://` (any case) or `@`
 *   (email, also `mailto:`/`xmpp:`); the mdast transform also finds them in
 *   text nodes, whose values can come from character references (`&#64;`),
 *   so any `&` followed by `#` or a letter counts too;
 * - footnote: a call or definition starts with `[^`;
 * - strikethrough: `~`;
 * - table: a table has a delimiter row, a line of `|`, `:`, `-`, spaces
 *   and tabs with a `-` and a `|` or `:` (`a\n:-` is a one-column table),
 *   after blockquote markers and indentation (a list item cannot start on
 *   it: the head row above would be outside that item); a `|` in a code
 *   block alone needs no table;
 * - task list item: `[` followed by `x`, `X`, a space, tab or line ending.
 */
export function gfmNeeds(text: string): number {
  let needs = 0;
  if (/www\.|https?:\/\/|@|&[#a-z]/i.test(text)) needs |= AUTOLINK;
  if (text.includes('[^')) needs |= FOOTNOTE;
  if (text.includes('~')) needs |= STRIKETHROUGH;
  if (hasDelimiterRowLine(text)) needs |= TABLE;
  if (/\[[\sxX]/.test(text)) needs |= TASK_LIST;
  return needs;
}

/**
 * A guess, never a guarantee: whether `text` has an autolink trigger in
 * prose (outside fenced code and code spans, not right after `(`, `<` or a
 * quote), where parsing without autolink literals first would be wasted.
 * Whether the tree without them may be kept is {@link autolinkCouldApply}'s.
 */
function autolinkLikelyInProse(text: string): boolean {
  let fence = '';
  for (const line of text.split('\n')) {
    const f = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (!fence) fence = f[1] as string;
      else if (line.trim().startsWith(fence)) fence = '';
      continue;
    }
    if (fence) continue;
    if (/(^|[^(<`"'=\w.+/-])(www\.|https?:\/\/)|\w@/i.test(line.replace(/`[^`]*`/g, ''))) return true;
  }
  return false;
}

/** Whether a line of `text` could be a table's delimiter row (see {@link gfmNeeds}); linear, no regex backtracking. */
function hasDelimiterRowLine(text: string): boolean {
  let from = text.indexOf('-');
  while (from !== -1) {
    // A line ends at LF, CR or CRLF (CommonMark): a file with bare CR line
    // endings has its delimiter row on a "line" of its own too.
    let start = from;
    while (start > 0 && text[start - 1] !== '\n' && text[start - 1] !== '\r') start--;
    let end = from;
    while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
    while (start < end && (text[start] === ' ' || text[start] === '\t' || text[start] === '>')) start++;
    let dash = false;
    let mark = false;
    let other = false;
    for (let i = start; i < end && !other; i++) {
      const c = text[i];
      if (c === '-') dash = true;
      else if (c === '|' || c === ':') mark = true;
      else if (c !== ' ' && c !== '\t') other = true;
    }
    if (dash && mark && !other) return true;
    from = end === text.length ? -1 : text.indexOf('-', end + 1);
  }
  return false;
}

const processors = new Map<number, Processor<Root, Root, Root>>();

/** The processor with remark-parse, remark-mdc and the GFM extensions in `mask` (cached, 32 at most). */
function gfmProcessor(mask: number): Processor<Root, Root, Root> {
  if (mask === ALL) return markdownProcessor();
  let p = processors.get(mask);
  if (!p) {
    // What remark-gfm does, with a subset: one combined micromark extension
    // and the mdast ones in the same order, so the constructs that remain
    // are tried in the same order as with all five.
    const micromark: Array<ReturnType<typeof gfmTable>> = [];
    const mdast: Array<ReturnType<typeof gfmTableFromMarkdown>> = [];
    if (mask & AUTOLINK) micromark.push(gfmAutolinkLiteral()), mdast.push(gfmAutolinkLiteralFromMarkdown());
    if (mask & FOOTNOTE) micromark.push(gfmFootnote()), mdast.push(gfmFootnoteFromMarkdown());
    if (mask & STRIKETHROUGH) micromark.push(gfmStrikethrough()), mdast.push(gfmStrikethroughFromMarkdown());
    if (mask & TABLE) micromark.push(gfmTable()), mdast.push(gfmTableFromMarkdown());
    if (mask & TASK_LIST) micromark.push(gfmTaskListItem()), mdast.push(gfmTaskListItemFromMarkdown());
    const base = unified().use(remarkParse).use(remarkMdc);
    if (mask) {
      base.use(function gfmSubset(this: Processor) {
        const data = this.data() as { micromarkExtensions?: unknown[]; fromMarkdownExtensions?: unknown[] };
        (data.micromarkExtensions ??= []).push(combineExtensions(micromark));
        (data.fromMarkdownExtensions ??= []).push(mdast);
      });
    }
    p = base as unknown as Processor<Root, Root, Root>;
    processors.set(mask, p);
  }
  return p;
}

const AUTOLINK_TRIGGER = /www\.|https?:\/\/|@/gi;
const AUTOLINK_TRIGGER_ONCE = /www\.|https?:\/\/|@/i;
/** Nodes whose own source (outside their children) text constructs never see. */
const OPAQUE = new Set(['code', 'inlineCode', 'html', 'definition', 'link', 'linkReference', 'image', 'imageReference']);

/**
 * Whether remark-gfm's autolink literals could change `tree`, a parse of
 * `text` without them. They cannot when (1) every trigger in the source
 * (`www.`, `http(s)://`, `@`) lies in code, HTML, a definition or a link's
 * or image's own syntax (its destination, title or reference), none of which
 * the text tokenizer visits, so no literal can start there or run into it
 * (the parse is the same up to the first literal, and a literal starts at
 * its `www.`/`http` or is a run of letters, digits and `+-._` ending in `@`),
 * and (2) no text node value and no image alt holds a trigger: the mdast
 * transform looks for literals in text values, which character references
 * can produce.
 */
function autolinkCouldApply(tree: Root, text: string): boolean {
  const offsets: number[] = [];
  for (const m of text.matchAll(AUTOLINK_TRIGGER)) offsets.push(m.index);
  if (offsets.length > 0 && !ownedByOpaque(tree, offsets, 0, offsets.length)) return true;
  return valueHasTrigger(tree);
}

/** Whether every offset in `offsets[from..to)` (sorted, within `node`) belongs to an opaque node. */
function ownedByOpaque(node: Nodes, offsets: number[], from: number, to: number): boolean {
  if (OPAQUE.has(node.type) && node.type !== 'link' && node.type !== 'linkReference') return true;
  const children = 'children' in node ? (node.children as Nodes[]) : [];
  let i = from;
  for (const child of children) {
    const s = child.position?.start.offset;
    const e = child.position?.end.offset;
    if (s === undefined || e === undefined) return false;
    // Offsets before this child belong to `node` itself.
    if (i < to && (offsets[i] as number) < s && !OPAQUE.has(node.type)) return false;
    while (i < to && (offsets[i] as number) < s) i++;
    let j = i;
    while (j < to && (offsets[j] as number) < e) j++;
    if (j > i && !ownedByOpaque(child, offsets, i, j)) return false;
    i = j;
  }
  return i >= to || OPAQUE.has(node.type);
}

function valueHasTrigger(node: Nodes): boolean {
  if (node.type === 'text' && AUTOLINK_TRIGGER_ONCE.test(node.value)) return true;
  if ((node.type === 'image' || node.type === 'imageReference') && node.alt && AUTOLINK_TRIGGER_ONCE.test(node.alt)) return true;
  if ('children' in node) for (const c of node.children as Nodes[]) if (valueHasTrigger(c)) return true;
  return false;
}

interface AnyNode {
  type: string;
  name?: string;
  value?: string;
  children?: AnyNode[];
  attributes?: Record<string, unknown>;
  position?: { start: { line: number; column: number; offset?: number }; end: { line: number; column: number; offset?: number } };
}
/**
 * Trap: remark-mdc reads a space followed by `:word` (`image :latest`,
 * `port :8080`) as an inline component. A bare `:word` (no `{}` or `[]`)
 * whose name is no known inline component is prose, so it goes back to text
 * and merges with its neighbours.
 */
function restoreBareColonWords(node: AnyNode, text: string): void {
  const children = node.children;
  if (!children) return;
  let changed = false;
  for (let i = 0; i < children.length; i++) {
    const c = children[i] as AnyNode;
    if (c.type === 'textComponent' && c.name && !isKnownInline(c.name) && (!c.children || c.children.length === 0)) {
      const s = c.position?.start.offset;
      const e = c.position?.end.offset;
      if (s !== undefined && e !== undefined && text.slice(s, e) === ':' + c.name) {
        children[i] = { type: 'text', value: ':' + c.name, position: c.position };
        changed = true;
        continue;
      }
    }
    if (c.children) restoreBareColonWords(c, text);
  }
  if (!changed) return;
  const merged: AnyNode[] = [];
  for (const c of children) {
    const prev = merged[merged.length - 1];
    if (prev && prev.type === 'text' && c.type === 'text' && prev.position && c.position) {
      merged[merged.length - 1] = {
        type: 'text',
        value: (prev.value ?? '') + (c.value ?? ''),
        position: { start: prev.position.start, end: c.position.end },
      };
    } else merged.push(c);
  }
  node.children = merged;
}

function isKnownInline(name: string): boolean {
  return getComponent(name)?.form === 'inline';
}
