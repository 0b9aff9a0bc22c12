import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { overflowScript } from '../../src/importers/killercoda/map-assets.ts';

const work = mkdtempSync(path.join(tmpdir(), 'labkit-assets-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('overflow assets init task', () => {
  it('writes every file byte for byte when run by a real /bin/sh', () => {
    const files = [
      { path: path.join(work, 'a/b/plain.txt'), content: 'line one\nline two\n' },
      { path: path.join(work, 'quote.txt'), content: `it's "quoted" and has no newline` },
      { path: path.join(work, 'dollar.sh'), content: 'echo $HOME %s \\n `date` $(id)\n', mode: '0755' },
      { path: path.join(work, 'dir with space/x'), content: "'''\n" },
    ];
    execFileSync('/bin/sh', ['-c', overflowScript(files)]);
    for (const f of files) expect(readFileSync(f.path, 'utf8'), f.path).toBe(f.content);
    expect(statSync(path.join(work, 'dollar.sh')).mode & 0o777).toBe(0o755);
  });
});
