// The graph snapshot (graph/snapshot.ts): a load restored from it must give
// the graph a full load gives (items, front matter, diagnostics, every tree
// and text), after edits to a body, to front matter, a deleted file, a new
// file and a renamed folder, on the examples, the corpus and generated
// content; a corrupt or stale snapshot, or a pack written whole since, is
// never trusted; the snapshot lives in the user cache only.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadContent, type ContentGraph, type LoadOptions } from '../../src/index.ts';
import type { SnapshotReport } from '../../src/graph/loader.ts';
import { parseCachePath } from '../../src/graph/parse-cache.ts';
import { snapshotPath, snapshotStats, snapshotTuning } from '../../src/graph/snapshot.ts';
import { parsedFileCount, parseWorkerStarts } from '../../src/graph/workers.ts';
import { corpusPath, describeCorpus } from '../../../../test-support/corpus.ts';

const repo = join(import.meta.dirname, '../../../..');
const work = mkdtempSync(join(tmpdir(), 'labkit-snapshot-'));
let racy = 0;
beforeAll(() => {
  // Files written by the test are seconds old at most: trust their stamps anyway (the guard has its own test).
  racy = snapshotTuning.racyMs;
  snapshotTuning.racyMs = 0;
});
afterAll(() => {
  snapshotTuning.racyMs = racy;
  rmSync(work, { recursive: true, force: true });
});

let n = 0;
function copy(from: string): { content: string; cache: string } {
  const dir = join(work, `c${n++}`);
  cpSync(from, join(dir, 'content'), { recursive: true });
  // The examples' *.lab.ts import the SDK by a path relative to the repository.
  for (const f of readdirSync(join(dir, 'content'), { recursive: true, encoding: 'utf8' })) {
    if (!f.endsWith('.lab.ts')) continue;
    const file = join(dir, 'content', f);
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll('../../../packages/sdk/src/index.ts', join(repo, 'packages/sdk/src/index.ts')));
  }
  // With racyMs 0 a file is still untrusted when its ctime is in the very
  // millisecond it is statted (Date.now() has ms steps); a load that starts
  // within a millisecond of these writes would take the .lab.ts as changed
  // next time (seen once in CI: "changed: 1"). Let the clock move on.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  return { content: join(dir, 'content'), cache: join(dir, 'cache') };
}

async function snapLoad(content: string, cache: string, extra: LoadOptions = {}): Promise<{ graph: ContentGraph; report: SnapshotReport; changedFiles: readonly string[] | undefined }> {
  let report: SnapshotReport | undefined;
  let changedFiles: readonly string[] | undefined;
  const graph = await loadContent(content, { parseCache: cache, snapshot: true, workers: 1, onSnapshot: (r) => (report = r), onChangedFiles: (f) => (changedFiles = f), ...extra });
  return { graph, report: report!, changedFiles };
}

/** Everything a consumer reads of a graph, trees and texts included (reading them makes a restored graph load them). */
function view(g: ContentGraph) {
  return {
    files: [...g.files].sort(),
    diagnostics: g.diagnostics,
    items: g.items.map((i) => ({
      ...i,
      mdast: i.mdast,
      documents: i.documents.map((d) => ({ ...d, parsed: { ...d.parsed, source: d.parsed.source, mdast: d.parsed.mdast } })),
    })),
    documents: [...g.documents.keys()].sort(),
  };
}

async function expectSameAsFull(content: string, restored: ContentGraph): Promise<void> {
  const full = await loadContent(content, { workers: 1 });
  expect(full.diagnostics.filter((d) => d.ruleId === 'lab:ts-load')).toEqual([]);
  expect(view(restored)).toEqual(view(full));
}


function checkEdits(source: () => string, pick: (content: string) => { body: string; other: string; folder: string; tsBody?: string }) {
  it('restores after a body edit, a front matter edit, a deleted file, a new file and a renamed folder, each equal to a full load', async () => {
    const { content, cache } = copy(source());
    const first = await snapLoad(content, cache);
    expect(first.report).toMatchObject({ use: 'none', written: true });
    // onChangedFiles speaks of a restored snapshot only.
    expect(first.changedFiles).toBeUndefined();
    await expectSameAsFull(content, first.graph);
    const untouched = await snapLoad(content, cache);
    // Nothing changed: the snapshot stays as it is.
    expect(untouched.report).toMatchObject({ use: 'restored', changed: 0, written: false });
    expect(untouched.changedFiles).toEqual([]);
    await expectSameAsFull(content, untouched.graph);
    const f = pick(content);
    const steps: Array<[string, () => void]> = [
      ['body', () => writeFileSync(f.body, readFileSync(f.body, 'utf8') + '\n\nA paragraph the snapshot test added, with [a link](./nowhere.md).\n')],
      ['front matter', () => writeFileSync(f.other, readFileSync(f.other, 'utf8').replace(/^title: .*$/m, 'title: Renamed by the snapshot test'))],
      ...(f.tsBody ? [['content as code body', () => writeFileSync(f.tsBody!, readFileSync(f.tsBody!, 'utf8') + '\n\nMore body from the snapshot test.\n')] as [string, () => void]] : []),
      ['deleted', () => rmSync(f.body)],
      ['new', () => writeFileSync(join(f.folder, 'extra.md'), '---\nkind: unit\nname: extra\ntitle: Extra\n---\n\n# Extra\n\n::unknown-component-x\n::\n')],
      ['renamed folder', () => renameSync(f.folder, f.folder + '-moved')],
    ];
    for (const [what, step] of steps) {
      step();
      const read = snapshotStats.treesRead;
      const previous = snapshotStats.previousRead;
      const r = await snapLoad(content, cache);
      // An edited file's previous parse comes from the pack, with its text (the body edit re-parses around it).
      if (what === 'body' || what === 'front matter') expect(snapshotStats.previousRead - previous, what).toBeGreaterThanOrEqual(1);
      expect(r.report.use, what).toBe('restored');
      expect(r.report.changed, what).toBeGreaterThan(0);
      // The changed files were named before the load parsed them: the edited one among them.
      expect(r.changedFiles?.length, what).toBe(r.report.changed);
      if (what === 'body') expect(r.changedFiles, what).toContain(relative(content, f.body));
      if (what === 'front matter') expect(r.changedFiles, what).toContain(relative(content, f.other));
      if (what === 'new') expect(r.changedFiles, what).toContain(relative(content, join(f.folder, 'extra.md')));
      // Edits inside files leave the snapshot lagging (checked again next time); a changed file list writes it.
      expect(r.report.written, what).toBe(what === 'deleted' || what === 'new' || what === 'renamed folder');
      // An edit inside one file walks only its item: most trees stay on disk.
      // (A changed file list re-checks every item: a link may now resolve.)
      if (what !== 'deleted' && what !== 'new' && what !== 'renamed folder') expect(snapshotStats.treesRead - read, what).toBeLessThan(r.graph.documents.size);
      await expectSameAsFull(content, r.graph);
    }
  });
}

describe('graph snapshot: examples', () => {
  checkEdits(
    () => join(repo, 'examples'),
    (c) => ({ body: join(c, 'tutorials/linux-file-permissions/index.md'), other: join(c, 'challenges/stop-a-runaway-process/index.md'), folder: join(c, 'challenges/create-a-service-account'), tsBody: join(c, 'challenges/create-a-service-account/body.md') }),
  );
});

describeCorpus('graph snapshot: corpus', () => {
  checkEdits(
    () => corpusPath('iximiuz-samples'),
    (c) => ({ body: join(c, 'sample-skill-path/unit-10.md'), other: join(c, 'sample-challenge/index.md'), folder: join(c, 'sample-tutorial') }),
  );
});

/** Generated tutorials with cross links, headings and components (a small bench/build). */
function generated(count: number): string {
  const dir = join(work, `gen${n++}`);
  for (let i = 0; i < count; i++) {
    const t = join(dir, 'tutorials', `t-${i}`);
    mkdirSync(t, { recursive: true });
    writeFileSync(
      join(t, 'index.md'),
      `---\nkind: tutorial\ntitle: Tutorial ${i}\ndescription: Generated ${i}\n---\n\n## Overview of ${i}\n\nSee [the next one](../t-${(i + 1) % count}/index.md#overview-of-${(i + 1) % count}) and [a missing anchor](../t-${(i + 2) % count}/index.md#nope).\n\n::note\nA note.\n::\n\n\`\`\`sh\necho ${i}\n\`\`\`\n`,
    );
  }
  return dir;
}

describe('graph snapshot: generated content', () => {
  checkEdits(
    () => generated(40),
    (c) => ({ body: join(c, 'tutorials/t-1/index.md'), other: join(c, 'tutorials/t-2/index.md'), folder: join(c, 'tutorials/t-3') }),
  );
});

describe('graph snapshot: an edited page is re-parsed around its edit', () => {
  /** The iximiuz samples with the snapshot of a first load; `file` is the 62 KB sample tutorial. */
  async function sampleTutorial(): Promise<{ content: string; cache: string; file: string; rel: string }> {
    const { content, cache } = copy(corpusPath('iximiuz-samples'));
    await snapLoad(content, cache);
    return { content, cache, file: join(content, 'sample-tutorial/index.md'), rel: 'sample-tutorial/index.md' };
  }

  /**
   * Writes `edit(text)` to `file` and loads again: restored, one changed
   * file, no whole-file parse (those go through parseInThreads; a 62 KB
   * page would go to the guarded worker) and no worker start, and the graph
   * a full load gives.
   */
  async function expectReparsed(content: string, cache: string, file: string, edit: (text: string) => string): Promise<ContentGraph> {
    writeFileSync(file, edit(readFileSync(file, 'utf8')));
    const parsed = parsedFileCount();
    const starts = parseWorkerStarts();
    const r = await snapLoad(content, cache);
    // Edits inside one file leave the snapshot lagging: each load starts from the first parse.
    expect(r.report).toMatchObject({ use: 'restored', changed: 1, written: false });
    expect(parsedFileCount() - parsed).toBe(0);
    expect(parseWorkerStarts() - starts).toBe(0);
    await expectSameAsFull(content, r.graph);
    return r.graph;
  }

  describeCorpus('on the iximiuz sample tutorial', () => {
    it('a heading edit parses no whole file, on no worker, and equals a full load, twice', async () => {
      const { content, cache, file, rel } = await sampleTutorial();
      expect(readFileSync(file, 'utf8')).toContain('## What is a Tutorial on iximiuz Labs?');
      const previous = snapshotStats.previousRead;
      const g = await expectReparsed(content, cache, file, (t) => t.replace('## What is a Tutorial on iximiuz Labs?', '## What is a Tutorial on iximiuz Labs, really?'));
      expect(snapshotStats.previousRead - previous).toBe(1);
      expect(g.documents.get(rel)?.parsed.source).toContain('really?');
      await expectReparsed(content, cache, file, (t) => t.replace('really?', 'truly?'));
    });

    it('a title edit parses only the front matter, and equals a full load; so does an edit to both', async () => {
      const { content, cache, file, rel } = await sampleTutorial();
      const g = await expectReparsed(content, cache, file, (t) => t.replace(/^title: .*$/m, 'title: Retitled by the snapshot test'));
      expect(g.documents.get(rel)?.parsed.frontMatter.data).toMatchObject({ title: 'Retitled by the snapshot test' });
      // The previous parse is the first one, older than both edits.
      await expectReparsed(content, cache, file, (t) => t.replace(/^title: .*$/m, 'title: Retitled again').replace('## What is a Tutorial on iximiuz Labs?', '## Retitled heading'));
    });
  });

  it('does not take a previous text from the pack that is not the one the snapshot recorded', async () => {
    const { content, cache } = copy(join(repo, 'examples'));
    const rel = 'tutorials/linux-file-permissions/index.md';
    const file = join(content, rel);
    await snapLoad(content, cache);
    // The pack's copy of the text, altered in place (same length: the snapshot's places still hold).
    const pack = parseCachePath(content, cache);
    const lines = readFileSync(pack, 'utf8').split('\n');
    const k = lines.findIndex((l) => l.startsWith(JSON.stringify([rel]).slice(0, -1) + ','));
    expect(k).toBeGreaterThan(0);
    const row = JSON.parse(lines[k]!) as [string, { text: string }];
    const forged = row[1].text.replace('chmod', 'CHMOD');
    expect(forged).not.toBe(row[1].text);
    lines[k] = lines[k]!.replace(JSON.stringify(row[1].text), JSON.stringify(forged));
    writeFileSync(pack, lines.join('\n'));
    writeFileSync(file, readFileSync(file, 'utf8') + '\n\nA paragraph the snapshot test added.\n');
    const previous = snapshotStats.previousRead;
    const parsed = parsedFileCount();
    const r = await snapLoad(content, cache);
    expect(r.report.use).toBe('restored');
    expect(snapshotStats.previousRead - previous).toBe(0);
    expect(parsedFileCount() - parsed).toBe(1);
    await expectSameAsFull(content, r.graph);
  });
});

describe('graph snapshot: never trusted when it should not be', () => {
  it('ignores a corrupt snapshot, one of other load options, and one whose pack was written whole since', async () => {
    const { content, cache } = copy(join(repo, 'examples'));
    await snapLoad(content, cache);
    const file = snapshotPath(content, cache);
    const bytes = readFileSync(file);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    writeFileSync(file, bytes);
    const corrupt = await snapLoad(content, cache);
    expect(corrupt.report.use).toBe('none');
    await expectSameAsFull(content, corrupt.graph);
    // Rewritten whole by that load: usable again; truncated: not.
    writeFileSync(file, readFileSync(file).subarray(0, 100));
    expect((await snapLoad(content, cache)).report.use).toBe('none');
    // Written with code on: not for a --no-code load.
    const noCode = await snapLoad(content, cache, { code: false });
    expect(noCode.report.use).toBe('none');
    expect(noCode.graph.diagnostics).toEqual((await loadContent(content, { code: false })).diagnostics);
    // The pack written whole (a new file renamed over it): its places are void.
    await snapLoad(content, cache);
    const pack = parseCachePath(content, cache);
    writeFileSync(pack + '.tmp', readFileSync(pack));
    renameSync(pack + '.tmp', pack);
    expect((await snapLoad(content, cache)).report.use).toBe('none');
  });

  it('parses a tree again from its text when the pack no longer holds it where the snapshot says', async () => {
    const { content, cache } = copy(join(repo, 'examples'));
    await snapLoad(content, cache);
    const pack = parseCachePath(content, cache);
    // Same inode, other bytes: the entries in reverse order.
    const [header, ...lines] = readFileSync(pack, 'utf8').trimEnd().split('\n');
    writeFileSync(pack, [header, ...lines.reverse()].join('\n') + '\n');
    const parsedBefore = snapshotStats.treesParsed;
    const r = await snapLoad(content, cache);
    expect(r.report.use).toBe('restored');
    await expectSameAsFull(content, r.graph);
    expect(snapshotStats.treesParsed).toBeGreaterThan(parsedBefore);
  });

  it('does not trust the stamp of a file changed within the racy window', async () => {
    const { content, cache } = copy(join(repo, 'examples'));
    snapshotTuning.racyMs = 60_000;
    try {
      await snapLoad(content, cache);
      const r = await snapLoad(content, cache);
      // Every file was written seconds ago: none has a stamp, each is parsed again.
      expect(r.report.use).toBe('restored');
      expect(r.report.changed).toBe(r.graph.files.size);
      await expectSameAsFull(content, r.graph);
    } finally {
      snapshotTuning.racyMs = 0;
    }
  });

  it('lists a file changed within the racy window, so a quick second edit leaves the snapshot as it was', async () => {
    const { content, cache } = copy(join(repo, 'examples'));
    const file = join(content, 'tutorials/linux-file-permissions/index.md');
    await snapLoad(content, cache);
    // An edit and a build at once: the file's stamp is not trusted, and the snapshot is written without it.
    // (The copied files are older than the window, the edited one is not.)
    await new Promise((r) => setTimeout(r, 1500));
    snapshotTuning.racyMs = 1000;
    try {
      writeFileSync(file, readFileSync(file, 'utf8') + '\nFirst edit.\n');
      // A new file as well: the file list changed, so this load writes its snapshot.
      writeFileSync(join(content, 'tutorials/linux-file-permissions/__static__/notes.txt'), 'notes\n');
      const first = await snapLoad(content, cache);
      expect(first.report).toMatchObject({ use: 'restored', changed: 2, written: true });
    } finally {
      snapshotTuning.racyMs = 0;
    }
    // The next edit to the same file is an edit (the file is listed), not an added file: a few
    // edited files leave the snapshot as it was, and the restored graph equals a full load.
    // (Both files are parsed again: their stamps were not trusted when the snapshot was written.)
    writeFileSync(file, readFileSync(file, 'utf8') + '\nSecond edit.\n');
    const second = await snapLoad(content, cache);
    expect(second.report).toMatchObject({ use: 'restored', changed: 2, written: false });
    expect(second.graph.documents.get('tutorials/linux-file-permissions/index.md')?.parsed.source).toContain('Second edit.');
    await expectSameAsFull(content, second.graph);
  });

  it('a load that keeps only the rules’ part of each tree (lab validate --cache) appends whole trees to the shared pack', async () => {
    const { content, cache } = copy(join(repo, 'examples'));
    const file = join(content, 'tutorials/linux-file-permissions/index.md');
    await snapLoad(content, cache);
    // An edit and an added file: the file list changed, so the rules' load writes the pack and the snapshot.
    writeFileSync(file, readFileSync(file, 'utf8') + '\n## Added section\n\nA paragraph with `code` and a [link](https://example.com).\n');
    writeFileSync(join(content, 'tutorials/linux-file-permissions/__static__/notes.txt'), 'notes\n');
    const rules = await snapLoad(content, cache, { trees: 'rules' });
    expect(rules.report).toMatchObject({ use: 'restored', written: true });
    // The next load (lab build, which renders) restores the trees the rules' load appended.
    const next = await snapLoad(content, cache);
    expect(next.report).toMatchObject({ use: 'restored', changed: 0 });
    await expectSameAsFull(content, next.graph);
  });

  it('keeps a load without the content’s code apart, so alternating commands each restore their own', async () => {
    const { content, cache } = copy(join(repo, 'examples'));
    expect((await snapLoad(content, cache)).report).toMatchObject({ use: 'none', written: true });
    expect((await snapLoad(content, cache, { code: false })).report).toMatchObject({ use: 'none', written: true });
    expect(existsSync(snapshotPath(content, cache, { code: false }))).toBe(true);
    expect(snapshotPath(content, cache, { code: false })).not.toBe(snapshotPath(content, cache));
    expect((await snapLoad(content, cache)).report).toMatchObject({ use: 'restored', changed: 0 });
    const noCode = await snapLoad(content, cache, { code: false });
    expect(noCode.report).toMatchObject({ use: 'restored', changed: 0 });
    const full = await loadContent(content, { workers: 1, code: false });
    expect(view(noCode.graph)).toEqual(view(full));
  });

  it('lives in the cache folder, out of the content repository’s reach', async () => {
    const { content, cache } = copy(join(repo, 'examples'));
    const file = snapshotPath(content, cache);
    expect(file.startsWith(join(cache, 'graph') + '/')).toBe(true);
    // A snapshot-looking file planted in the content is content, never read as a snapshot.
    mkdirSync(join(content, 'graph'), { recursive: true });
    writeFileSync(join(content, 'graph', file.split('/').pop()!), readFileSync(join(repo, 'examples/README.md')));
    const r = await snapLoad(content, cache);
    expect(r.report.use).toBe('none');
    await expectSameAsFull(content, r.graph);
  });
});
