// The done-test of "use Labkit in your own repository": every public package
// is packed the way it would be published, the tarballs are installed into
// fresh projects with plain npm (no workspace links; third-party packages
// come from the npm registry, or npm's cache when it has them), and the
// author's commands run there: init, validate, build, dev (a page fetched
// over loopback), test (one challenge in a microVM), tsc over a *.lab.ts
// file; then `npm create labkit` from the packed create-labkit; then every
// `run:` step of the generated GitHub Actions workflow, in order.
//
// Slow (minutes: installs, an Astro build, a VM boot). Run it alone, under
// the heavy lock: flock /tmp/labkit-heavy.lock pnpm vitest run packages/cli/test/pack/
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../../../test-support/dist.ts';
import { RECORD_MODULES, readModuleLog } from '../../../../test-support/modules.ts';
import { repoRoot } from '../../../../test-support/paths.ts';

/** Every package an author's install pulls in, in dependency order. */
const PACKAGES = ['sdk', 'runtime', 'site', 'publish', 'cli', 'labkit', 'create-labkit'];
const MINUTE = 60_000;

/**
 * The environment for the author's commands: ours without what pnpm (which
 * runs vitest) exports to its children, so npm behaves as in a plain shell
 * and detects itself (npm_config_user_agent) as the package manager.
 */
function authorEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|PNPM_|pnpm_)/i.test(k)) env[k] = v;
  return { ...env, NO_COLOR: '1', FORCE_COLOR: '0', npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false', ...extra };
}

function sh(command: string, cwd: string, extra: Record<string, string> = {}): SpawnSyncReturns<string> {
  const r = spawnSync('bash', ['-c', command], { cwd, env: authorEnv(extra), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`\`${command}\` in ${cwd} exited ${r.status}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`);
  return r;
}

let work: string;
const tarballs: Record<string, string> = {};
/** Installs the packed packages (and, through them, their registry dependencies). */
const installTarballs = () => `npm install --prefer-offline --save-dev ${['sdk', 'runtime', 'site', 'publish', 'cli', 'labkit'].map((p) => JSON.stringify(tarballs[p])).join(' ')}`;

beforeAll(() => {
  ensureBuilt(PACKAGES);
  work = mkdtempSync(path.join(tmpdir(), 'labkit-pack-'));
  const packs = path.join(work, 'tarballs');
  mkdirSync(packs);
  for (const pkg of PACKAGES) {
    // pnpm pack, not npm pack: it turns the workspace:* ranges into the real
    // versions, exactly as `pnpm publish` will (npm pack would ship them as is).
    const out = sh(`pnpm pack --pack-destination ${JSON.stringify(packs)}`, path.join(repoRoot, 'packages', pkg), { npm_config_user_agent: '' });
    const file = out.stdout.trim().split('\n').filter((l) => l.endsWith('.tgz')).pop()!;
    tarballs[pkg] = path.isAbsolute(file) ? file : path.join(packs, path.basename(file));
    expect(existsSync(tarballs[pkg]!), `${pkg} tarball`).toBe(true);
  }
}, 20 * MINUTE);

// Each run installs about 250 MB twice; LABKIT_KEEP_PACK=1 keeps it to look at.
afterAll(() => {
  if (!work || process.env['LABKIT_KEEP_PACK']) return;
  spawnSync('chmod', ['-R', 'u+w', work]); // the installed packages were made read-only
  rmSync(work, { recursive: true, force: true });
});

describe('packed packages', () => {
  it('ship compiled JavaScript with declarations, real dependency ranges and the metadata a registry shows', () => {
    for (const pkg of PACKAGES) {
      const listing = sh(`tar -tzf ${JSON.stringify(tarballs[pkg])}`, work).stdout.trim().split('\n');
      const manifest = JSON.parse(sh(`tar -xzOf ${JSON.stringify(tarballs[pkg])} package/package.json`, work).stdout);
      expect(manifest.private, pkg).toBeUndefined();
      expect(manifest.license, pkg).toBe('MIT');
      expect(manifest.engines.node, pkg).toBe('>=24');
      expect(manifest.repository.url, pkg).toContain('github.com');
      expect(JSON.stringify(manifest), `${pkg}: no workspace: ranges`).not.toContain('workspace:');
      expect(listing, pkg).toContain('package/LICENSE');
      // Nothing Node would have to strip types from: only .d.ts, plus the Astro
      // app's content config, which Vite compiles (in the author's project).
      const ts = listing.filter((f) => /\.(c|m)?ts$/.test(f) && !f.endsWith('.d.ts') && !/\.d\.(c|m)ts$/.test(f));
      expect(ts, pkg).toEqual(pkg === 'site' ? ['package/astro-app/src/content.config.ts'] : []);
      if (manifest.exports) {
        for (const [key, value] of Object.entries(manifest.exports as Record<string, unknown>)) {
          if (typeof value === 'string') continue;
          const entry = value as { types: string; default: string };
          expect(listing, `${pkg} ${key}`).toContain(`package/${entry.default.replace(/^\.\//, '')}`);
          expect(listing, `${pkg} ${key}`).toContain(`package/${entry.types.replace(/^\.\//, '')}`);
        }
      }
    }
    const labkitListing = sh(`tar -tzf ${JSON.stringify(tarballs['labkit'])}`, work).stdout;
    expect(labkitListing).toContain('package/bin/lab.js');
    const cliListing = sh(`tar -tzf ${JSON.stringify(tarballs['cli'])}`, work).stdout;
    expect(cliListing).toContain('package/templates/challenge-ts/index.lab.ts.tmpl');
    expect(cliListing).not.toContain('package/src/');
    // The bundle an installed `lab` runs (scripts/bundle-cli.mjs), and the re-export it imports Pagefind through.
    expect(cliListing).toContain('package/dist/bundle/main.js');
    expect(sh(`tar -tzf ${JSON.stringify(tarballs['site'])}`, work).stdout).toContain('package/dist/_ext/pagefind.js');
    const runtimeListing = sh(`tar -tzf ${JSON.stringify(tarballs['runtime'])}`, work).stdout;
    expect(runtimeListing).toContain('package/dist/image/guest/agent.c');
  });
});

/** Every file of the installed Labkit packages (root ignores the read-only bits, so compare listings). */
function listInstalled(project: string): string {
  return sh('find node_modules/labkit/ node_modules/@labkit/ | sort', project).stdout;
}

describe('an author project with the packed packages installed by npm', () => {
  let project: string;
  let installedFiles = '';

  it('npx lab init writes the project around the install, and validate passes', () => {
    project = path.join(work, 'my-labs');
    mkdirSync(project);
    sh('git init -q && npm init -y >/dev/null', project);
    sh(installTarballs(), project);
    // Read-only node_modules: whatever lab does later must write elsewhere.
    sh('chmod -R a-w node_modules/labkit node_modules/@labkit', project);
    installedFiles = listInstalled(project);
    const init = sh('npx lab init', project);
    expect(init.stdout).toContain('Created a Labkit content repository');
    expect(init.stdout).toMatch(/Next:\n {2}npm run dev\n/);
    for (const file of ['lab.config.ts', 'tsconfig.json', '.github/workflows/labkit.yml', '.vscode/labkit.schema.json', 'challenges/first-challenge/index.md']) {
      expect(existsSync(path.join(project, file)), file).toBe(true);
    }
    const pkg = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8'));
    expect(pkg.devDependencies.labkit).toMatch(/^file:/);
    expect(pkg.scripts.validate).toBe('lab validate .');
    // The typescript dev dependency init added.
    sh('npm install --prefer-offline', project);
    const validate = sh('npx lab validate . --max-warnings 0', project);
    expect(validate.stdout).toContain('0 errors, 0 warnings');
    // From a subfolder, the same project.
    const sub = sh('npx lab validate', path.join(project, 'challenges'));
    expect(sub.stdout).toContain(`in ${project}.`);
    // The installed lab runs its bundle: no module of the packages' dist/ outside it.
    const log = path.join(project, '..', 'modules.log');
    writeFileSync(log, '');
    sh(`MODULE_LOG=${JSON.stringify(log)} NODE_OPTIONS=${JSON.stringify(`--import=${RECORD_MODULES}`)} npx lab validate .`, project);
    const { main, workers } = readModuleLog(log);
    const ours = [...main, ...[...workers.values()].flat()].filter((u) => u.includes('/@labkit/')).map((u) => u.replace(/.*\/@labkit\//, ''));
    expect(ours).toContain('cli/dist/bundle/main.js');
    expect(ours.filter((u) => !u.startsWith('cli/dist/bundle/') && !u.startsWith('cli/bin/'))).toEqual([]);
  }, 15 * MINUTE);

  it('tsc types a *.lab.ts file through the installed labkit package, and catches a misspelt field', () => {
    sh('npx lab new challenge typed-one --ts', project);
    const ok = spawnSync('npx', ['tsc', '--noEmit', '-p', '.'], { cwd: project, env: authorEnv(), encoding: 'utf8' });
    expect(ok.stdout + ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    const bad = path.join(project, 'challenges', 'typed-bad');
    mkdirSync(bad);
    writeFileSync(
      path.join(bad, 'index.lab.ts'),
      "import { defineChallenge } from 'labkit';\nexport default defineChallenge({ title: 'A Challenge With an Unknown Field', description: 'x', categories: ['linux'], difficulty: 'easy', createdAt: '2026-01-01', playground: { name: 'busybox' }, tasks: {}, timeLimit: '1h' });\n",
    );
    const fails = spawnSync('npx', ['tsc', '--noEmit', '-p', '.'], { cwd: project, env: authorEnv(), encoding: 'utf8' });
    expect(fails.status).not.toBe(0);
    expect(fails.stdout).toContain('challenges/typed-bad/index.lab.ts');
    expect(fails.stdout).toContain("'timeLimit' does not exist");
    expect(fails.stdout).not.toContain('node_modules');
    sh('rm -r challenges/typed-bad', project);
  }, 5 * MINUTE);

  it('npx lab build writes the site into the project, nothing into the read-only package', () => {
    const build = sh('npx lab build', project);
    expect(build.stdout + build.stderr).toMatch(/pages →/);
    expect(existsSync(path.join(project, 'dist', 'index.html'))).toBe(true);
    expect(existsSync(path.join(project, 'dist', 'tutorials', 'getting-started', 'index.html'))).toBe(true);
  }, 10 * MINUTE);

  it('npx lab dev serves the preview on loopback', async () => {
    const child = spawn('npx', ['lab', 'dev', '--no-playground', '--port', '0'], { cwd: project, env: authorEnv(), detached: true });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no preview URL within 120 s:\n${out}`)), 120_000);
        const onData = (d: Buffer) => {
          out += d.toString();
          const m = /preview (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.on('exit', (code) => reject(new Error(`lab dev exited ${code}:\n${out}`)));
      });
      let page = '';
      for (let i = 0; i < 60 && !page.includes('Getting Started'); i++) {
        const res = await fetch(new URL('tutorials/getting-started/', url));
        page = res.ok ? await res.text() : '';
        if (!page.includes('Getting Started')) await new Promise((r) => setTimeout(r, 1000));
      }
      expect(page).toContain('Getting Started With the Playground');
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
    }
  }, 5 * MINUTE);

  it('npx lab test proves one challenge solvable in a microVM', () => {
    const test = sh('npx lab test challenges/first-challenge', project);
    expect(test.stdout).toContain('PASS');
    expect(test.stdout).toContain('first-challenge');
  }, 15 * MINUTE);

  it('init, validate, build, dev and test wrote nothing inside the installed packages', () => {
    expect(listInstalled(project)).toBe(installedFiles);
    expect(existsSync(path.join(project, '.labkit-cache'))).toBe(true);
  });

  it('the generated workflow runs as written: each run: step in order, on the packed packages', () => {
    const workflow = parseYaml(readFileSync(path.join(project, '.github/workflows/labkit.yml'), 'utf8')) as {
      jobs: Record<string, { steps: Array<{ name?: string; run?: string; uses?: string; if?: string }> }>;
    };
    const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
    expect(steps.some((s) => s.uses?.startsWith('actions/cache@') )).toBe(true);
    const runs = steps.filter((s) => s.run !== undefined);
    const published = path.join(work, 'published');
    const ran: string[] = [];
    for (const step of runs) {
      const command = step.run!.trim();
      // Host setup a GitHub runner needs (root packages, /dev/kvm): this
      // machine is set up by .ci/lib.sh the same way.
      if (/^sudo apt-get|chmod 666 \/dev\/kvm/.test(command)) continue;
      sh(command, project, { LABKIT_TARGET: published, CI: 'true' });
      ran.push(command);
    }
    expect(ran[0]).toBe('npm ci');
    expect(ran).toEqual(expect.arrayContaining(['npx lab validate . --max-warnings 0', 'npx lab image build', 'npx lab test .', 'npx lab build . --out dist']));
    expect(ran.at(-1)).toContain('npx lab publish . --to "$LABKIT_TARGET"');
    expect(existsSync(path.join(published, 'manifest.json'))).toBe(true);
  }, 30 * MINUTE);
});

describe('npm create labkit, from the packed create-labkit', () => {
  it('writes a project whose next steps are npm commands, and that validates and type-checks once installed', () => {
    const parent = path.join(work, 'create');
    mkdirSync(parent);
    // `npm create labkit my-labs` is `npm exec create-labkit my-labs`; the
    // other tarballs are given too so that nothing is looked up by name.
    const pkgs = PACKAGES.map((p) => `--package=${JSON.stringify(tarballs[p])}`).join(' ');
    const created = sh(`npm exec --yes --prefer-offline ${pkgs} -- create-labkit new-labs --no-install`, parent);
    expect(created.stdout).toContain('Created a Labkit content repository in new-labs');
    expect(created.stdout).toMatch(/Next:\n {2}cd new-labs\n {2}npm install\n {2}npm run dev\n/);
    const project = path.join(parent, 'new-labs');
    const pkg = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8'));
    expect(pkg.devDependencies.labkit).toMatch(/^\^0\.\d+\.\d+/);
    // Not published: swap the registry range for the tarballs, then the author's commands.
    sh(installTarballs(), project);
    sh('npm install --prefer-offline', project);
    expect(sh('npm run -s validate', project).stdout).toContain('0 errors');
    sh('npx lab new challenge typed-two --ts && npx tsc --noEmit', project);
    sh('npm run -s build', project);
    expect(existsSync(path.join(project, 'dist', 'challenges', 'typed-two', 'index.html'))).toBe(true);
  }, 15 * MINUTE);
});
