import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';
import { frontMatterJsonSchema } from '@labkit/sdk';
import { CliErrors } from '../errors.ts';
import { initProject } from '../scaffold/init-project.ts';
import type { InitResult as ScaffoldResult } from '../scaffold/init-project.ts';
import { packageManagerCommands } from '../scaffold/package-manager.ts';
import { silentReporter } from './reporter.ts';
import type { CommandReporter } from './reporter.ts';

export interface InitOptions {
  /** Folder to create, or an empty one, or a fresh repository. */
  dir: string;
  /** Project title (default: from the folder name). */
  title?: string;
}

export interface InitResult extends ScaffoldResult {
  /** Whether `labkit` is installed (it was already, or {@link installProject} ran). */
  installed: boolean;
  /** The package manager's install command line for this project. */
  install: string;
  /** The commands to run next, in order (cd, install, dev), relative to the current directory. */
  next: string[];
}

/** `lab init [dir]` and `npm create labkit [dir]`: writes the project files (never overwriting one). */
export async function init(options: InitOptions): Promise<InitResult> {
  const schema = `${JSON.stringify(frontMatterJsonSchema(), null, 2)}\n`;
  const result = initProject({ dir: options.dir, schema, ...(options.title ? { title: options.title } : {}) });
  const install = packageManagerCommands(result.pm).install;
  return withNext({ ...result, installed: result.hadLabkit, install, next: [] });
}

/**
 * `lab init --install`: runs the project's package manager install in it
 * (its output goes to this process's stdout and stderr) and returns the
 * result with `installed: true`.
 */
export async function installProject(project: InitResult, options: { reporter?: CommandReporter } = {}): Promise<InitResult> {
  (options.reporter ?? silentReporter).progress(`$ ${project.install}`);
  const [bin, ...args] = project.install.split(' ') as [string, ...string[]];
  const r = spawnSync(bin, args, { cwd: project.dir, stdio: 'inherit' });
  if (r.error || r.status !== 0) throw CliErrors.InstallFailed(project.install, project.dir, r.error?.message ?? `exit code ${r.status}`);
  return withNext({ ...project, installed: true });
}

function withNext(project: InitResult): InitResult {
  const shown = relative(process.cwd(), project.dir) || '.';
  const next = [...(shown === '.' ? [] : [`cd ${shown}`]), ...(project.installed ? [] : [project.install]), packageManagerCommands(project.pm).run('dev')];
  return { ...project, next };
}
