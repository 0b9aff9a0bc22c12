import { createHash } from 'node:crypto';
import type { Root } from 'mdast';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { parseFrontMatter, type FrontMatter } from './front-matter.ts';
import { LineIndex } from './line-index.ts';
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
 */
export function parseDocument(source: string, options: ParseOptions): ParsedDocument {
  const diagnostics: Diagnostic[] = [];
  const lines = new LineIndex(source);
  const frontMatter = parseFrontMatter(source, options.file, lines, diagnostics);
  // Blank the front matter instead of cutting it: the body keeps the
  // file's offsets, so mdast positions need no shifting.
  const body =
    frontMatter.bodyOffset > 0
      ? source.slice(0, frontMatter.bodyOffset).replace(/[^\n]/g, ' ') + source.slice(frontMatter.bodyOffset)
      : source;
  const mdast = parseMarkdown(body);
  return { file: options.file, source, digest: digestOf(source), frontMatter, mdast, diagnostics };
}
