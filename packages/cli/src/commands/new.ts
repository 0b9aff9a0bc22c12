import type { Command } from 'commander';

/** `lab new <kind> <name>`: one content item from its template. */
export function register(program: Command): void {
  program
    .command('new')
    .description('Create a content item from a template (never overwrites)')
    .argument('<kind>', 'tutorial | challenge | skill-path | course | unit | module | lesson')
    .argument('<name>', 'item name (folder and URL slug); unit/module/lesson: <parent>/<name>')
    .option('-C, --dir <dir>', 'content root', '.')
    .option('--ts', 'challenge only: write it in TypeScript (index.lab.ts + a Markdown body)')
    .option('--title <title>', 'title (default: from the name)')
    .action(async (kind: string, name: string, opts: { dir: string; ts?: boolean; title?: string }) => {
      const { newCommand } = await import('../run/new.ts');
      await newCommand(kind, name, opts);
    });
}
