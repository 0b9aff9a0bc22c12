// Finding 3 of issue 11, the loader side: a symlink that leaves the content
// root is never listed (so never read) and is a positioned error, both on
// the first load and when `lab dev` sees it appear (updateFiles).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadContent, updateFiles } from '../../src/index.ts';

const work = mkdtempSync(path.join(tmpdir(), 'labkit-sec-symlinks-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const INDEX = '---\nkind: tutorial\ntitle: Linked Files Tutorial\ndescription: Symlinks.\ncategories: [linux]\ncreatedAt: 2026-01-01\n---\n\nBody.\n';

describe('symlinks in content', () => {
  it('a link out of the root is refused on load and when it appears later; a bodyFile cannot read it', async () => {
    writeFileSync(path.join(work, 'secret.txt'), 'TOP-SECRET');
    const root = path.join(work, 'content');
    mkdirSync(path.join(root, 't/__static__'), { recursive: true });
    writeFileSync(path.join(root, 't/index.md'), INDEX);
    symlinkSync('../../../secret.txt', path.join(root, 't/__static__/a.txt'));
    // A unit that is a link out: never parsed, so its text never reaches a page.
    symlinkSync(path.join(work, 'secret.txt'), path.join(root, 't/unit-10.md'));
    const graph = await loadContent(root);
    expect(graph.diagnostics.filter((d) => d.ruleId === 'lab:symlink-outside').map((d) => `${d.file}:${d.span.start.line}:${d.span.start.column}`)).toEqual([
      't/__static__/a.txt:1:1',
      't/unit-10.md:1:1',
    ]);
    expect([...graph.files].sort()).toEqual(['t/index.md']);
    expect([...graph.documents.values()].some((d) => d.parsed.source.includes('TOP-SECRET'))).toBe(false);

    symlinkSync('/proc/self/environ', path.join(root, 't/__static__/env.txt'));
    const next = await updateFiles(graph, [path.join(root, 't/__static__/env.txt')]);
    expect(next.files.has('t/__static__/env.txt')).toBe(false);
    expect(next.diagnostics.filter((d) => d.ruleId === 'lab:symlink-outside').map((d) => d.file)).toContain('t/__static__/env.txt');
  });
});
