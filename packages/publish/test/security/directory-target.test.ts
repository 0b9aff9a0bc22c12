// Finding 4 of issue 11 (publish side): DirectoryTarget joined keys onto its
// root, so "../x" or "a/../../x" wrote (and --prune deleted) outside it.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DirectoryTarget } from '../../src/directory-target.ts';

const work = mkdtempSync(join(tmpdir(), 'labkit-sec-dirtarget-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const BAD = ['../escaped.txt', 'a/../../escaped.txt', '/etc/escaped.txt', 'a//b.txt', './x.txt', '', 'a/..', 'a\\..\\..\\escaped.txt'];

describe('DirectoryTarget refuses keys that leave its root', () => {
  const root = join(work, 'public');
  const target = new DirectoryTarget(root);
  const put = (path: string) => target.put({ path, data: new TextEncoder().encode('x'), sha256: '', contentType: 'text/plain', cacheControl: 'no-cache' });

  for (const key of BAD) {
    it(`put ${JSON.stringify(key)}`, async () => {
      await expect(put(key)).rejects.toMatchObject({ code: 'UnsafeKey' });
      expect(readdirSync(work)).toEqual(readdirSync(work).filter((n) => n === 'public' || n === 'keep.txt'));
    });
  }

  it('read and delete refuse them too; a normal key still works', async () => {
    writeFileSync(join(work, 'keep.txt'), 'mine');
    await expect(target.delete(['../keep.txt'])).rejects.toMatchObject({ code: 'UnsafeKey' });
    await expect(target.read('../keep.txt')).rejects.toMatchObject({ code: 'UnsafeKey' });
    expect(existsSync(join(work, 'keep.txt'))).toBe(true);
    await put('ok/file.txt');
    expect(await target.read('ok/file.txt')).toBeDefined();
    expect(existsSync(join(work, 'escaped.txt'))).toBe(false);
  });
});
