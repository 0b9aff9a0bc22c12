// The content store: one load, incremental updates that equal a fresh
// load, change reports, and unreadable paths reported (never dropped).
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ContentStore, loadContent, type ContentChange, type ContentGraph } from '../src/index.ts';
import { loaderStats } from '../src/graph/loader.ts';

const examples = resolve(import.meta.dirname, '../../../examples');
const work = mkdtempSync(join(tmpdir(), 'labkit-store-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What a consumer sees of a graph (everything but parse objects and internal state). */
function view(g: ContentGraph) {
  return {
    files: [...g.files].sort(),
    items: g.items.map((i) => ({
      id: i.id, kind: i.kind, name: i.name, path: i.path, dir: i.dir, format: i.format, files: i.files, assets: i.assets,
      solutions: i.solutions, parent: i.parent, children: i.children, order: i.order, data: i.data, playground: i.playground,
      tasks: i.tasks, references: i.references, mdast: JSON.stringify(i.mdast),
      documents: i.documents.map((d) => ({ file: d.file, metaFile: d.metaFile, role: d.role, name: d.name, order: d.order, valid: d.valid, data: d.data, digest: d.parsed.digest })),
    })),
    documents: [...g.documents.keys()].sort(),
    diagnostics: g.diagnostics,
  };
}

describe('ContentStore', () => {
  it('updateFiles (edits, a new item folder, a removed folder, a .lab.ts) equals a fresh load of the same files', async () => {
    const root = join(work, 'examples');
    cpSync(examples, root, { recursive: true });
    // Content as code that imports nothing (the examples' import @labkit/sdk, which a temp folder cannot resolve).
    const lab = join(root, 'challenges/coded.lab.ts');
    const code = (title: string) => `export default { kind: 'challenge', name: 'coded', title: '${title}', description: 'In code.', categories: ['linux'], difficulty: 'easy', body: 'Hello.' };\n`;
    writeFileSync(lab, code('Coded'));
    const loadsBefore = loaderStats.folderLoads;
    const store = await ContentStore.open(root);
    expect(loaderStats.folderLoads - loadsBefore).toBe(1);
    const changes: ContentChange[] = [];
    store.subscribe((c) => changes.push(c));

    const challenge = join(root, 'challenges/stop-a-runaway-process/index.md');
    writeFileSync(challenge, readFileSync(challenge, 'utf8').replace(/title: .*/, 'title: Stop it now'));
    writeFileSync(lab, code('Renamed in code'));
    mkdirSync(join(root, 'tutorials/fresh'));
    writeFileSync(join(root, 'tutorials/fresh/index.md'), '---\nkind: tutorial\ntitle: Fresh\ndescription: A new one.\ncategories: [linux]\n---\n\nHello, [broken](./nowhere.md).\n');
    rmSync(join(root, 'tutorials/linux-file-permissions'), { recursive: true });

    // Paths as a watcher gives them: absolute, the removed folder as one path.
    const change = await store.updateFiles([challenge, lab, join(root, 'tutorials/fresh/index.md'), join(root, 'tutorials/linux-file-permissions')]);
    expect(loaderStats.folderLoads - loadsBefore).toBe(1); // no second load
    expect(changes).toEqual([change]);
    expect(change.items.added).toEqual(['tutorial:fresh']);
    expect(change.items.removed).toEqual(['tutorial:linux-file-permissions']);
    expect(change.items.changed.sort()).toEqual(['challenge:coded', 'challenge:stop-a-runaway-process']);
    expect(store.graph.byId.get('challenge:stop-a-runaway-process')?.data?.['title']).toBe('Stop it now');
    expect(store.graph.byId.get('challenge:coded')?.data?.['title']).toBe('Renamed in code');
    expect(store.diagnostics.some((d) => d.file === 'tutorials/fresh/index.md' && d.ruleId === 'lab:broken-link')).toBe(true);

    const fresh = await loadContent(root);
    expect(view(store.graph)).toEqual(view(fresh));
    // Unchanged documents kept their parse result (nothing re-parsed behind the cache).
    const unit = [...store.graph.documents.values()].find((d) => d.role === 'unit');
    expect(unit && change.previous?.documents.get(unit.file)?.parsed).toBe(unit?.parsed);
  });

  it('rescan finds what changed without a second load', async () => {
    const root = join(work, 'rescan');
    cpSync(join(examples, 'challenges'), root, { recursive: true });
    const store = await ContentStore.open(root);
    const loads = loaderStats.folderLoads;
    rmSync(join(root, 'lock-out-a-leaked-account'), { recursive: true });
    const change = await store.rescan();
    expect(loaderStats.folderLoads).toBe(loads);
    expect(change.items.removed).toEqual(['challenge:lock-out-a-leaked-account']);
    expect(view(store.graph)).toEqual(view(await loadContent(root)));
  });

  it('runs updates one at a time, in call order', async () => {
    const root = join(work, 'order');
    cpSync(join(examples, 'challenges'), root, { recursive: true });
    const store = await ContentStore.open(root);
    const file = join(root, 'stop-a-runaway-process/index.md');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/title: .*/, 'title: First'));
    const first = store.updateFiles([file]);
    const second = first.then(() => undefined);
    writeFileSync(file, text.replace(/title: .*/, 'title: Second'));
    const last = store.updateFiles([file]);
    await Promise.all([first, second, last]);
    expect(store.graph.byId.get('challenge:stop-a-runaway-process')?.data?.['title']).toBe('Second');
  });

  it('says a graph is not loaded yet instead of returning nothing', () => {
    expect(() => new ContentStore().graph).toThrow(/before load\(\) finished/);
  });

  it('the loader does not import the validator (the store runs it)', () => {
    const dir = resolve(import.meta.dirname, '../src/graph');
    const sources = ['loader.ts', 'discover.ts', ...readdirSync(join(dir, 'phases')).map((f) => `phases/${f}`)];
    for (const f of sources) expect(readFileSync(join(dir, f), 'utf8'), f).not.toMatch(/from '(\.\.\/)+validate\//);
  });
});

// Root reads everything: the child drops its capabilities (setpriv) so that
// mode 000 means unreadable, as it does for any other user.
const asRoot = process.getuid?.() === 0;
const setpriv = spawnSync('setpriv', ['--help']).status === 0;
describe.skipIf(asRoot && !setpriv)('unreadable content', () => {
  it('an unreadable file or folder is a lab:unreadable error, the rest still loads', () => {
    const root = join(work, 'unreadable');
    cpSync(join(examples, 'challenges'), root, { recursive: true });
    mkdirSync(join(root, 'locked'));
    writeFileSync(join(root, 'locked/index.md'), '---\nkind: tutorial\ntitle: Locked\n---\n');
    chmodSync(join(root, 'locked'), 0o000);
    chmodSync(join(root, 'stop-a-runaway-process/index.md'), 0o000);
    const script = `import { loadContent } from ${JSON.stringify(resolve(import.meta.dirname, '../src/index.ts'))};
const g = await loadContent(${JSON.stringify(root)});
console.log(JSON.stringify({ items: g.items.map((i) => i.id), unreadable: g.diagnostics.filter((d) => d.ruleId === 'lab:unreadable') }));`;
    const cmd = asRoot ? ['setpriv', ['--bounding-set=-all', '--inh-caps=-all', process.execPath, '--input-type=module', '-e', script]] as const : [process.execPath, ['--input-type=module', '-e', script]] as const;
    const r = spawnSync(cmd[0], [...cmd[1]], { encoding: 'utf8' });
    chmodSync(join(root, 'locked'), 0o755);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { items: string[]; unreadable: Array<{ file: string; severity: string; message: string }> };
    expect(out.unreadable.map((d) => [d.file, d.severity])).toEqual([
      ['locked', 'error'],
      ['stop-a-runaway-process/index.md', 'error'],
    ]);
    expect(out.unreadable[0]?.message).toMatch(/cannot read this folder \(EACCES\)/);
    expect(out.unreadable[1]?.message).toMatch(/cannot read this file \(EACCES\)/);
    // The other challenges still load.
    expect(out.items).toContain('challenge:lock-out-a-leaked-account');
  });
});
