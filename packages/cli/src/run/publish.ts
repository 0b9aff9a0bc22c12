import { publish } from '@labkit/publish';
import type { PublishResult } from '@labkit/publish';
import { formatDiagnostics, isLabkitError } from '@labkit/sdk';
import type { LabkitError } from '@labkit/sdk';
import pc from 'picocolors';
import { printError } from '../print-error.ts';

export interface PublishFlags {
  to: string;
  endpoint?: string;
  region?: string;
  site?: string;
  out?: string;
  test?: boolean;
  prune?: boolean;
  dryRun?: boolean;
  concurrency: number;
  retries: number;
  format: 'pretty' | 'json';
  color: boolean;
  code?: boolean;
}

/**
 * `lab publish [dir]`: runs {@link publish} and prints the result, as
 * lines for a person or one JSON object for CI. Returns the exit code:
 * 0 on success, 1 on any failure (the error says what to do next).
 */
export async function publishCommand(dir: string, flags: PublishFlags): Promise<number> {
  const json = flags.format === 'json';
  const color = flags.color && !json && Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
  const c = color ? pc : pc.createColors(false);
  const progress = (line: string): void => {
    if (!json && process.stderr.isTTY) process.stderr.write(`${c.dim(line)}\n`);
  };
  let result: PublishResult | undefined;
  let error: LabkitError | undefined;
  try {
    result = await publish({
      dir,
      to: flags.to,
      ...(flags.endpoint ? { endpoint: flags.endpoint } : {}),
      ...(flags.region ? { region: flags.region } : {}),
      ...(flags.site ? { site: flags.site } : {}),
      ...(flags.out ? { out: flags.out } : {}),
      test: Boolean(flags.test),
      ...(flags.code === false ? { code: false } : {}),
      prune: Boolean(flags.prune),
      dryRun: Boolean(flags.dryRun),
      concurrency: flags.concurrency,
      retry: { retries: flags.retries },
      log: progress,
      onDiagnostics: (graph) => {
        const shown = graph.diagnostics.filter((d) => d.severity !== 'info');
        // Diagnostics go to stderr so that stdout stays one JSON document.
        if (shown.length) process.stderr.write(formatDiagnostics(shown, { format: 'pretty', color }));
      },
    });
    error = result.error;
  } catch (thrown) {
    if (!isLabkitError(thrown)) throw thrown;
    error = thrown;
  }

  if (json) {
    const { error: _e, ...rest } = result ?? ({} as Partial<PublishResult>);
    const out = { ...rest, ok: !error && Boolean(result?.ok), ...(error ? { error: { code: error.code, title: error.title, message: error.message, hint: error.hint } } : {}) };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else if (result) {
    process.stdout.write(describe(result, c));
  }
  if (error) {
    printError(error);
    return 1;
  }
  return 0;
}

function describe(r: PublishResult, c: ReturnType<typeof pc.createColors>): string {
  const lines: string[] = [];
  if (r.dryRun) {
    lines.push(c.bold(`Plan for ${r.target} (dry run, nothing written):`));
    for (const u of r.uploads) lines.push(`  ${u.reason === 'new' ? c.green('+') : c.yellow('~')} ${u.path} ${c.dim(`(${u.reason}, ${size(u.size)})`)}`);
    if (r.manifest !== 'unchanged') lines.push(`  ${c.yellow('~')} manifest.json ${c.dim('(last)')}`);
    for (const p of r.deleted) lines.push(`  ${c.red('-')} ${p}`);
    for (const p of r.prune ? [] : r.stale) lines.push(`  ${c.dim(`? ${p} (not in this publish; kept, --prune deletes it)`)}`);
  }
  const verb = r.dryRun ? 'would upload' : r.ok ? 'uploaded' : 'uploaded before failing';
  const parts = [
    `${r.uploads.length} ${verb} (${size(r.bytes)})`,
    `${r.unchanged} unchanged`,
    `${r.deleted.length} ${r.dryRun ? 'to delete' : 'deleted'}`,
  ];
  if (!r.prune && r.stale.length) parts.push(`${r.stale.length} stale kept (--prune deletes them)`);
  if (r.retries) parts.push(`${r.retries} ${r.retries === 1 ? 'retry' : 'retries'}`);
  const mark = r.ok ? c.green('✓') : c.red('✗');
  lines.push(`${mark} ${r.dryRun ? 'Planned' : 'Published'} ${r.items} items and ${r.siteFiles} site files to ${r.target}: ${parts.join(', ')}.`);
  if (r.ok && !r.dryRun) lines.push(`  manifest.json ${r.manifest === 'unchanged' ? 'unchanged' : 'written last'}: ${r.digest}`);
  return `${lines.join('\n')}\n`;
}

function size(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} kB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
