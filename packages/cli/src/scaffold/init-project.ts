import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CliErrors } from '../errors.ts';
import { newItem } from './new-item.ts';
import { detectPackageManager, packageManagerCommands, type PackageManager } from './package-manager.ts';
import { labkitVersion, mergeGitignore, projectPackageJson, projectTsconfig } from './project-files.ts';
import { humanize, renderTemplate, today, type PlannedFile } from './template.ts';
import { labkitWorkflow } from './workflow.ts';
import { writeFiles } from './write-files.ts';

export interface InitOptions {
  /** Folder to create, or an empty folder, or a fresh repository (see {@link initAllowed}). */
  dir: string;
  /** Project title; default: the folder name, humanised. */
  title?: string;
  /** The JSON Schema text written to `.vscode/labkit.schema.json`. */
  schema: string;
  /** Default: the one in `npm_config_user_agent` (npm, pnpm, yarn), else npm. */
  packageManager?: PackageManager;
  /** Default: `process.env.npm_config_user_agent`. */
  userAgent?: string | undefined;
}

export interface InitResult {
  dir: string;
  /** Files written or changed, absolute. */
  files: string[];
  pm: PackageManager;
  /** Whether labkit was already a dependency (then no install is needed to run `lab`). */
  hadLabkit: boolean;
}

/**
 * What may already be in a folder `lab init` writes into: a fresh clone
 * (.git, README, LICENSE, .gitignore) and a package.json with its install
 * (merged, see projectPackageJson). Anything else means the folder holds
 * someone's work, and init refuses it.
 */
export function initAllowed(entry: string): boolean {
  return (
    /^(\.git|\.gitignore|\.gitattributes|\.editorconfig|\.npmrc|\.nvmrc|\.node-version|\.yarnrc\.yml|\.yarn|\.pnp\.c?js|\.pnp\.loader\.mjs|node_modules|package\.json|package-lock\.json|pnpm-lock\.yaml|yarn\.lock)$/.test(entry) ||
    /^(README|LICEN[CS]E|COPYING|NOTICE)(\.[\w.-]+)?$/i.test(entry)
  );
}

/**
 * `lab init [dir]` (and `npm create labkit`): a content repository from local
 * templates: package.json with labkit as a dev dependency and the scripts,
 * tsconfig.json for `*.lab.ts`, lab.config.ts, editor settings wired to the
 * front matter JSON Schema, .gitignore, a CI workflow for the package manager
 * in use, a tutorial and a challenge. Never overwrites a file: an existing
 * README and LICENSE are kept, .gitignore and package.json are merged.
 */
export function initProject(options: InitOptions): InitResult {
  const dir = resolve(options.dir);
  const existing: string[] = [];
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw CliErrors.NotADirectory(dir);
    existing.push(...readdirSync(dir));
    const blocking = existing.filter((e) => !initAllowed(e));
    if (blocking.length > 0) throw CliErrors.DirectoryNotEmpty(dir, blocking);
  }
  const userAgent = options.userAgent ?? process.env['npm_config_user_agent'];
  const pm = options.packageManager ?? detectPackageManager(userAgent);
  const cmd = packageManagerCommands(pm, userAgent);
  const title = options.title ?? `${humanize(basename(dir))} Labs`;
  const has = (name: string) => existing.includes(name);
  const hasReadme = existing.some((e) => /^README(\.|$)/i.test(e));

  const planned: PlannedFile[] = renderTemplate('project', { title, date: today(), dev: cmd.run('dev'), validate: cmd.run('validate'), test: cmd.run('test'), build: cmd.run('build'), new: cmd.exec('lab', 'new') })
    .filter((f) => f.path !== '.gitignore' && !(hasReadme && f.path === 'README.md'));
  planned.push(
    { path: '.vscode/labkit.schema.json', content: options.schema },
    { path: 'tsconfig.json', content: projectTsconfig },
    { path: '.github/workflows/labkit.yml', content: labkitWorkflow(cmd) },
  );
  const files = writeFiles(dir, planned);

  // Merged rather than created: files a fresh repository or `npm init` may already have.
  const packageJsonPath = join(dir, 'package.json');
  const before = has('package.json') ? readFileSync(packageJsonPath, 'utf8') : undefined;
  const hadLabkit = before !== undefined && /"labkit"\s*:/.test(before);
  writeMerged(packageJsonPath, projectPackageJson(before, { name: basename(dir), labkitVersion: labkitVersion(), pm, userAgent }), files);
  const gitignorePath = join(dir, '.gitignore');
  writeMerged(gitignorePath, mergeGitignore(has('.gitignore') ? readFileSync(gitignorePath, 'utf8') : undefined), files);

  files.push(...newItem({ kind: 'tutorial', name: 'getting-started', root: dir, title: 'Getting Started With the Playground' }).files);
  files.push(...newItem({ kind: 'challenge', name: 'first-challenge', root: dir, title: 'Switch an App to Production Mode' }).files);
  return { dir, files, pm, hadLabkit };
}

function writeMerged(path: string, content: string, files: string[]): void {
  const before = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (before === content) return;
  try {
    writeFileSync(path, content);
  } catch (error) {
    throw CliErrors.WriteFailed(path, (error as Error).message);
  }
  files.push(path);
}
