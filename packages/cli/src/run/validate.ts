import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatDiagnostics, loadContent, readIfExists, summarize } from '@labkit/sdk';
import pc from 'picocolors';
import { CliErrors } from '../errors.ts';

export interface ValidateFlags {
  format: 'pretty' | 'json';
  maxWarnings?: number;
  quiet?: boolean;
  color: boolean;
  /** Use the SDK's on-disk parse cache (off by default: a cold, self-contained run). */
  cache?: boolean;
  /** `false` (`--no-code`): never import `*.lab.ts` files. */
  code?: boolean;
}

/**
 * `lab validate [dir]`: loads the content graph once and prints its
 * diagnostics with the SDK's one formatter. Returns the exit code: 1 on any
 * error, or on more warnings than `--max-warnings`.
 */
export async function validateCommand(dir: string, flags: ValidateFlags): Promise<number> {
  const root = resolve(dir);
  if (!existsSync(root)) throw CliErrors.DirectoryNotFound(root);
  if (!statSync(root).isDirectory()) throw CliErrors.NotADirectory(root);

  const graph = await loadContent(root, { parseCache: flags.cache === true, code: flags.code !== false });
  const all = graph.diagnostics;
  const summary = summarize(all);
  const tooManyWarnings = flags.maxWarnings !== undefined && summary.warnings > flags.maxWarnings;
  const color = flags.color && flags.format === 'pretty' && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  const text = formatDiagnostics(all, {
    format: flags.format,
    color,
    // Only files the loader listed: a code frame must not print the first
    // line of what a refused symlink points at (lab:symlink-outside).
    readSource: (file) => graph.documents.get(file)?.parsed.source ?? (graph.files.has(file) ? readIfExists(join(root, file)) : undefined),
    ...(flags.quiet ? { minSeverity: 'error' as const } : {}),
  });
  process.stdout.write(text);
  if (flags.format === 'pretty') {
    process.stdout.write(pc.dim(`Checked ${graph.items.length} item(s), ${graph.documents.size} document(s) in ${root}.\n`));
    if (tooManyWarnings) {
      process.stdout.write(`${pc.red('✗')} ${summary.warnings} warning(s), more than --max-warnings ${flags.maxWarnings}.\n`);
    }
  }
  return summary.errors > 0 || tooManyWarnings ? 1 : 0;
}

