// The bundled CLI (dist/bundle/, scripts/bundle-cli.mjs) is what an installed
// `lab` runs. It must do exactly what the sources do, load its code from the
// bundle (not the ~600 modules of dist/ and node_modules it replaces), hand
// workers and `*.lab.ts` files the bundle's modules, and still find the files
// our code reads next to itself (client scripts, the Astro app, child
// processes). Asserts on outputs and on the modules loaded, never on time.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusPath, hasCorpus } from '../../../test-support/corpus.ts';
import { ensureBuilt } from '../../../test-support/dist.ts';
import { RECORD_MODULES, readModuleLog } from '../../../test-support/modules.ts';
import { labBin, repoRoot, tempDir } from './helpers.ts';


const work = tempDir('bundle');
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeAll(() => ensureBuilt(['sdk', 'runtime', 'site', 'publish', 'cli']), 10 * 60_000);

// The examples as an author's repository has them: the TypeScript challenge
// imports 'labkit' (inside this repository it imports the SDK's source by path).
const content = join(work, 'examples');
cpSync(join(repoRoot, 'examples'), content, { recursive: true });
const labTs = join(content, 'challenges/create-a-service-account/index.lab.ts');
writeFileSync(labTs, readFileSync(labTs, 'utf8').replace("'../../../packages/sdk/src/index.ts'", "'labkit'"));

interface Recorded {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Module URLs loaded by the main thread. */
  loaded: string[];
  /** Module URLs loaded by each worker thread, by thread id. */
  workers: Map<number, string[]>;
}

let runs = 0;
function labAs(code: 'source' | 'bundle', args: string[], cache: string): Recorded {
  const log = join(work, `modules-${++runs}.log`);
  writeFileSync(log, '');
  const r = spawnSync(process.execPath, ['--import', RECORD_MODULES, labBin, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', LABKIT_CODE: code, LABKIT_CACHE: join(work, cache), MODULE_LOG: log },
  });
  const { main: loaded, workers } = readModuleLog(log);
  if (!loaded.length) throw new Error(`no module list (exit ${r.status}): ${r.stderr.slice(-3000)}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, loaded, workers };
}

/** Every workspace file (ours, not node_modules) the bundle run loaded, relative to packages/. */
const ours = (loaded: string[]) => loaded.filter((u) => u.includes('/packages/') && !u.includes('/node_modules/')).map((u) => u.replace(/.*\/packages\//, ''));

describe('the bundled CLI', () => {
  it('validates the examples (a *.lab.ts challenge among them) as the sources do, from the bundle alone', () => {
    expect(readFileSync(labTs, 'utf8')).toContain("from 'labkit'");
    const source = labAs('source', ['validate', content, '--format', 'json'], 'v-source');
    const bundle = labAs('bundle', ['validate', content, '--format', 'json'], 'v-bundle');
    expect(bundle.status).toBe(source.status);
    expect(bundle.stdout).toBe(source.stdout);
    expect(JSON.parse(bundle.stdout).summary).toEqual({ errors: 0, warnings: 0, infos: 0, files: 0 });
    // The CLI and the SDK the *.lab.ts file imports: bundle files, none of dist/ or src/.
    const files = ours(bundle.loaded);
    expect(files.filter((f) => !f.startsWith('cli/bin/') && !f.startsWith('cli/dist/bundle/'))).toEqual([]);
    expect(files).toContain('cli/dist/bundle/main.js');
    expect(files).toContain('cli/dist/bundle/author.js'); // `import … from 'labkit'` in index.lab.ts: the bundle's modules
    expect(bundle.loaded.length, 'modules loaded by the main thread').toBeLessThan(source.loaded.length / 4);
  });

  it.skipIf(!hasCorpus)('parses real tutorials on guarded workers started from the bundle, with the same findings', () => {
    // 20 copies of the sample tutorial (1.2 MB): over the guard's in-place estimate, and enough text for a worker per core.
    const dir = join(work, 'tutorials');
    for (let i = 0; i < 20; i++) {
      mkdirSync(join(dir, 'tutorials', `t${i}`), { recursive: true });
      cpSync(corpusPath('iximiuz-samples/sample-tutorial/index.md'), join(dir, 'tutorials', `t${i}`, 'index.md'));
    }
    const source = labAs('source', ['validate', dir, '--format', 'json'], 't-source');
    const bundle = labAs('bundle', ['validate', dir, '--format', 'json'], 't-bundle');
    expect(bundle.status).toBe(source.status);
    expect(bundle.stdout).toBe(source.stdout);
    expect(JSON.parse(bundle.stdout).diagnostics.length).toBeGreaterThan(0);
    // The load worker and a parse worker per core: each runs a bundle entry, and only bundle files.
    expect(bundle.workers.size).toBeGreaterThanOrEqual(3);
    const all = [...bundle.workers.values()].flatMap(ours);
    expect(all).toContain('cli/dist/bundle/validate-worker.js');
    expect(all).toContain('cli/dist/bundle/parse-worker.js');
    expect(all.filter((f) => !f.startsWith('cli/dist/bundle/'))).toEqual([]);
  });

  it('builds the examples into the same site as the sources, reading the client files and the Astro app from their packages', () => {
    const outSource = join(work, 'site-source');
    const outBundle = join(work, 'site-bundle');
    const source = labAs('source', ['build', content, '--out', outSource, '--format', 'json'], 'b-source');
    const bundle = labAs('bundle', ['build', content, '--out', outBundle, '--format', 'json'], 'b-bundle');
    expect(source.status, source.stderr).toBe(0);
    expect(bundle.status, bundle.stderr).toBe(0);
    const tree = (root: string): Map<string, Buffer> => {
      const files = new Map<string, Buffer>();
      const walk = (d: string) => {
        for (const e of readdirSync(d)) {
          const abs = join(d, e);
          if (statSync(abs).isDirectory()) walk(abs);
          else files.set(relative(root, abs), readFileSync(abs));
        }
      };
      walk(root);
      return files;
    };
    const a = tree(outSource);
    const b = tree(outBundle);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    expect(a.size).toBeGreaterThan(30);
    const differ = [...a].filter(([f, buf]) => !buf.equals(b.get(f)!)).map(([f]) => f);
    expect(differ).toEqual([]);
    expect(ours(bundle.loaded).filter((f) => !f.startsWith('cli/bin/') && !f.startsWith('cli/dist/bundle/') && !/^[a-z]+\/dist\/_ext\//.test(f))).toEqual([]);

    // A one-page edit, rebuilt: the search shard is fed early on the feed's
    // worker thread, which runs the bundle's entry, and both sites agree.
    const page = join(content, 'tutorials/linux-file-permissions/index.md');
    writeFileSync(page, readFileSync(page, 'utf8') + '\n\nA paragraph the bundle test added about umask.\n');
    const sourceAgain = labAs('source', ['build', content, '--out', outSource, '--format', 'json'], 'b-source');
    const bundleAgain = labAs('bundle', ['build', content, '--out', outBundle, '--format', 'json'], 'b-bundle');
    expect(bundleAgain.status, bundleAgain.stderr).toBe(0);
    for (const r of [sourceAgain, bundleAgain]) {
      const summary = JSON.parse(r.stdout) as { mode: string; timings: { searchPrefed?: number } };
      expect(summary.mode).toBe('incremental');
      expect(summary.timings.searchPrefed).toBeGreaterThan(0);
    }
    const fed = [...bundleAgain.workers.values()].map(ours).find((files) => files.includes('cli/dist/bundle/search-feed-worker.js'));
    expect(fed, 'a worker that ran the search feed entry').toBeDefined();
    // Pagefind is external to the bundle: reached through the site package's re-export, as on the main thread.
    expect(fed!.filter((f) => !f.startsWith('cli/dist/bundle/') && !/^[a-z]+\/dist\/_ext\//.test(f))).toEqual([]);
    const a2 = tree(outSource);
    const b2 = tree(outBundle);
    expect([...b2.keys()].sort()).toEqual([...a2.keys()].sort());
    expect([...a2].filter(([f, buf]) => !buf.equals(b2.get(f)!)).map(([f]) => f)).toEqual([]);
  });

  it('LABKIT_CODE names code that is there, or lab says what is wrong', () => {
    const run = (code: string) => spawnSync(process.execPath, [labBin, '--version'], { encoding: 'utf8', env: { ...process.env, LABKIT_CODE: code } });
    const unknown = run('bundel');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('error[CodeUnknown] LABKIT_CODE=bundel is not one of source, bundle, dist');
    for (const code of ['source', 'bundle', 'dist']) expect(run(code).stdout.trim(), code).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
