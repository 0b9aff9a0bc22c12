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
      const [{ newItem }, { default: pc }, { relative }] = await Promise.all([import('../run/new.ts'), import('picocolors'), import('node:path')]);
      const result = newItem({ kind, name, root: opts.dir, ...(opts.ts ? { ts: true } : {}), ...(opts.title ? { title: opts.title } : {}) });
      process.stdout.write(`${pc.green('Created')} ${result.kind} ${relative(process.cwd(), result.path) || '.'}\n`);
      for (const file of result.files) process.stdout.write(`  ${relative(process.cwd(), file)}\n`);
    });
}
