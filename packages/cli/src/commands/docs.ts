import type { Command } from 'commander';

/** `lab docs --write | --check`: regenerate the reference docs from the schemas' JSDoc. */
export function register(program: Command): void {
  program
    .command('docs')
    .description('Regenerate docs/reference (every kind, field, component and rule) and the JSON Schema from the SDK sources')
    .option('--write', 'write the generated files (default: only check that they are up to date)')
    .option('--root <dir>', 'Labkit repository root', defaultRoot())
    .action(async (opts: { write?: boolean; root: string }) => {
      const { docsCommand } = await import('../run/docs.ts');
      await docsCommand(opts);
    });
}

function defaultRoot(): string {
  return new URL('../../../..', import.meta.url).pathname.replace(/\/$/, '');
}
