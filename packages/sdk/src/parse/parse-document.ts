import { createHash } from 'node:crypto';
import type { Root } from 'mdast';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { parseFrontMatter, type FrontMatter } from './front-matter.ts';
import { LineIndex } from './line-index.ts';
import { contentLimits, limitDiagnostic, nestingDiagnostic, sizeDiagnostic } from './limits.ts';
import { parseMarkdown } from './markdown.ts';

/** Options of {@link parseDocument}. */
export interface ParseOptions {
  /** File path used in diagnostics (relative to the content root). */
  file: string;
}

/** One content file, parsed once and reused by validate, the site and `lab dev`. */
export interface ParsedDocument {
  /** File path as given in the options. */
  file: string;
  /** The file's text. */
  source: string;
  /** sha1 of the text: the cache key of `lab dev`. */
  digest: string;
  /** YAML front matter with places. */
  frontMatter: FrontMatter;
  /** Body as mdast (remark-parse + remark-mdc); positions are the file's own lines. */
  mdast: Root;
  /** Syntax problems found while parsing (YAML errors, duplicate keys). */
  diagnostics: Diagnostic[];
}

/** sha1 of a file's text. */
export function digestOf(source: string): string {
  return createHash('sha1').update(source).digest('hex');
}

/**
 * Parses one Markdown content file: YAML front matter (with a line:column
 * place for every key and value) and the MDC body as mdast.
 *
 * Never throws for content: a file over the limits of `contentLimits`
 * (size, nesting, YAML aliases) or one that makes a parser fail gives an
 * empty body and one `lab:content-limit` error naming the file, so one
 * hostile file cannot stop a whole run. (Time and memory are bounded by the
 * guarded worker, see graph/workers.ts.)
 */
export function parseDocument(source: string, options: ParseOptions): ParsedDocument {
  const diagnostics: Diagnostic[] = [];
  const file = options.file;
  const empty = (fm?: FrontMatter, lines?: LineIndex): ParsedDocument => limitedDocument(file, source, diagnostics, fm, lines);
  if (source.length > contentLimits.maxChars) {
    diagnostics.push(sizeDiagnostic(file, source.length));
    return empty();
  }
  const lines = new LineIndex(source);
  let frontMatter: FrontMatter;
  try {
    frontMatter = parseFrontMatter(source, file, lines, diagnostics);
  } catch (error) {
    diagnostics.push(limitDiagnostic(file, lines, 0, 3, `The front matter could not be parsed (${errorText(error)}); the file is skipped.`));
    return empty(undefined, lines);
  }
  const deep = nestingDiagnostic(source, frontMatter.bodyOffset, file, lines);
  if (deep) {
    diagnostics.push(deep);
    return empty(frontMatter);
  }
  // Blank the front matter instead of cutting it: the body keeps the
  // file's offsets, so mdast positions need no shifting.
  const body =
    frontMatter.bodyOffset > 0
      ? source.slice(0, frontMatter.bodyOffset).replace(/[^\n]/g, ' ') + source.slice(frontMatter.bodyOffset)
      : source;
  let mdast: Root;
  try {
    mdast = parseMarkdown(body);
  } catch (error) {
    diagnostics.push(limitDiagnostic(file, lines, frontMatter.bodyOffset, frontMatter.bodyOffset, `The Markdown parser failed on this file (${errorText(error)}); its body is skipped.`));
    return empty(frontMatter);
  }
  return { file, source, digest: digestOf(source), frontMatter, mdast, diagnostics };
}

/**
 * The document of a file that was not (fully) parsed: an empty body, and
 * front matter that counts as present without data, so validation adds
 * nothing to the `lab:content-limit` error already in `diagnostics`.
 */
export function limitedDocument(file: string, source: string, diagnostics: Diagnostic[], fm?: FrontMatter, lines?: LineIndex): ParsedDocument {
  return {
    file,
    source,
    digest: digestOf(source),
    frontMatter: fm ?? { present: true, data: undefined, span: lines?.span(0, 0) ?? { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } }, places: {}, bodyOffset: 0 },
    mdast: { type: 'root', children: [] },
    diagnostics,
  };
}

/** One line of an error, for a diagnostic (a stack overflow says so). */
function errorText(error: unknown): string {
  if (error instanceof RangeError && /call stack/i.test(error.message)) return 'it nests too deeply';
  const m = error instanceof Error ? error.message : String(error);
  return (m.split('\n')[0] ?? m).slice(0, 200);
}
