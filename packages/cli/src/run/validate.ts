import { resolve } from 'node:path';
import { contentDir, loadContent, summarize } from '@labkit/sdk';
import type { ContentGraph, Diagnostic, DiagnosticSummary } from '@labkit/sdk';
import { silentReporter } from './reporter.ts';
import type { CommandReporter } from './reporter.ts';

export interface ValidateOptions {
  /** The content folder. */
  dir: string;
  /** A graph of that folder already loaded (then nothing is read again). */
  graph?: ContentGraph;
  /** Use the SDK's on-disk parse cache (default off: a cold, self-contained run). */
  cache?: boolean;
  /** `false` (`--no-code`): never import `*.lab.ts` files. */
  code?: boolean;
  /** Fail (`ok: false`) on more warnings than this. */
  maxWarnings?: number;
  reporter?: CommandReporter;
}

export interface ValidateResult {
  /** No error, and no more warnings than `maxWarnings`. */
  ok: boolean;
  root: string;
  /** The graph validated (its documents give the code frames their source). */
  graph: ContentGraph;
  diagnostics: readonly Diagnostic[];
  summary: DiagnosticSummary;
  /** More warnings than `maxWarnings`. */
  tooManyWarnings: boolean;
}

/**
 * `lab validate`: loads the content graph once (or takes the caller's) and
 * returns its diagnostics and their summary; the reporter sees the
 * diagnostics as soon as they are known.
 */
export async function validate(options: ValidateOptions): Promise<ValidateResult> {
  const root = resolve(options.dir);
  const reporter = options.reporter ?? silentReporter;
  let graph = options.graph;
  if (!graph) {
    contentDir(root);
    reporter.progress('loading content');
    graph = await loadContent(root, { parseCache: options.cache === true, code: options.code !== false });
  }
  reporter.diagnostics(graph.diagnostics);
  const summary = summarize(graph.diagnostics);
  const tooManyWarnings = options.maxWarnings !== undefined && summary.warnings > options.maxWarnings;
  return { ok: summary.errors === 0 && !tooManyWarnings, root, graph, diagnostics: graph.diagnostics, summary, tooManyWarnings };
}
