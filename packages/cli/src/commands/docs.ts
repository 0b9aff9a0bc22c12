import type { Command } from 'commander';

/** `lab docs --write | --check`: regenerate the reference docs from the schemas' JSDoc. */
export function register(program: Command): void {
  program
    .command('docs')
    .description('Regenerate docs/reference (every kind, field, component and rule) and the JSON Schema from the SDK sources')
    .option('--write', 'write the generated files (default: only check that they are up to date)')
    .option('--root <dir>', 'Labkit repository root', defaultRoot())
    .action(async (opts: { write?: boolean; root: string }) => {
      const [{ docs }, { CliErrors }] = await Promise.all([import('../run/docs.ts'), import('../errors.ts')]);
      const result = await docs(opts);
      if (!opts.write) {
        if (result.stale.length > 0) throw CliErrors.StaleReference(result.stale);
        process.stdout.write(`Reference docs are up to date (${result.files.length} files).\n`);
      } else {
        process.stdout.write(result.stale.length ? `Updated ${result.stale.length} file(s): ${result.stale.join(', ')}\n` : 'Reference docs were already up to date.\n');
      }
    });
}

function defaultRoot(): string {
  return new URL('../../../..', import.meta.url).pathname.replace(/\/$/, '');
}
