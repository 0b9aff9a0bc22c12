import { Option, type Command } from 'commander';
import { wholeNumber } from '../number-flag.ts';

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
    .option('--cache', 'reuse parse results of unchanged files from ~/.cache/labkit/parse (off: a cold run)')
    .option('--no-code', 'never import *.lab.ts files (their code would run here): for CI on pull requests from strangers')
    .action(async (dir: string, opts: { format: 'pretty' | 'json'; maxWarnings?: number; quiet?: boolean; color: boolean; cache?: boolean; code: boolean }) => {
      const { validateCommand } = await import('../run/validate.ts');
      process.exitCode = await validateCommand(dir, opts);
    });
}
