import { join } from 'node:path';
import { Option, type Command } from 'commander';

/** `lab import killercoda <source> --out <dir> [--force]`: flags and printing; the work is `importKillercoda()` (run/import.ts, over the SDK's importer). */
export function register(program: Command): void {
  const command = program.command('import').description('Bring content written for another platform into Labkit');
  command
    .command('killercoda')
    .description('Convert a Killercoda scenario, or a repository of scenarios and courses, into a new Labkit content folder')
    .argument('<source>', 'a scenario folder (with index.json) or a repository folder')
    .requiredOption('--out <dir>', 'content folder to create (never inside the source)')
    .option('--force', 'replace the output folder if it already exists')
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .option('--no-color', 'plain output without colours')
    .action(async (source: string, opts: { out: string; force?: boolean; format: 'pretty' | 'json'; color: boolean }) => {
      const [{ importKillercoda }, { formatDiagnostics, readIfExists }] = await Promise.all([import('../run/import.ts'), import('@labkit/sdk')]);
      const result = await importKillercoda(source, { out: opts.out, force: opts.force ?? false });
      const color = opts.color && opts.format === 'pretty' && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
      process.stdout.write(
        formatDiagnostics(result.diagnostics, {
          format: opts.format,
          color,
          readSource: (file) => readIfExists(join(source, file)),
        }),
      );
      const { summary } = result;
      if (opts.format === 'pretty') {
        const count = (kind: string) => result.items.filter((i) => i.kind === kind).length;
        process.stdout.write(
          `Imported ${result.items.length} item(s) into ${result.out}: ${count('challenge')} challenge(s), ${count('tutorial')} tutorial(s), ${count('skill-path')} skill path(s); ${summary.warnings} warning(s) about what has no Labkit equivalent.\n`,
        );
      }
      process.exitCode = result.ok ? 0 : 1;
    });
}
