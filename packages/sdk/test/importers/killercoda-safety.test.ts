import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importKillercoda, isLabkitError } from '@labkit/sdk';
import { writeFolderAtomically } from '../../src/importers/write-atomic.ts';
import { fingerprint } from './fixture-tree.ts';
import { corpusPath, itCorpus } from '../../../../test-support/corpus.ts';

const scenario = corpusPath('killercoda-examples', 'verification');
const work = mkdtempSync(path.join(tmpdir(), 'labkit-import-safety-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function rejection(promise: Promise<unknown>): Promise<{ code: string; hint: string | undefined }> {
  try {
    await promise;
  } catch (error) {
    if (isLabkitError(error)) return { code: error.code, hint: error.hint };
    throw error;
  }
  throw new Error('expected the import to be refused');
}

describe('importKillercoda never damages files', () => {
  itCorpus('refuses an existing output folder without force, and leaves it as it was', async () => {
    const out = path.join(work, 'existing');
    mkdirSync(out);
    writeFileSync(path.join(out, 'keep.txt'), 'mine');
    const before = fingerprint(out);
    const refused = await rejection(importKillercoda(scenario, { out }));
    expect(refused.code).toBe('OutputExists');
    expect(refused.hint).toContain('--force');
    expect(fingerprint(out)).toBe(before);
  });

  itCorpus('replaces an existing output folder with force', async () => {
    const out = path.join(work, 'forced');
    mkdirSync(out);
    writeFileSync(path.join(out, 'stale.txt'), 'old');
    await importKillercoda(scenario, { out, force: true });
    expect(readdirSync(out)).toEqual(['verification']);
    // No temporary or replaced folders are left beside the output.
    expect(readdirSync(work).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  itCorpus('never writes into the source folder, even with force', async () => {
    const source = path.join(work, 'source');
    cpSync(scenario, source, { recursive: true });
    const before = fingerprint(source);
    expect((await rejection(importKillercoda(source, { out: path.join(source, 'out'), force: true }))).code).toBe('OutputOverlapsSource');
    expect((await rejection(importKillercoda(source, { out: work, force: true }))).code).toBe('OutputOverlapsSource');
    // A symlink that leads back into the source is seen through.
    symlinkSync(source, path.join(work, 'link-to-source'));
    expect((await rejection(importKillercoda(source, { out: path.join(work, 'link-to-source', 'out') }))).code).toBe('OutputOverlapsSource');
    await importKillercoda(source, { out: path.join(work, 'beside') });
    expect(fingerprint(source)).toBe(before);
  });

  it('refuses a source that is missing or holds no scenario', async () => {
    expect((await rejection(importKillercoda(path.join(work, 'nope'), { out: path.join(work, 'o1') }))).code).toBe('SourceNotFound');
    const empty = path.join(work, 'empty');
    mkdirSync(empty);
    expect((await rejection(importKillercoda(empty, { out: path.join(work, 'o2') }))).code).toBe('NoScenarios');
    expect(existsSync(path.join(work, 'o2'))).toBe(false);
  });

  it('reports broken JSON with its position and writes nothing for it', async () => {
    const source = path.join(work, 'broken');
    mkdirSync(path.join(source, 'bad'), { recursive: true });
    writeFileSync(path.join(source, 'bad', 'index.json'), '{\n  "title": "Broken",\n  "details": {\n}');
    const out = path.join(work, 'broken-out');
    const result = await importKillercoda(source, { out });
    expect(result.items).toEqual([]);
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({ file: 'bad/index.json', ruleId: 'killercoda:invalid-json', severity: 'error', span: { start: { line: 4 } } });
    expect(existsSync(out)).toBe(false);
  });

  it('leaves nothing behind when writing fails half-way', async () => {
    const out = path.join(work, 'half');
    // 'a' as a file and as a folder: the second write fails after the first succeeded.
    const files = new Map<string, string>([['a', 'file'], ['a/b', 'nested']]);
    await expect(writeFolderAtomically(out, files, false)).rejects.toThrow();
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work).filter((n) => n.startsWith('.half'))).toEqual([]);
    // And with force, the old output survives a failed replacement.
    mkdirSync(out);
    writeFileSync(path.join(out, 'old.txt'), 'old');
    await expect(writeFolderAtomically(out, files, true)).rejects.toThrow();
    expect(readFileSync(path.join(out, 'old.txt'), 'utf8')).toBe('old');
  });
});
