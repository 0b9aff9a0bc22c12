// What `lab` loads before it answers (issue 18): `lab <command>` loads only
// that command's module, and `lab validate --cache` on an unchanged folder
// answers from its stored result without loading the SDK's schemas, the
// Markdown pipeline or any other command. Asserts on modules, never on time.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { commands, commandsFor } from '../src/main.ts';
import { corpusPath, describeCorpus, hasCorpus } from '../../../test-support/corpus.ts';
import { RECORD_MODULES, readModuleLog } from '../../../test-support/modules.ts';
import { lab, labBin, repoRoot, tempDir } from './helpers.ts';

describe('lazy command loading', () => {
  it('each module registers exactly the commands keyed to it', async () => {
    const modules = [...new Set(Object.values(commands))];
    for (const load of modules) {
      const program = new Command('lab');
      (await load()).register(program);
      const keyed = Object.keys(commands).filter((name) => commands[name] === load);
      expect(program.commands.map((c) => c.name()).sort(), keyed.join(' ')).toEqual(keyed.sort());
    }
    expect(modules.length).toBe(18);
  });

  it('a command name loads its module alone; anything else loads all', () => {
    expect(commandsFor(['validate', '.', '--cache'])).toEqual([commands['validate']]);
    expect(commandsFor(['port-forward', 'x'])).toEqual([commands['port-forward']]);
    expect(commandsFor(['ssh-proxy'])).toEqual([commands['ssh']]);
    for (const argv of [[], ['--help'], ['help', 'validate'], ['vaildate'], ['toString'], ['--version']]) {
      expect(commandsFor(argv), argv.join(' ')).toEqual([...new Set(Object.values(commands))]);
    }
  });

  it('lab --help still lists every command, and a mistyped one is still suggested', async () => {
    const help = await lab(['--help']);
    expect(help.code).toBe(0);
    for (const name of Object.keys(commands)) expect(help.stdout).toMatch(new RegExp(`^\\s+${name}\\b`, 'm'));
    const typo = await lab(['vaildate']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain("(Did you mean validate?)");
  });
});


const work = tempDir('startup');
const content = join(work, 'content');
if (hasCorpus) cpSync(corpusPath('iximiuz-samples'), content, { recursive: true });
afterAll(() => rmSync(work, { recursive: true, force: true }));

let runs = 0;
/** `lab validate` with every module its threads load recorded (a cold run parses on worker threads). */
function validateRecorded(args: string[]): { status: number | null; stdout: string; loaded: string[] } {
  const log = join(work, `modules-${++runs}.log`);
  writeFileSync(log, '');
  const r = spawnSync(process.execPath, ['--import', RECORD_MODULES, labBin, 'validate', content, '--format', 'json', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', LABKIT_CACHE: join(work, 'cache'), MODULE_LOG: log },
  });
  const { main, workers } = readModuleLog(log);
  const loaded = [...main, ...[...workers.values()].flat()];
  if (!loaded.length) throw new Error(`no module list: ${r.stderr}`);
  return { status: r.status, stdout: r.stdout, loaded };
}

describeCorpus('lab validate --cache, nothing changed', () => {
  it('prints what an uncached run prints, without loading the pipeline, the schemas, the CLI or any command', () => {
    const cold = validateRecorded([]);
    expect(cold.loaded.some((u) => u.includes('/remark-mdc/')), 'a cold run parses').toBe(true);
    validateRecorded(['--cache']); // fills the entry
    const hit = validateRecorded(['--cache']);
    expect(hit.status).toBe(cold.status);
    expect(hit.stdout).toBe(cold.stdout);
    expect(JSON.parse(hit.stdout).diagnostics.length).toBeGreaterThan(0);
    const heavy = hit.loaded.filter((u) => /\/(zod|yaml|unified|micromark[\w-]*|mdast-[\w-]+|remark-[\w-]+|shiki|@labkit\/site|@labkit\/runtime)\//.test(u) || /\/packages\/(runtime|site)\/|\/sdk\/src\/index\.ts$/.test(u));
    expect(heavy).toEqual([]);
    // bin/lab.js serves the hit (run/validate-hit.ts) before the CLI loads: no command module, no commander.
    expect(hit.loaded.filter((u) => /\/cli\/src\/commands\//.test(u)).map((u) => u.replace(/.*\/commands\//, ''))).toEqual([]);
    expect(hit.loaded.filter((u) => /\/commander\/|\/cli\/src\/main\.ts$/.test(u))).toEqual([]);
  });
});
