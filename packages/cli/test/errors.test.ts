import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lab, labBin, repoRoot, tempDir } from './helpers.ts';
import { spawnSync } from 'node:child_process';

// Injects a fault the CLI does not expect (a TypeError from fs.statSync on one
// path) into a real `lab` process, to see how an unexpected error is printed.
const FAULT = [
  "import fs from 'node:fs';",
  "import { syncBuiltinESMExports } from 'node:module';",
  'const stat = fs.statSync;',
  "fs.statSync = (p, ...rest) => { if (String(p).endsWith('faulty-dir')) throw new TypeError('disk on fire'); return stat(p, ...rest); };",
  'syncBuiltinESMExports();',
].join('\n');

describe('error output', () => {
  it('prints an unexpected error through the catalogue, with a hint, and the stack only on LABKIT_DEBUG', () => {
    const dir = join(tempDir('errors'), 'faulty-dir');
    mkdirSync(dir);
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(FAULT)}`, labBin, 'validate', dir], {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', ...env },
      });
    const plain = run({});
    expect(plain.status).toBe(70);
    expect(plain.stderr).toContain('error[Unexpected] Unexpected internal error');
    expect(plain.stderr).toContain('TypeError: disk on fire');
    expect(plain.stderr).toContain('hint: This is a bug in Labkit');
    expect(plain.stderr).not.toMatch(/\n\s+at /);

    const debug = run({ LABKIT_DEBUG: '1' });
    expect(debug.status).toBe(70);
    expect(debug.stderr).toMatch(/TypeError: disk on fire\n\s+at /);
  });

  it('prints tool errors with their catalogue name, message and hint (exit 2)', async () => {
    const result = await lab(['schema', '--out', join(tempDir('errors-out'), 'no/such/dir/schema.json')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error[WriteFailed] Cannot write file');
    expect(result.stderr).toContain('hint: Check that the folder exists');
  });
});
