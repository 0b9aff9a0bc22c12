import { Option, type Command } from 'commander';
import { wholeNumber } from '../number-flag.ts';

interface ValidateFlags {
  format: 'pretty' | 'json';
  maxWarnings?: number;
  quiet?: boolean;
  color: boolean;
  cache?: boolean;
  code: boolean;
}

/** `lab validate [dir]`: every problem with a code frame, a summary, and the exit code CI needs. */
export function register(program: Command): void {
  program
    .command('validate')
    .description('Check every content file: front matter, components, tasks, references, assets and links')
    .argument('[dir]', 'content folder', '.')
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .option('--max-warnings <n>', 'also fail (exit 1) when there are more than n warnings', wholeNumber({ what: 'of warnings' }))
    .option('--quiet', 'report errors only')
    .option('--no-color', 'plain output without colours')
    .option('--cache', 'nothing changed: reuse the last result; else reuse parse results of unchanged files (~/.cache/labkit; off: a cold run)')
    .option('--no-code', 'never import *.lab.ts files (their code would run here): for CI on pull requests from strangers')
    .action(async (dir: string, flags: ValidateFlags) => {
      const [{ validate, printedAs, closingLines }, { formatDiagnostics, readIfExists }, { default: pc }, { join }] = await Promise.all([
        import('../run/validate.ts'),
        import('@labkit/sdk/light'),
        import('picocolors'),
        import('node:path'),
      ]);
      const { color, output } = printedAs(flags.format, flags.color, flags.quiet === true);
      const result = await validate({
        dir,
        cache: flags.cache === true,
        code: flags.code !== false,
        isolate: true,
        // What the printed text depends on besides the result: a hit prints the text kept for it.
        output,
        ...(flags.maxWarnings !== undefined ? { maxWarnings: flags.maxWarnings } : {}),
      });
      if (result.cachedOutput) process.stdout.write(result.cachedOutput);
      else {
        const { graph, root, files } = result;
        const text = formatDiagnostics(result.diagnostics, {
          format: flags.format,
          color,
          // Only files the loader listed: a code frame must not print the first
          // line of what a refused symlink points at (lab:symlink-outside).
          readSource: (file) => graph?.documents.get(file)?.parsed.source ?? (files.has(file) ? readIfExists(join(root, file)) : undefined),
          ...(flags.quiet ? { minSeverity: 'error' as const } : {}),
        });
        process.stdout.write(text);
        await result.keepOutput?.(text);
      }
      if (flags.format === 'pretty') process.stdout.write(closingLines(result, flags.maxWarnings, pc));
      process.exitCode = result.ok ? 0 : 1;
    });
}
