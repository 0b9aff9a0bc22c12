import type { Command } from 'commander';

/** `lab init [dir]`: a new content repository from local templates. */
export function register(program: Command): void {
  program
    .command('init')
    .description('Create a content repository: config, editor schema, CI workflow, a tutorial and a challenge')
    .argument('[dir]', 'folder to create (must not exist, or be empty)', '.')
    .option('--title <title>', 'project title (default: from the folder name)')
    .action(async (dir: string, opts: { title?: string }) => {
      const { initCommand } = await import('../run/init.ts');
      await initCommand(dir, opts);
    });
}
