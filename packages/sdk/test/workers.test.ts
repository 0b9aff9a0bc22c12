// Parsing on worker threads must give exactly the single-threaded result.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadContent, type ContentGraph } from '../src/index.ts';
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
