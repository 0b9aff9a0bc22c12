// Finding 4 of issue 11: `lab import killercoda` read and wrote outside its
// folders. A scenario is a stranger's input: `../` in assets, verify, text
// and image paths, absolute paths, and symlinks must neither copy host files
// into the imported content nor write anything outside --out.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importKillercoda } from '../../src/index.ts';
import { writeFolderAtomically } from '../../src/importers/write-atomic.ts';

const work = mkdtempSync(path.join(tmpdir(), 'labkit-sec-import-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SECRET = `secret-${randomUUID()}`;
// Binary (a NUL byte), so an asset goes to __static__/ rather than inline.
const SECRET_BIN = Buffer.concat([Buffer.from([0]), Buffer.from(SECRET)]);

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}
function holdsSecret(dir: string): string[] {
  return allFiles(dir).filter((f) => readFileSync(f).includes(SECRET) || readFileSync(f).includes('root:x:0:0'));
}

/** A fresh case folder: `host/` holds the secret the scenario tries to reach, `src/scenario` the scenario. */
function scenario(name: string, index: object, files: Record<string, string | Buffer> = {}): { caseDir: string; src: string; dir: string; out: string } {
  const caseDir = path.join(work, name);
  mkdirSync(path.join(caseDir, 'host'), { recursive: true });
  writeFileSync(path.join(caseDir, 'host/secret.txt'), SECRET);
  writeFileSync(path.join(caseDir, 'host/secret.bin'), SECRET_BIN);
  const src = path.join(caseDir, 'src');
  const dir = path.join(src, 'scenario');
  mkdirSync(path.join(dir, 'assets'), { recursive: true });
  writeFileSync(path.join(dir, 'index.json'), JSON.stringify(index, null, 2));
  writeFileSync(path.join(dir, 'step1.md'), 'Do the thing.\n');
  for (const [rel, data] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), data);
  }
  return { caseDir, src, dir, out: path.join(caseDir, 'out') };
}

const step = (extra: object) => ({ title: 'Scenario With Hostile Paths', description: 'Tries to escape.', details: { steps: [{ title: 'Step one', text: 'step1.md', ...extra }] }, backend: { imageid: 'ubuntu' } });

async function run(c: ReturnType<typeof scenario>) {
  const result = await importKillercoda(c.src, { out: c.out, createdAt: '2026-01-01' });
  // Nothing written beside --out (the old code wrote <case>/escaped.bin) ...
  expect(readdirSync(c.caseDir).sort()).toEqual(['host', 'out', 'src']);
  // ... and no host bytes inside it.
  expect(holdsSecret(c.out)).toEqual([]);
  return result;
}

const rules = (r: Awaited<ReturnType<typeof importKillercoda>>) => r.diagnostics.map((d) => `${d.ruleId} ${d.file}:${d.span.start.line}`);

describe('lab import killercoda stays inside the scenario and --out', () => {
  it('an asset named with ../ is neither read nor written outside --out', async () => {
    const c = scenario('asset-dotdot', { ...step({}), details: { ...step({}).details, assets: { host01: [{ file: '../../../host/secret.bin', target: '/root' }, { file: '../../../host/*.txt', target: '/root' }] } } });
    const r = await run(c);
    const outside = r.diagnostics.filter((d) => d.ruleId === 'killercoda:outside-source');
    expect(outside.map((d) => d.file)).toEqual(['scenario/index.json', 'scenario/index.json']);
    expect(outside.every((d) => d.span.start.line > 1)).toBe(true);
    expect(existsSync(path.join(c.caseDir, 'host/escaped.bin'))).toBe(false);
  });

  it('an asset that is a symlink to a host file (/etc/passwd, a secret) is not copied', async () => {
    const c = scenario('asset-symlink', { ...step({}), details: { ...step({}).details, assets: { host01: [{ file: 'passwd', target: '/etc' }, { file: 'secret.bin', target: '/root' }, { file: '*', target: '/tmp' }] } } });
    symlinkSync('/etc/passwd', path.join(c.dir, 'assets/passwd'));
    symlinkSync(path.join(c.caseDir, 'host/secret.bin'), path.join(c.dir, 'assets/secret.bin'));
    writeFileSync(path.join(c.dir, 'assets/fine.txt'), 'a normal asset\n');
    const r = await run(c);
    const index = readFileSync(path.join(c.out, 'scenario/index.md'), 'utf8');
    expect(index).toContain('a normal asset'); // real assets still import
    expect(r.diagnostics.filter((d) => d.ruleId === 'killercoda:outside-source').length).toBeGreaterThanOrEqual(2);
  });

  it('verify, background and foreground scripts named with ../ or an absolute path are not read', async () => {
    const c = scenario('scripts', step({ verify: '../../host/secret.txt', background: '/etc/passwd', foreground: '../../../' + path.basename(work) + '/scripts/host/secret.txt' }));
    const r = await run(c);
    const outside = r.diagnostics.filter((d) => d.ruleId === 'killercoda:outside-source');
    expect(outside.map((d) => d.file)).toEqual(['scenario/index.json', 'scenario/index.json', 'scenario/index.json']);
    expect(outside.every((d) => d.span.start.line > 1)).toBe(true); // positioned at the JSON field
  });

  it('a step text named with ../ or through a symlink is not read', async () => {
    const c = scenario('text', { ...step({}), details: { intro: { text: '../../host/secret.txt' }, steps: [{ title: 'Step one', text: 'linked.md' }], finish: { text: '/etc/passwd' } } });
    symlinkSync(path.join(c.caseDir, 'host/secret.txt'), path.join(c.dir, 'linked.md'));
    const r = await run(c);
    expect(r.diagnostics.filter((d) => d.ruleId === 'killercoda:outside-source')).toHaveLength(3);
  });

  it('images linked with ../, an absolute path or a symlink are not copied into __static__', async () => {
    const c = scenario('images', step({}), {
      'step1.md': '![a](../../host/secret.bin)\n\n![b](/etc/passwd)\n\n<img src="../../host/secret.txt">\n\n![c](linked.png)\n\n![d](ok.png)\n',
      'ok.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]),
    });
    symlinkSync(path.join(c.caseDir, 'host/secret.bin'), path.join(c.dir, 'linked.png'));
    const r = await run(c);
    const outside = r.diagnostics.filter((d) => d.ruleId === 'killercoda:outside-source');
    expect(outside.map((d) => `${d.file}:${d.span.start.line}`)).toEqual(['scenario/step1.md:1', 'scenario/step1.md:3', 'scenario/step1.md:5', 'scenario/step1.md:7']);
    expect(readdirSync(path.join(c.out, 'scenario/__static__'))).toEqual(['ok.png']);
  });

  it('a structure.json item outside the import source is skipped', async () => {
    const c = scenario('structure', step({}));
    const other = path.join(c.caseDir, 'host/other');
    mkdirSync(other, { recursive: true });
    writeFileSync(path.join(other, 'index.json'), JSON.stringify(step({ verify: 'v.sh' })));
    writeFileSync(path.join(other, 'step1.md'), SECRET);
    writeFileSync(path.join(other, 'v.sh'), SECRET);
    writeFileSync(path.join(c.src, 'structure.json'), JSON.stringify({ items: [{ path: 'scenario' }, { path: '../host/other' }] }));
    const r = await run(c);
    expect(rules(r)).toContain('killercoda:outside-source structure.json:1');
    expect(r.items.map((i) => i.name)).toEqual(['scenario']);
  });

  it('writeFolderAtomically refuses keys that leave the output folder', async () => {
    const out = path.join(work, 'atomic/out');
    for (const key of ['../escaped.txt', 'a/../../escaped.txt', '/abs.txt', 'a//b', './x']) {
      await expect(writeFolderAtomically(out, new Map([['ok.txt', 'ok'], [key, SECRET]]), false)).rejects.toMatchObject({ code: 'UnsafeOutputPath' });
    }
    expect(existsSync(path.join(work, 'atomic'))).toBe(false);
    expect(existsSync(path.join(work, 'escaped.txt'))).toBe(false);
  });
});
