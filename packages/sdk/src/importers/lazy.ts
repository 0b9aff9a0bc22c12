import type { ImportKillercodaOptions, ImportKillercodaResult } from './killercoda/import-killercoda.ts';

/**
 * The importer, loaded when it is called: every command imports the SDK's
 * index, and only `lab import` converts anything (the importer and its
 * Markdown converter were ~50 ms of every other command's start-up).
 */
export async function importKillercoda(source: string, options: ImportKillercodaOptions): Promise<ImportKillercodaResult> {
  const { importKillercoda: run } = await import('./killercoda/import-killercoda.ts');
  return run(source, options);
}
