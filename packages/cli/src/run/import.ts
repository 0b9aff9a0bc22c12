import { importKillercoda as importScenarios, summarize } from '@labkit/sdk';
import type { DiagnosticSummary, ImportKillercodaOptions, ImportKillercodaResult } from '@labkit/sdk';
import { silentReporter } from './reporter.ts';
import type { CommandReporter } from './reporter.ts';

export interface ImportKillercodaCommandResult extends ImportKillercodaResult {
  /** No error among the diagnostics. */
  ok: boolean;
  summary: DiagnosticSummary;
}

/**
 * `lab import killercoda <source> --out <dir>`: the SDK's importer; the
 * reporter gets what has no Labkit equivalent, as diagnostics on the source
 * files.
 */
export async function importKillercoda(
  source: string,
  options: ImportKillercodaOptions & { reporter?: CommandReporter },
): Promise<ImportKillercodaCommandResult> {
  const { reporter = silentReporter, ...rest } = options;
  reporter.progress(`importing ${source}`);
  const result = await importScenarios(source, rest);
  reporter.diagnostics(result.diagnostics);
  const summary = summarize(result.diagnostics);
  return { ...result, ok: summary.errors === 0, summary };
}
