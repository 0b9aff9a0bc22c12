import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initProject } from '../../src/scaffold/init-project.ts';
import { detectPackageManager } from '../../src/scaffold/package-manager.ts';
import { lab, tempDir } from '../helpers.ts';

const schema = '{}\n';

describe('lab init in an existing repository', () => {
  it('accepts a fresh clone: keeps README and LICENSE, merges .gitignore, writes package.json, tsconfig and the workflow', async () => {
    const dir = tempDir('init-repo');
    mkdirSync(join(dir, '.git'));
    writeFileSync(join(dir, 'README.md'), '# Mine\n');
    writeFileSync(join(dir, 'LICENSE'), 'MIT, mine\n');
    writeFileSync(join(dir, '.gitignore'), '*.log\nnode_modules\n');
    const result = await lab(['init'], { cwd: dir, env: { npm_config_user_agent: 'npm/11.4.0 node/v24.1.0 linux x64 workspaces/false' } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('# Mine\n');
    expect(readFileSync(join(dir, 'LICENSE'), 'utf8')).toBe('MIT, mine\n');
    // Existing lines stay; only the missing Labkit lines are appended (node_modules was there without the slash).
    const gitignore = readFileSync(join(dir, '.gitignore'), 'utf8');
    expect(gitignore.startsWith('*.log\nnode_modules\n')).toBe(true);
    expect(gitignore).toContain('dist/');
    expect(gitignore).toContain('.labkit-cache/');
    expect(gitignore.match(/node_modules/g)).toHaveLength(1);

    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg.type).toBe('module');
    expect(pkg.devDependencies.labkit).toMatch(/^\^\d+\.\d+\.\d+/);
    expect(Object.keys(pkg.scripts)).toEqual(expect.arrayContaining(['dev', 'build', 'validate', 'test', 'publish']));
    const tsconfig = JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8'));
    expect(tsconfig.include).toContain('**/*.lab.ts');
    const workflow = readFileSync(join(dir, '.github/workflows/labkit.yml'), 'utf8');
    expect(workflow).toContain('run: npm ci');
    expect(workflow).toContain('cache: npm');
    expect(workflow).not.toContain('--global');
    expect(readFileSync(join(dir, 'lab.config.ts'), 'utf8')).toContain("from 'labkit'");
    // Next steps for the package manager that ran it.
    expect(result.stdout).toMatch(/Next:\n {2}npm install\n {2}npm run dev\n/);
  });

  it('writes for pnpm and yarn when they run it, and prints their commands', () => {
    const pnpmDir = tempDir('init-pnpm');
    const pnpm = initProject({ dir: pnpmDir, schema, userAgent: 'pnpm/10.4.1 npm/? node/v24.1.0 linux x64' });
    expect(pnpm.pm).toBe('pnpm');
    const pnpmFlow = readFileSync(join(pnpmDir, '.github/workflows/labkit.yml'), 'utf8');
    expect(pnpmFlow).toContain('uses: pnpm/action-setup@v4');
    expect(pnpmFlow).toContain('run: pnpm install --frozen-lockfile');
    expect(pnpmFlow).toContain('run: pnpm exec lab validate . --max-warnings 0');
    expect(JSON.parse(readFileSync(join(pnpmDir, 'package.json'), 'utf8')).packageManager).toBe('pnpm@10.4.1');

    const yarnDir = tempDir('init-yarn');
    initProject({ dir: yarnDir, schema, userAgent: 'yarn/4.5.0 npm/? node/v24.1.0 linux x64' });
    const yarnFlow = readFileSync(join(yarnDir, '.github/workflows/labkit.yml'), 'utf8');
    expect(yarnFlow).toContain('run: corepack enable');
    expect(yarnFlow).toContain('run: yarn install --immutable');
    expect(yarnFlow).toContain('cache: yarn');

    expect(detectPackageManager('')).toBe('npm');
    expect(detectPackageManager('yarn/1.22.22 npm/? node/v24.1.0 linux x64')).toBe('yarn');
  });

  it('merges into an existing package.json without replacing the labkit it already has or its scripts', () => {
    const dir = tempDir('init-pkg');
    // As `npm init -y` writes it (npm 11 says "type": "commonjs"), after `npm install labkit`.
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'mine', type: 'commonjs', scripts: { test: 'echo mine' }, devDependencies: { labkit: 'file:../labkit-0.1.0.tgz' } }));
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(join(dir, 'package-lock.json'), '{}');
    const result = initProject({ dir, schema, packageManager: 'npm' });
    expect(result.hadLabkit).toBe(true);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('mine');
    expect(pkg.type).toBe('module');
    expect(pkg.scripts.test).toBe('echo mine');
    expect(pkg.scripts.dev).toBe('lab dev');
    expect(pkg.devDependencies.labkit).toBe('file:../labkit-0.1.0.tgz');
  });

  it('still refuses a folder with other work in it', () => {
    const dir = tempDir('init-busy');
    writeFileSync(join(dir, 'README.md'), '# x\n');
    mkdirSync(join(dir, 'src'));
    expect(() => initProject({ dir, schema })).toThrow(/src/);
    expect(existsSync(join(dir, 'package.json'))).toBe(false);
  });
});
