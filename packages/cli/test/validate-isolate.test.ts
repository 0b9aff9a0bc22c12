// validate({ isolate: true }), what `lab validate` runs: the load on a worker
// thread with a capped young generation (issue 18's memory). On the real
// iximiuz samples it must say exactly what the in-process load says, fill
// the --cache entry the same way, and stay in-process for content whose
// *.lab.ts files would run.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { validate } from '../src/index.ts';
import type { ValidateResult } from '../src/index.ts';
import { corpusPath, describeCorpus, hasCorpus } from '../../../test-support/corpus.ts';
import { labBin, tempDir } from './helpers.ts';

const work = tempDir('validate-isolate');
const content = join(work, 'content');
if (hasCorpus) cpSync(corpusPath('iximiuz-samples'), content, { recursive: true });
afterAll(() => rmSync(work, { recursive: true, force: true }));

const said = (r: ValidateResult) => ({ ok: r.ok, diagnostics: r.diagnostics, summary: r.summary, counts: r.counts, files: [...r.files].sort(), fromCache: r.fromCache });

describeCorpus('validate({ isolate: true })', () => {
  it('says what the in-process load says, without holding the graph', async () => {
    const here = await validate({ dir: content });
    const isolated = await validate({ dir: content, isolate: true });
    expect(here.diagnostics.length).toBeGreaterThan(0);
    expect(isolated.graph).toBeUndefined();
    expect(said(isolated)).toEqual(said(here));
    expect(JSON.stringify(isolated.diagnostics)).toBe(JSON.stringify(here.diagnostics));
  });

  it('a load that outgrows the old generation cap is done again without it, with the same result', async () => {
    const capped = await validate({ dir: content, isolate: { oldGenerationMb: 4 } });
    expect(capped.graph).toBeUndefined();
    expect(said(capped)).toEqual(said(await validate({ dir: content })));
  });

  it('fills the --cache entry, and the hit equals an in-process run', async () => {
    const cache = join(work, 'cache');
    const miss = await validate({ dir: content, isolate: true, cache });
    expect(miss.fromCache).toBe(false);
    const hit = await validate({ dir: content, isolate: true, cache });
    expect(hit.fromCache).toBe(true);
    expect({ ...said(hit), fromCache: false }).toEqual(said(await validate({ dir: content })));
  });

  it('content with *.lab.ts that would run loads in-process (its imports need this thread\'s hooks)', async () => {
    const file = join(content, 'extra.lab.ts');
    writeFileSync(file, 'export default {};\n');
    try {
      const withCode = await validate({ dir: content, isolate: true });
      expect(withCode.graph).toBeDefined();
      const noCode = await validate({ dir: content, isolate: true, code: false });
      expect(noCode.graph).toBeUndefined();
      expect(said(noCode)).toEqual(said(await validate({ dir: content, code: false })));
    } finally {
      rmSync(file);
    }
  });
});

describeCorpus('lab validate started with a V8 flag (node --max-old-space-size=… lab validate)', () => {
  it('runs its load and parse workers without the flag (Node refuses V8 flags in a worker) and says what a plain run says', () => {
    // 20 copies of the sample tutorial: enough text for a parse worker per core, beside the load worker.
    const dir = join(work, 'v8-flags');
    for (let i = 0; i < 20; i++) cpSync(corpusPath('iximiuz-samples/sample-tutorial'), join(dir, 'tutorials', `t${i}`), { recursive: true });
    const run = (flags: string[]) =>
      spawnSync(process.execPath, [...flags, labBin, 'validate', dir, '--format', 'json'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', LABKIT_CACHE: join(work, 'v8-cache') }, maxBuffer: 64 * 1024 * 1024 });
    const plain = run([]);
    const flagged = run(['--max-old-space-size=3072', '--stack-trace-limit=30']);
    expect(flagged.stderr).not.toContain('Unexpected');
    expect(flagged.status).toBe(plain.status);
    expect(JSON.parse(flagged.stdout).diagnostics.length).toBeGreaterThan(0);
    expect(flagged.stdout).toBe(plain.stdout);
  });
});
