// bin/lab.js serves `lab validate --cache` hits through run/validate-hit.ts
// without loading the CLI: it must print exactly what the full command prints
// for the same hit, with the same exit code, and step aside (printing
// nothing) for anything else.
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/main.ts';
import { readFlags, serveValidateHit } from '../src/run/validate-hit.ts';
import { corpusPath, describeCorpus, hasCorpus } from '../../../test-support/corpus.ts';
import { lab, tempDir } from './helpers.ts';

const work = tempDir('validate-hit');
const content = join(work, 'content');
const cache = join(work, 'cache');
if (hasCorpus) cpSync(corpusPath('iximiuz-samples'), content, { recursive: true });
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What `run` printed on stdout, and what it returned. */
async function printed(run: () => Promise<number | undefined>): Promise<{ code: number | undefined; stdout: string }> {
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString()), true));
  try {
    const code = await run();
    return { code, stdout };
  } finally {
    spy.mockRestore();
  }
}

describe('readFlags', () => {
  it('takes validate arguments as commander does', () => {
    expect(readFlags(['validate', 'dir', '--cache', '--format', 'json', '--quiet', '--no-color', '--no-code', '--max-warnings', '3'])).toEqual({
      dir: 'dir', format: 'json', quiet: true, color: false, cache: true, code: false, maxWarnings: 3,
    });
    expect(readFlags(['validate', '--cache', '--format=pretty', '--max-warnings=0'])).toMatchObject({ dir: undefined, format: 'pretty', maxWarnings: 0 });
  });

  it('leaves anything else to commander', () => {
    for (const argv of [
      ['build', '--cache'],
      ['validate', '--cache', '--help'],
      ['validate', '--cache', '-h'],
      ['validate', '--cache', '--format', 'yaml'],
      ['validate', '--cache', '--format'],
      ['validate', '--cache', '--max-warnings', '-1'],
      ['validate', '--cache', '--max-warnings', '1e3'],
      ['validate', 'a', 'b', '--cache'],
      ['validate', '--cache', '--unknown'],
      ['validate', '--cache=yes'],
    ]) expect(readFlags(argv), argv.join(' ')).toBeUndefined();
  });
});

describeCorpus('serveValidateHit', () => {
  const saved = process.env['LABKIT_CACHE'];
  afterEach(() => {
    if (saved === undefined) delete process.env['LABKIT_CACHE'];
    else process.env['LABKIT_CACHE'] = saved;
  });

  it('prints what the full command prints for a hit, with its exit code, and nothing on a miss', async () => {
    process.env['LABKIT_CACHE'] = cache;
    for (const flags of [['--format', 'json'], [], ['--quiet'], ['--max-warnings', '0']]) {
      const argv = ['validate', content, '--cache', ...flags];
      // Nothing stored yet for this way of printing: a miss, and nothing printed.
      if (flags.length === 2 && flags[0] === '--format') expect(await printed(() => serveValidateHit(argv))).toEqual({ code: undefined, stdout: '' });
      process.exitCode = undefined;
      const full = await printed(() => main(argv)); // fills the entry and keeps this output
      process.exitCode = undefined;
      const lean = await printed(() => serveValidateHit(argv));
      process.exitCode = undefined;
      const fullHit = await printed(() => main(argv));
      process.exitCode = undefined;
      expect(lean.stdout.length).toBeGreaterThan(100);
      expect(lean).toEqual(fullHit);
      // The first run of a way of printing may itself be a hit (the result is kept, its output not yet).
      const said = (stdout: string) => stdout.replace(' (unchanged: cached result)', '');
      expect(said(lean.stdout)).toBe(said(full.stdout));
      expect(lean.code).toBe(full.code);
    }
  }, 120_000);

  it('steps aside for a folder with a lab.config (its check runs on every command)', async () => {
    process.env['LABKIT_CACHE'] = cache;
    const argv = ['validate', content, '--cache', '--format', 'json'];
    const full = await printed(() => main(argv));
    process.exitCode = undefined;
    expect(await printed(() => serveValidateHit(argv))).toEqual(full);
    writeFileSync(join(content, 'lab.config.mjs'), 'export default {};\n');
    try {
      expect(await printed(() => serveValidateHit(argv))).toEqual({ code: undefined, stdout: '' });
    } finally {
      rmSync(join(content, 'lab.config.mjs'));
    }
  }, 60_000);

  it('bin/lab.js serves a hit and still reports a folder that is not one', async () => {
    const env = { LABKIT_CACHE: join(work, 'bin-cache') };
    const fill = await lab(['validate', content, '--cache', '--format', 'json'], { env });
    const hit = await lab(['validate', content, '--cache', '--format', 'json'], { env });
    expect(hit).toEqual(fill);
    const missing = await lab(['validate', join(work, 'nowhere'), '--cache'], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nowhere');
  }, 60_000);
});
