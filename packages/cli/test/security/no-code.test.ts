// Finding 12 of issue 11: running Labkit on content runs its *.lab.ts code.
// `--no-code` (for CI on a stranger's pull request) must never import it.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lab, tempDir } from '../helpers.ts';

const TUTORIAL = '---\nkind: tutorial\ntitle: A Plain Markdown Tutorial\ndescription: Plain.\ncategories: [linux]\ncreatedAt: 2026-01-01\n---\n\nBody.\n';

/** Content whose .lab.ts leaves a marker file when imported, plus one Markdown item with an error. */
function repo(): { dir: string; marker: string } {
  const dir = tempDir('nocode');
  const marker = join(dir, '..', `${dir.split('/').pop()}-ran.txt`);
  mkdirSync(join(dir, 'tutorials/plain'), { recursive: true });
  writeFileSync(join(dir, 'tutorials/plain/index.md'), TUTORIAL);
  mkdirSync(join(dir, 'tutorials/broken'), { recursive: true });
  writeFileSync(join(dir, 'tutorials/broken/index.md'), TUTORIAL.replace('title: A Plain Markdown Tutorial', 'title: Short'));
  writeFileSync(
    join(dir, 'pwn.lab.ts'),
    `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport default { kind: 'tutorial', title: 'Code That Runs On Import' };\n`,
  );
  return { dir, marker };
}

describe('--no-code never runs content code', () => {
  it('lab validate --no-code reports the .lab.ts (info, positioned) and still validates Markdown; without it the code runs', async () => {
    const { dir, marker } = repo();
    const r = await lab(['validate', dir, '--no-code', '--format', 'json']);
    expect(existsSync(marker)).toBe(false);
    const out = JSON.parse(r.stdout) as unknown;
    const list = (Array.isArray(out) ? out : (out as { diagnostics: unknown[] }).diagnostics) as Array<{ ruleId: string; severity: string; file: string; message: string; span: { start: { line: number; column: number } } }>;
    const info = list.find((d) => d.ruleId === 'lab:code-not-run');
    expect(info).toMatchObject({ severity: 'info', file: 'pwn.lab.ts', span: { start: { line: 1, column: 1 } } });
    expect(info!.message).toContain('Not evaluated (--no-code)');
    expect(list.some((d) => d.file === 'tutorials/broken/index.md' && d.severity === 'error')).toBe(true);
    expect(r.code).toBe(1); // the Markdown error, not the code

    // The same content without --no-code runs the file: the test can fail.
    await lab(['validate', dir]);
    expect(existsSync(marker)).toBe(true);
  }, 60_000);

  it('lab build --no-code and lab publish --no-code do not run it either', async () => {
    const { dir, marker } = repo();
    // Only valid Markdown, so build and publish get past validation.
    writeFileSync(join(dir, 'tutorials/broken/index.md'), TUTORIAL.replace('A Plain', 'Another Plain'));
    const built = await lab(['build', dir, '--no-code', '--out', join(dir, '..', `${dir.split('/').pop()}-dist`)]);
    expect(built.code, built.stdout + built.stderr).toBe(0);
    expect(existsSync(marker)).toBe(false);
    const published = await lab(['publish', dir, '--no-code', '--to', join(dir, '..', `${dir.split('/').pop()}-public`)]);
    expect(published.code, published.stdout + published.stderr).toBe(0);
    expect(existsSync(marker)).toBe(false);
    const both = await lab(['publish', dir, '--no-code', '--test', '--to', join(dir, '..', `${dir.split('/').pop()}-public2`)]);
    expect(both.code).toBe(1);
    expect(both.stdout + both.stderr).toContain('--no-code');
    expect(existsSync(marker)).toBe(false);
  }, 240_000);
});
