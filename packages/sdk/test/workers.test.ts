// Parsing on worker threads must give exactly the single-threaded result.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadContent, type ContentGraph } from '../src/index.ts';
import { availableParallelism } from 'node:os';
import { parseInThreads, parseWorkerStarts, threadCount } from '../src/graph/workers.ts';
import { parseDocument } from '../src/parse/parse-document.ts';
import { corpusPath, describeCorpus, hasCorpus } from '../../../test-support/corpus.ts';

const samples = corpusPath('iximiuz-samples');
const work = mkdtempSync(join(tmpdir(), 'labkit-workers-'));
// 12 copies of the samples: 144 Markdown files, 36 items.
for (let i = 0; i < 12 && hasCorpus; i++) cpSync(samples, join(work, `copy-${i}`), { recursive: true });
afterAll(() => rmSync(work, { recursive: true, force: true }));

function snapshot(g: ContentGraph) {
  return {
    ids: g.items.map((i) => i.id),
    docs: [...g.documents.values()].map((d) => ({ file: d.file, digest: d.parsed.digest, mdast: d.parsed.mdast, places: d.parsed.frontMatter.places })),
    diagnostics: g.diagnostics,
  };
}

describeCorpus('loadContent with worker threads', () => {
  it('gives the same graph as the single-threaded path', async () => {
    const single = await loadContent(work, { workers: 1 });
    const threaded = await loadContent(work, { workers: 3 });
    expect(single.documents.size).toBe(12 * 12);
    expect(snapshot(threaded)).toEqual(snapshot(single));
    // Duplicate names across the copies are found either way.
    expect(threaded.diagnostics.filter((d) => d.ruleId === 'lab:duplicate-name')).toHaveLength(33);
  }, 60_000);
});

describe('the guarded parse worker kept warm', () => {
  // guardAboveChars 0 sends every file to the guarded worker, as a 62 KB page does.
  const guard = { guardAboveChars: 0 };
  const page = (n: number) => ({ file: `p${n}.md`, source: `---\nkind: tutorial\n---\n\n# Page ${n}\n\nSome *text* with \`code\`.\n` });

  it('parses one save after another on the same worker, with the in-place result', async () => {
    const starts = parseWorkerStarts();
    const first = await parseInThreads([page(1)], 1, guard);
    const second = await parseInThreads([page(2)], 1, guard);
    const third = await parseInThreads([page(3), page(4)], 1, guard);
    expect(parseWorkerStarts() - starts).toBeLessThanOrEqual(1);
    expect([...first, ...second, ...third].map((d) => d.mdast)).toEqual([1, 2, 3, 4].map((n) => parseDocument(page(n).source, { file: page(n).file }).mdast));
  });

  it('ends a worker that hit the time limit and starts a fresh one for the next file', async () => {
    await parseInThreads([page(5)], 1, guard); // a warm worker exists
    const starts = parseWorkerStarts();
    // Micromark is superlinear on long runs of '[' (see limits.ts): far over 10 ms.
    const hostile = { file: 'slow.md', source: '['.repeat(400_000) };
    const [slow] = await parseInThreads([hostile], 1, { ...guard, timeoutMs: 10 });
    expect(slow!.diagnostics.map((d) => d.ruleId)).toContain('lab:content-limit');
    const [after] = await parseInThreads([page(6)], 1, guard);
    expect(after!.diagnostics).toEqual([]);
    expect(after!.mdast).toEqual(parseDocument(page(6).source, { file: 'p6.md' }).mdast);
    // The warm worker took the hostile file and was ended; page 6 needed a new one.
    expect(parseWorkerStarts() - starts).toBe(1);
  }, 30_000);
});

describe('one list shared by the main thread and the workers', () => {
  const page = (n: number) => ({ file: `s${n}.md`, source: `---\nkind: tutorial\ntitle: Page ${n}\n---\n\n# Page ${n}\n\n${'Some *text* with `code` and a [link](./x.md).\n\n'.repeat(1 + (n % 7))}` });
  const alone = (j: { file: string; source: string }) => parseDocument(j.source, { file: j.file });

  it('gives every file its in-place result, in order, whichever thread took it', async () => {
    const jobs = Array.from({ length: 120 }, (_, n) => page(n));
    for (const threads of [2, 3]) {
      const docs = await parseInThreads(jobs, threads);
      expect(docs).toEqual(jobs.map(alone));
    }
  }, 60_000);

  it('still stops a hostile file in a worker, and the files around it are parsed', async () => {
    // Over guardAboveChars: only a worker may take it, never the main thread.
    const hostile = { file: 'slow.md', source: '['.repeat(400_000) };
    const jobs = [page(0), page(1), hostile, ...Array.from({ length: 60 }, (_, n) => page(n + 2))];
    const docs = await parseInThreads(jobs, 2, { timeoutMs: 300 });
    expect(docs[2]!.diagnostics.map((d) => d.ruleId)).toEqual(['lab:content-limit']);
    expect(docs[2]!.mdast.children).toEqual([]);
    const others = jobs.filter((j) => j !== hostile);
    expect(docs.filter((_, i) => i !== 2)).toEqual(others.map(alone));
  }, 60_000);

  it('gives every thread a worker when most of the text must parse guarded, one less otherwise', async () => {
    // Ends the warm worker (a timed-out worker is never kept), so each count below starts from none.
    const noSpare = () => parseInThreads([{ file: 'slow.md', source: '['.repeat(400_000) }], 1, { guardAboveChars: 0, timeoutMs: 10 });
    const jobs = Array.from({ length: 40 }, (_, n) => page(n));
    await noSpare();
    let starts = parseWorkerStarts();
    // Every file over the guard, as 300 real 62 KB tutorials are: this thread cannot take any of them.
    const guarded = await parseInThreads(jobs, 2, { guardAboveChars: 0 });
    expect(parseWorkerStarts() - starts).toBe(2);
    expect(guarded).toEqual(jobs.map(alone));
    await noSpare();
    starts = parseWorkerStarts();
    const ordinary = await parseInThreads(jobs, 2);
    expect(parseWorkerStarts() - starts).toBe(1);
    expect(ordinary).toEqual(jobs.map(alone));
  }, 60_000);
});

describe('threads for a load of few but long files', () => {
  it('counts the text as well as the files', () => {
    const cores = Math.min(availableParallelism(), 4);
    expect(threadCount('auto', 20, 2 * 1024 * 1024)).toBe(cores);
    expect(threadCount('auto', 20, 100_000)).toBe(1);
    expect(threadCount('auto', 1, 2 * 1024 * 1024)).toBe(1);
    expect(threadCount(1, 20, 2 * 1024 * 1024)).toBe(1);
    expect(threadCount('auto', 250, 0)).toBe(cores);
  });

  describeCorpus('on real tutorials', () => {
    it('parses 20 copies of the 62 KB sample tutorial on a worker per core, as one thread would', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'labkit-long-'));
      try {
        for (let i = 0; i < 20; i++) cpSync(join(samples, 'sample-tutorial'), join(dir, `t-${i}`), { recursive: true });
        // No warm worker left over from the tests above: a timed-out worker is never kept.
        await parseInThreads([{ file: 'slow.md', source: '['.repeat(400_000) }], 1, { guardAboveChars: 0, timeoutMs: 10 });
        const starts = parseWorkerStarts();
        const auto = await loadContent(dir);
        expect(parseWorkerStarts() - starts).toBe(Math.min(availableParallelism(), 4));
        expect(snapshot(auto)).toEqual(snapshot(await loadContent(dir, { workers: 1 })));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);
  });
});
