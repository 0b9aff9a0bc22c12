import type { Command } from 'commander';

/** `lab init [dir]`: a new content repository from local templates. */
export function register(program: Command): void {
  program
    .command('init')
    .description('Create a content repository (package.json, tsconfig, config, editor schema, CI workflow, a tutorial and a challenge)')
    .argument('[dir]', 'folder to create, or an empty one, or a fresh repository (.git, README, LICENSE, .gitignore, package.json)', '.')
    .option('--title <title>', 'project title (default: from the folder name)')
    .option('--install', 'run the package manager install afterwards (npm create labkit does)')
    .option('--no-install', 'do not install')
    .action(async (dir: string, opts: { title?: string; install?: boolean }) => {
      const { initCommand } = await import('../run/init.ts');
      await initCommand(dir, opts);
    });
}
