// The packages' compiled dist/ (and @labkit/cli's dist/bundle/), which tests of
// what an installed Labkit runs need. CI builds them before the tests
// (.ci/test); a contributor who edited a source since gets them rebuilt here
// rather than a test of stale code.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths.ts';

/** dist/ is older than a source file of the package (or missing). */
export function distStale(pkg: string): boolean {
  const dir = path.join(repoRoot, 'packages', pkg);
  if (!existsSync(path.join(dir, 'src'))) return false;
  if (!existsSync(path.join(dir, 'dist'))) return true;
  const newest = (d: string): number =>
    Math.max(0, ...readdirSync(d, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(path.join(d, e.name)) : statSync(path.join(d, e.name)).mtimeMs)));
  return newest(path.join(dir, 'src')) > statSync(path.join(dir, 'dist')).mtimeMs;
}

/** Builds every package (`pnpm build`, dependency order) when any of `packages` is stale or the CLI's bundle is missing. */
export function ensureBuilt(packages: string[]): void {
  const bundleMissing = !existsSync(path.join(repoRoot, 'packages/cli/dist/bundle/main.js'));
  if (!bundleMissing && !packages.some(distStale)) return;
  const r = spawnSync('pnpm', ['-s', '-r', '--filter', './packages/*', 'run', 'build'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`pnpm build failed (${r.status})\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
}
