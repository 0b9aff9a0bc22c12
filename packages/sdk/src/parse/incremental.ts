import type { Root, RootContent } from 'mdast';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { findFrontMatter, parseFrontMatter, type FrontMatter } from './front-matter.ts';
import { LineIndex } from './line-index.ts';
import { contentLimits, estimateParseMs, nestingDiagnostic } from './limits.ts';
import { parseMarkdown } from './markdown.ts';
import { digestOf, type ParsedDocument } from './parse-document.ts';

/**
 * Incremental re-parse for `lab dev`: a save usually changes one block of a
 * long page, so only the top-level blocks around the change are parsed again
 * and the previous tree's other blocks are reused (the ones after the change
 * copied with their positions shifted). The result must be the tree a full
 * parse gives, positions included (test/parse/incremental.test.ts holds it
 * to that on every Markdown file of the corpus and examples under seeded
 * random edits); whenever that is not certain this returns `undefined` and
 * the caller parses the whole file as before.
 *
 * Why the reuse is exact. micromark reads blocks line by line. The document
 * is cut only at a *hard boundary*: a line at column 1 that starts a
 * top-level node of the tree, follows a blank line, and begins with a letter,
 * `#`, a backtick, `~`, `!` or `[` (no list marker, `>`, indentation, `:`,
 * `<`, `|` or `-`). After a blank line such a line continues nothing still
 * open that it did not continue before (a paragraph, table or HTML block of
 * kind 6/7 ended at the blank line, a list or blockquote or indented code
 * ends at a non-indented line that is no list item or `>`), and what is open
 * across a blank line until an end marker (fenced code, HTML of kinds 1-5,
 * MDC `::` blocks) had already closed in the unchanged text before it:
 * - before the change: the text up to the cut is the same as before, so its
 *   blocks are the previous tree's (kept as they are);
 * - the changed region: parsed alone from the cut, with the next line after
 *   it, and kept only if that line starts a top-level node of its own there
 *   (nothing in the region is left open: an unclosed fence or `::` block
 *   would run over it);
 * - after the change: the same text from a hard boundary whose blank line
 *   before it is unchanged too, so the same blocks, shifted by the change in
 *   length and lines (columns stay: the cut is at a line start).
 * What ties blocks together across the document is refused outright: link
 * reference and footnote definitions (they change how every `[x]` reads),
 * and carriage returns (the line logic here counts LF only).
 */
export function reparseMarkdown(oldBody: string, oldTree: Root, newBody: string, maxRegionMs: number): Root | undefined {
  if (oldBody === newBody) return undefined;
  if (oldBody.includes('\r') || newBody.includes('\r')) return undefined;
  if ((oldBody.includes(']:') || newBody.includes(']:')) && hasDefinition(oldTree)) return undefined;
  const blocks = oldTree.children;
  if (blocks.length === 0) return undefined;
  // The changed span: [p, oldEnd) of the old text became [p, newEnd) of the new.
  const p = commonPrefix(oldBody, newBody);
  const s = commonSuffix(oldBody, newBody, Math.min(oldBody.length, newBody.length) - p);
  const oldEnd = oldBody.length - s;
  const delta = newBody.length - oldBody.length;

  // The cut before the change: the last top-level block that starts at a
  // hard boundary of the new text at or before p (or the document start).
  let first = 0;
  let a = 0;
  for (let i = blocks.length - 1; i > 0; i--) {
    const start = startOf(blocks[i]!);
    if (start === undefined) return undefined;
    if (start > p) continue;
    if (blocks[i]!.position!.start.column === 1 && hardBoundary(newBody, start)) {
      first = i;
      a = start;
      break;
    }
  }
  // The cut after it: the first block whose boundary (with its blank line before) is wholly after the change.
  let last = blocks.length; // blocks[last..] are reused, shifted
  let b = oldBody.length;
  for (let j = first + 1; j < blocks.length; j++) {
    const start = startOf(blocks[j]!);
    if (start === undefined) return undefined;
    if (start <= oldEnd) continue;
    const blank = lineStartBefore(oldBody, start);
    if (blank < oldEnd || blank <= a) continue;
    if (blocks[j]!.position!.start.column === 1 && hardBoundary(oldBody, start)) {
      last = j;
      b = start;
      break;
    }
  }
  const regionEnd = b + delta; // in the new text
  // With a block after the region, parse the region plus that block's first line.
  let parseEnd = newBody.length;
  if (last < blocks.length) {
    const nl = newBody.indexOf('\n', regionEnd);
    parseEnd = nl === -1 ? newBody.length : nl;
  }
  const region = newBody.slice(a, parseEnd);
  if (estimateParseMs(region) > maxRegionMs) return undefined;
  const part = parseMarkdown(region);
  const fresh = part.children;
  if (last < blocks.length) {
    const tail = fresh[fresh.length - 1];
    if (!tail || startOf(tail) !== regionEnd - a) return undefined;
    fresh.pop();
  }
  if (hasDefinition(part)) return undefined;

  const aPoint = a === 0 ? { line: 1, column: 1 } : pointAt(newBody, a);
  const children: RootContent[] = blocks.slice(0, first);
  const regionShift: Shift = { offset: a, line: aPoint.line - 1 };
  for (const node of fresh) children.push(shifted(node, regionShift) as RootContent);
  if (last < blocks.length) {
    const oldLine = blocks[last]!.position!.start.line;
    const newLine = pointAt(newBody, regionEnd).line;
    const tailShift: Shift = { offset: delta, line: newLine - oldLine };
    for (let j = last; j < blocks.length; j++) children.push(shifted(blocks[j]!, tailShift) as RootContent);
  }
  const end = pointAt(newBody, newBody.length);
  return { type: 'root', children, position: { start: { line: 1, column: 1, offset: 0 }, end: { ...end, offset: newBody.length } } };
}

/**
 * A save's parse from the previous parse of the same file: the front
 * matter is kept when its text did not change, the body is re-parsed with
 * {@link reparseMarkdown}; when the front matter changed, it is parsed
 * again and the body's tree moved (see `reparseFrontMatter`), then the
 * body re-parsed around its own change, if any. The
 * content limits hold as for a full parse: the
 * size and nesting checks run on the whole new text (a file over them gives
 * `undefined`, and the full parse reports it), and only a region whose
 * worst-case estimate fits `inPlaceBudgetMs` is parsed here, on the caller's
 * thread (a file longer than `guardAboveChars` is not re-parsed at all).
 * `undefined` whenever the result would not be certain to equal
 * `parseDocument(source)`: the caller then parses the file as before.
 * `LABKIT_REPARSE=0` in the environment turns it off (every save parses
 * the whole file): the before of bench/dev-reload, and a way out should a
 * page ever render differently after a save than after a restart.
 */
export function reparseDocument(previous: ParsedDocument, source: string, guard: { inPlaceBudgetMs?: number | undefined; guardAboveChars?: number | undefined } = {}): ParsedDocument | undefined {
  if (source === previous.source || process.env.LABKIT_REPARSE === '0') return undefined;
  if (source.length > contentLimits.maxChars || source.length > (guard.guardAboveChars ?? contentLimits.guardAboveChars)) return undefined;
  if (previous.diagnostics.some((d) => d.ruleId === 'lab:content-limit')) return undefined;
  const old = previous.source;
  // The front matter is kept when its text (up to the body) is unchanged.
  const fmOld = findFrontMatter(old);
  const fmNew = findFrontMatter(source);
  if (fmOld || fmNew) {
    if (!fmOld || !fmNew || !fmOld.closed || !fmNew.closed) return undefined;
    if (previous.frontMatter.bodyOffset !== fmOld.bodyOffset) return undefined;
    if (old.slice(0, fmOld.bodyOffset) !== source.slice(0, fmNew.bodyOffset)) {
      // The front matter first, over the old body; then the body, if it
      // changed too (a graph snapshot lags a few edits behind, so a fresh
      // rebuild's previous parse may be older than both).
      const mid = source.slice(0, fmNew.bodyOffset) + old.slice(fmOld.bodyOffset);
      const moved = reparseFrontMatter(previous, mid, fmNew.bodyOffset, guard.inPlaceBudgetMs ?? contentLimits.inPlaceBudgetMs);
      return moved && mid !== source ? reparseDocument(moved, source, guard) : moved;
    }
  } else if (previous.frontMatter.present) return undefined;
  const bodyOffset = previous.frontMatter.bodyOffset;
  const lines = new LineIndex(source);
  if (nestingDiagnostic(source, bodyOffset, previous.file, lines)) return undefined;
  const blank = bodyOffset > 0 ? old.slice(0, bodyOffset).replace(/[^\n]/g, ' ') : '';
  let mdast: Root | undefined;
  try {
    mdast = reparseMarkdown(blank + old.slice(bodyOffset), previous.mdast, blank + source.slice(bodyOffset), guard.inPlaceBudgetMs ?? contentLimits.inPlaceBudgetMs);
  } catch {
    return undefined; // the full parse reports what failed
  }
  if (!mdast) return undefined;
  return { file: previous.file, source, digest: digestOf(source), frontMatter: previous.frontMatter, mdast, diagnostics: [...previous.diagnostics] };
}

/**
 * A save that changed the front matter only: the YAML is parsed again, and
 * the body's tree is the previous one moved by the lines and characters the
 * front matter gained or lost. That is the tree a full parse gives: the
 * full parse reads the body after the front matter blanked to spaces (see
 * parseDocument), so the body follows only blank lines, however many there
 * are, and starts at a line start (columns stay). Every diagnostic of a
 * parse comes from its front matter (a body the parser failed on is
 * refused above), so they are the new front matter's. A front matter whose
 * worst-case estimate is over the in-place budget is left to the guarded
 * parse, as is one that hits a limit.
 */
function reparseFrontMatter(previous: ParsedDocument, source: string, bodyNew: number, maxMs: number): ParsedDocument | undefined {
  if (estimateParseMs(source.slice(0, bodyNew)) > maxMs) return undefined;
  const old = previous.source;
  const bodyOld = previous.frontMatter.bodyOffset;
  const lines = new LineIndex(source);
  const diagnostics: Diagnostic[] = [];
  let frontMatter: FrontMatter;
  try {
    frontMatter = parseFrontMatter(source, previous.file, lines, diagnostics);
  } catch {
    return undefined; // the full parse reports what failed
  }
  if (frontMatter.bodyOffset !== bodyNew || diagnostics.some((d) => d.ruleId === 'lab:content-limit')) return undefined;
  if (nestingDiagnostic(source, bodyNew, previous.file, lines)) return undefined;
  const shift: Shift = { offset: bodyNew - bodyOld, line: pointAt(source, bodyNew).line - pointAt(old, bodyOld).line };
  const end = pointAt(source, source.length);
  const mdast: Root = {
    ...previous.mdast,
    children: previous.mdast.children.map((node) => shifted(node, shift) as RootContent),
    position: { start: { line: 1, column: 1, offset: 0 }, end: { ...end, offset: source.length } },
  };
  return { file: previous.file, source, digest: digestOf(source), frontMatter, mdast, diagnostics };
}

const CHUNK = 512;

/** Length of the common start of `a` and `b` (slices compared a chunk at a time, then characters). */
function commonPrefix(a: string, b: string): number {
  const min = Math.min(a.length, b.length);
  let p = 0;
  while (p + CHUNK <= min && a.slice(p, p + CHUNK) === b.slice(p, p + CHUNK)) p += CHUNK;
  while (p < min && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  return p;
}

/** Length of the common end of `a` and `b`, at most `max`. */
function commonSuffix(a: string, b: string, max: number): number {
  let s = 0;
  while (s + CHUNK <= max && a.slice(a.length - s - CHUNK, a.length - s) === b.slice(b.length - s - CHUNK, b.length - s)) s += CHUNK;
  while (s < max && a.charCodeAt(a.length - 1 - s) === b.charCodeAt(b.length - 1 - s)) s++;
  return s;
}

interface Shift {
  offset: number;
  line: number;
}

function startOf(node: RootContent): number | undefined {
  return node.position?.start.offset;
}

/** Whether `offset` starts a line after a blank line whose first character cannot continue an open block. */
function hardBoundary(text: string, offset: number): boolean {
  if (offset === 0) return true;
  if (text.charCodeAt(offset - 1) !== 10) return false;
  const prev = lineStartBefore(text, offset);
  if (prev < 0 || !/^[ \t]*$/.test(text.slice(prev, offset - 1))) return false;
  const c = text.charCodeAt(offset);
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 35 /* # */ || c === 96 /* ` */ || c === 126 /* ~ */ || c === 33 /* ! */ || c === 91; /* [ */
}

/** Start of the line before the line that starts at `offset` (-1 if none). */
function lineStartBefore(text: string, offset: number): number {
  if (offset === 0 || text.charCodeAt(offset - 1) !== 10) return -1;
  return text.lastIndexOf('\n', offset - 2) + 1;
}

/** 1-based line and column of an offset (counting LF). */
function pointAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let i = text.indexOf('\n');
  let lineStart = 0;
  while (i !== -1 && i < offset) {
    line++;
    lineStart = i + 1;
    i = text.indexOf('\n', i + 1);
  }
  return { line, column: offset - lineStart + 1 };
}

function hasDefinition(node: { type: string; children?: unknown[] }): boolean {
  if (node.type === 'definition' || node.type === 'footnoteDefinition') return true;
  if (node.children) for (const c of node.children as Array<{ type: string; children?: unknown[] }>) if (hasDefinition(c)) return true;
  return false;
}

interface Point {
  line: number;
  column: number;
  offset?: number;
}

/** A deep copy of a node with every position moved (never mutates `node`: the previous tree stays valid). */
function shifted(node: unknown, by: Shift): unknown {
  if (Array.isArray(node)) return node.map((n) => shifted(n, by));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const k in node) {
    const v = (node as Record<string, unknown>)[k];
    if (k === 'position' && v && typeof v === 'object') {
      const pos = v as { start: Point; end: Point };
      out[k] = { start: movePoint(pos.start, by), end: movePoint(pos.end, by) };
    } else out[k] = shifted(v, by);
  }
  return out;
}

function movePoint(p: Point, by: Shift): Point {
  return p.offset === undefined ? { line: p.line + by.line, column: p.column } : { line: p.line + by.line, column: p.column, offset: p.offset + by.offset };
}
