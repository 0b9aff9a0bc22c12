import { readFileSync } from 'node:fs';
import type { PackageManager } from './package-manager.ts';

/** This CLI's own version: new projects depend on the Labkit they were made with. */
export function labkitVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The scripts a Labkit project gets; an existing script of the same name is kept. */
export const projectScripts: Record<string, string> = {
  dev: 'lab dev',
  build: 'lab build . --out dist',
  validate: 'lab validate .',
  test: 'lab test .',
  publish: 'lab publish . --to "$LABKIT_TARGET" --site dist --prune',
  typecheck: 'tsc --noEmit',
};

export interface PackageJsonOptions {
  /** The folder name, made into a valid package name. */
  name: string;
  /** `^<version>` of labkit and the TypeScript range for `tsc`. */
  labkitVersion: string;
  pm: PackageManager;
  /** `pnpm/10.4.1 ...`: pins `packageManager` for pnpm and yarn (CI and Corepack read it). */
  userAgent?: string | undefined;
}

/**
 * A new package.json, or the existing one with what Labkit needs added:
 * `type: module` (lab.config.ts and *.lab.ts are ES modules), the scripts,
 * and labkit + typescript as dev dependencies. Nothing already there is
 * replaced: an existing labkit dependency (a version, a tarball, a link)
 * and existing scripts stay as they are.
 */
export function projectPackageJson(existing: string | undefined, options: PackageJsonOptions): string {
  const pkg = (existing ? JSON.parse(existing) : {}) as Record<string, unknown>;
  const out: Record<string, unknown> = existing ? { ...pkg } : { name: packageName(options.name), version: '0.0.0', private: true };
  // lab.config.ts and *.lab.ts are ES modules. `npm init` now writes
  // "type": "commonjs"; init only runs in a folder without code of its own
  // (see initAllowed), so switching it changes nothing else.
  out['type'] = 'module';
  out['scripts'] = { ...projectScripts, ...((pkg['scripts'] as Record<string, string> | undefined) ?? {}) };
  const deps = (pkg['dependencies'] as Record<string, string> | undefined) ?? {};
  const devDeps = { ...((pkg['devDependencies'] as Record<string, string> | undefined) ?? {}) };
  if (!deps['labkit'] && !devDeps['labkit']) devDeps['labkit'] = `^${options.labkitVersion}`;
  if (!deps['typescript'] && !devDeps['typescript']) devDeps['typescript'] = '^5.9.0 || ^6.0.0';
  out['devDependencies'] = Object.fromEntries(Object.entries(devDeps).sort(([a], [b]) => a.localeCompare(b)));
  out['engines'] ??= { node: '>=24' };
  const version = new RegExp(`^${options.pm}/(\\d+\\.\\d+\\.\\d+)`).exec(options.userAgent ?? '')?.[1];
  if (options.pm !== 'npm' && version && !out['packageManager']) out['packageManager'] = `${options.pm}@${version}`;
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** `My Labs!` → `my-labs`: npm's rules (lowercase, URL-safe, no leading dot or underscore). */
export function packageName(folder: string): string {
  const name = folder
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._-]+|-+$/g, '')
    .slice(0, 214);
  return name || 'labkit-content';
}

/**
 * Types `*.lab.ts` files and `lab.config.ts` against the installed labkit
 * package. Nothing is emitted: Labkit runs these files itself (Node strips
 * the types), so `tsc --noEmit` is only a check.
 */
export const projectTsconfig = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'es2024',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      strict: true,
      noEmit: true,
      allowImportingTsExtensions: true,
      verbatimModuleSyntax: true,
      erasableSyntaxOnly: true,
      skipLibCheck: true,
      types: [],
    },
    include: ['lab.config.ts', '**/*.lab.ts'],
    exclude: ['node_modules', 'dist'],
  },
  null,
  2,
)}\n`;

/** Lines every Labkit project ignores: installs, the built site, caches. */
export const gitignoreLines = ['node_modules/', 'dist/', '.labkit/', '.labkit-cache/', '.astro/'];

/** The existing .gitignore with the missing Labkit lines appended (or a new one). */
export function mergeGitignore(existing: string | undefined): string {
  const have = new Set((existing ?? '').split(/\r?\n/).map((l) => l.trim()));
  const missing = gitignoreLines.filter((l) => !have.has(l) && !have.has(l.replace(/\/$/, '')) && !have.has(`/${l}`));
  if (existing === undefined) return `${gitignoreLines.join('\n')}\n`;
  if (missing.length === 0) return existing;
  const sep = existing === '' || existing.endsWith('\n') ? '' : '\n';
  return `${existing}${sep}\n# Labkit\n${missing.join('\n')}\n`;
}
