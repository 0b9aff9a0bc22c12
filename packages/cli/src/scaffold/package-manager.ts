/** The package managers `lab init` and `npm create labkit` write for. */
export type PackageManager = 'npm' | 'pnpm' | 'yarn';

/**
 * Which package manager ran us, from `npm_config_user_agent` (npm, pnpm and
 * yarn all set it for `npm create`, `pnpm create`, `yarn create` and for
 * scripts and `exec`): `pnpm/10.4.1 npm/? node/v24.1.0 linux x64`. npm when
 * unknown.
 */
export function detectPackageManager(userAgent: string | undefined = process.env['npm_config_user_agent']): PackageManager {
  const name = /^(npm|pnpm|yarn)\//.exec(userAgent ?? '')?.[1];
  return (name as PackageManager | undefined) ?? 'npm';
}

/** Yarn 1 (classic) and Yarn 2+ (berry) spell a locked install differently. */
function yarnMajor(userAgent: string | undefined): number {
  return Number(/^yarn\/(\d+)/.exec(userAgent ?? '')?.[1] ?? 1);
}

export interface PackageManagerCommands {
  pm: PackageManager;
  /** Installs what package.json asks for (and writes the lockfile). */
  install: string;
  /** Installs exactly what the lockfile says, failing if it is out of date (CI). */
  installLocked: string;
  /** Runs a package.json script. */
  run: (script: string) => string;
  /** Runs a bin of an installed dependency. */
  exec: (bin: string, args?: string) => string;
  /** The lockfile the install writes. */
  lockfile: string;
  /** actions/setup-node `cache:` value. */
  setupNodeCache: PackageManager;
}

export function packageManagerCommands(pm: PackageManager, userAgent: string | undefined = process.env['npm_config_user_agent']): PackageManagerCommands {
  const withArgs = (base: string, args?: string) => (args ? `${base} ${args}` : base);
  switch (pm) {
    case 'pnpm':
      return {
        pm,
        install: 'pnpm install',
        installLocked: 'pnpm install --frozen-lockfile',
        run: (s) => `pnpm run ${s}`,
        exec: (bin, args) => withArgs(`pnpm exec ${bin}`, args),
        lockfile: 'pnpm-lock.yaml',
        setupNodeCache: 'pnpm',
      };
    case 'yarn':
      return {
        pm,
        install: 'yarn install',
        installLocked: yarnMajor(userAgent) >= 2 ? 'yarn install --immutable' : 'yarn install --frozen-lockfile',
        run: (s) => `yarn run ${s}`,
        exec: (bin, args) => withArgs(`yarn ${bin}`, args),
        lockfile: 'yarn.lock',
        setupNodeCache: 'yarn',
      };
    default:
      return {
        pm: 'npm',
        install: 'npm install',
        installLocked: 'npm ci',
        run: (s) => `npm run ${s}`,
        exec: (bin, args) => withArgs(`npx ${bin}`, args),
        lockfile: 'package-lock.json',
        setupNodeCache: 'npm',
      };
  }
}
