import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { applyProjectRoot, findProjectRoot } from '../../src/project-root.ts';
import { checkLabConfig } from '../../src/config/lab-config.ts';
import { lab, tempDir } from '../helpers.ts';

/** A project with lab.config.ts and one tutorial, and a deep subfolder. */
function project(): { root: string; deep: string } {
  const root = tempDir('root');
  writeFileSync(join(root, 'lab.config.ts'), "export default { site: { title: 'Root Labs' } };\n");
  const deep = join(root, 'challenges', 'x', 'files');
  mkdirSync(deep, { recursive: true });
  return { root, deep };
}

/** Parses argv with a command shaped like `lab build` and runs the preAction logic. */
function parsed(name: string, argv: string[], cwd: string): Command {
  const program = new Command('lab').exitOverride();
  let seen: Command | undefined;
  const cmd = program.command(name).argument('[dir]', 'content folder', '.').option('-o, --out <dir>', 'output', 'dist');
  if (name === 'new') cmd.option('-C, --dir <dir>', 'content root', '.');
  cmd.action(() => {});
  program.hook('preAction', (_p, action) => {
    applyProjectRoot(action, cwd);
    seen = action;
  });
  program.parse([name, ...argv], { from: 'user' });
  return seen!;
}

describe('project root discovery', () => {
  it('finds lab.config.ts above, else a package.json that depends on labkit, else nothing', () => {
    const { root, deep } = project();
    expect(findProjectRoot(deep)).toBe(root);
    const pkgRoot = tempDir('pkgroot');
    writeFileSync(join(pkgRoot, 'package.json'), JSON.stringify({ devDependencies: { labkit: '^0.1.0' } }));
    mkdirSync(join(pkgRoot, 'tutorials'));
    expect(findProjectRoot(join(pkgRoot, 'tutorials'))).toBe(pkgRoot);
    const plain = tempDir('plain');
    writeFileSync(join(plain, 'package.json'), JSON.stringify({ dependencies: { other: '1' } }));
    expect(findProjectRoot(plain)).not.toBe(plain);
  });

  it('defaulted folder arguments and --out resolve from the root; what the user typed is kept', () => {
    const { root, deep } = project();
    const build = parsed('build', [], deep);
    expect(build.processedArgs[0]).toBe(root);
    expect(build.getOptionValue('out')).toBe(join(root, 'dist'));
    const typed = parsed('build', ['.', '--out', 'site'], deep);
    expect(typed.processedArgs[0]).toBe('.');
    expect(typed.getOptionValue('out')).toBe('site');
  });

  it('lab new run inside challenges/ puts the challenge in <root>/challenges, not challenges/challenges', async () => {
    const { root } = project();
    const result = await lab(['new', 'challenge', 'from-inside'], { cwd: join(root, 'challenges') });
    expect(result.stderr).toBe('');
    expect(existsSync(join(root, 'challenges', 'from-inside', 'index.md'))).toBe(true);
    expect(existsSync(join(root, 'challenges', 'challenges'))).toBe(false);
    // A subfolder's `lab validate` checks the whole project.
    const validate = await lab(['validate'], { cwd: join(root, 'challenges', 'from-inside') });
    expect(validate.stdout).toContain(`in ${root}.`);
  });
});

describe('lab.config.ts schema', () => {
  it('reports an unknown key at its line and column with the closest known key', async () => {
    const root = tempDir('config');
    writeFileSync(join(root, 'lab.config.ts'), "export default {\n  site: {\n    titel: 'Acme',\n  },\n};\n");
    mkdirSync(join(root, 'tutorials'));
    const result = await lab(['validate'], { cwd: join(root, 'tutorials') });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error[ConfigUnknownKey]');
    expect(result.stderr).toContain(`${join(root, 'lab.config.ts')}:3:5`);
    expect(result.stderr).toContain('Did you mean `title`?');
  });

  it('names the key and the expectation for a value of the wrong type, and an unknown top-level block', () => {
    expect(() => checkLabConfig({ site: { base: 42 } }, '/nowhere/lab.config.ts')).toThrow(/site\.base.*string/s);
    expect(() => checkLabConfig({ sit: {} }, '/nowhere/lab.config.ts')).toThrow(/Did you mean `site`\?/);
    expect(checkLabConfig({ site: { title: 'T', base: '/labs/' } }, '/nowhere/lab.config.ts')).toEqual({ site: { title: 'T', base: '/labs/' } });
  });
});
