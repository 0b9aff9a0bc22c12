import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';
import { frontMatterJsonSchema } from '@labkit/sdk';
import pc from 'picocolors';
import { CliErrors } from '../errors.ts';
import { initProject } from '../scaffold/init-project.ts';
import { packageManagerCommands } from '../scaffold/package-manager.ts';

/** `lab init [dir]` and `npm create labkit [dir]`. */
export async function initCommand(dir: string, opts: { title?: string; install?: boolean }): Promise<void> {
  const schema = `${JSON.stringify(frontMatterJsonSchema(), null, 2)}\n`;
  const result = initProject({ dir, schema, ...(opts.title ? { title: opts.title } : {}) });
  const cmd = packageManagerCommands(result.pm);
  const shown = relative(process.cwd(), result.dir) || '.';
  process.stdout.write(`${pc.green('Created')} a Labkit content repository in ${shown}:\n`);
  for (const file of result.files) process.stdout.write(`  ${relative(result.dir, file)}\n`);
  let installed = result.hadLabkit;
  if (opts.install) {
    process.stdout.write(`\n${pc.dim(`$ ${cmd.install}`)}\n`);
    const [bin, ...args] = cmd.install.split(' ') as [string, ...string[]];
    const r = spawnSync(bin, args, { cwd: result.dir, stdio: 'inherit' });
    if (r.error || r.status !== 0) throw CliErrors.InstallFailed(cmd.install, result.dir, r.error?.message ?? `exit code ${r.status}`);
    installed = true;
  }
  const next = [...(shown === '.' ? [] : [`cd ${shown}`]), ...(installed ? [] : [cmd.install]), cmd.run('dev')];
  process.stdout.write(`\nNext:\n${next.map((l) => `  ${l}\n`).join('')}`);
}
