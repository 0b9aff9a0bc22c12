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
      const [{ init, installProject }, { default: pc }, { relative }] = await Promise.all([import('../run/init.ts'), import('picocolors'), import('node:path')]);
      let project = await init({ dir, ...(opts.title ? { title: opts.title } : {}) });
      process.stdout.write(`${pc.green('Created')} a Labkit content repository in ${relative(process.cwd(), project.dir) || '.'}:\n`);
      for (const file of project.files) process.stdout.write(`  ${relative(project.dir, file)}\n`);
      if (opts.install) {
        project = await installProject(project, { reporter: { progress: (line) => process.stdout.write(`\n${pc.dim(line)}\n`), diagnostics: () => {} } });
      }
      process.stdout.write(`\nNext:\n${project.next.map((l) => `  ${l}\n`).join('')}`);
    });
}
