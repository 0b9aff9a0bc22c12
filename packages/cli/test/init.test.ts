import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lab, tempDir } from './helpers.ts';

describe('lab init', () => {
  it('creates a content repository that validates cleanly', async () => {
    const dir = join(tempDir('init'), 'my-labs');
    const init = await lab(['init', dir]);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    for (const file of [
      'lab.config.ts',
      'README.md',
      '.gitignore',
      '.vscode/settings.json',
      '.vscode/labkit.schema.json',
      '.github/workflows/labkit.yml',
      'tutorials/getting-started/index.md',
      'challenges/first-challenge/index.md',
      'challenges/first-challenge/solution.sh',
    ]) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    // The editor settings point the YAML language server at the schema file init wrote.
    const settings = readFileSync(join(dir, '.vscode/settings.json'), 'utf8');
    expect(settings).toContain('"./.vscode/labkit.schema.json"');
    const schema = JSON.parse(readFileSync(join(dir, '.vscode/labkit.schema.json'), 'utf8'));
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');

    const validate = await lab(['validate', dir, '--max-warnings', '0']);
    expect(validate.stdout).toContain('0 errors, 0 warnings');
    expect(validate.code).toBe(0);
  });

  it('refuses a non-empty directory and leaves it untouched', async () => {
    const dir = tempDir('init-nonempty');
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const result = await lab(['init', dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error[DirectoryNotEmpty]');
    expect(result.stderr).toContain('notes.txt');
    expect(result.stderr).toContain('hint:');
    expect(existsSync(join(dir, 'lab.config.ts'))).toBe(false);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('uses the title it is given, quoted safely in YAML and TypeScript', async () => {
    const dir = join(tempDir('init-title'), 'x');
    const result = await lab(['init', dir, '--title', "Bob's Labs: Linux"]);
    expect(result.code).toBe(0);
    expect(readFileSync(join(dir, 'lab.config.ts'), 'utf8')).toContain(`title: "Bob's Labs: Linux"`);
  });
});
