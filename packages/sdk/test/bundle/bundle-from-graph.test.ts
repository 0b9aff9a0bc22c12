import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bundleInputFromGraph } from '../../src/bundle/bundle-from-graph.ts';
import { createBundle } from '../../src/bundle/create-bundle.ts';
import type { Bundle } from '../../src/bundle/create-bundle.ts';
import { loadContent } from '../../src/graph/store.ts';
import { corpusPath, describeCorpus, hasCorpus } from '../../../../test-support/corpus.ts';

const samples = corpusPath('iximiuz-samples');

let work: string;
const bundles: Bundle[] = [];
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

// Two checkouts of one commit, in different folders: the bundle must not
// tell them apart.
beforeAll(async () => {
  if (!hasCorpus) return;
  work = await mkdtemp(join(tmpdir(), 'labkit-bundle-det-'));
  for (const name of ['checkout-a', 'somewhere/else/checkout-b']) {
    const dir = join(work, name);
    await cp(samples, dir, { recursive: true, filter: (src) => !src.includes('format-reference') });
    await writeFile(join(dir, 'sample-challenge/solution.md'), '# The answer\n\nRun `docker run -d nginx`.\n');
    const graph = await loadContent(dir);
    expect(graph.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    bundles.push(createBundle(await bundleInputFromGraph(graph)));
  }
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describeCorpus('bundle of a real content folder', () => {
  it('is byte-identical across two loads from different folders', () => {
    const [a, b] = bundles as [Bundle, Bundle];
    expect(decode(b.manifestFile.data)).toBe(decode(a.manifestFile.data));
    expect(b.files.length).toBe(a.files.length);
    for (let i = 0; i < a.files.length; i++) {
      expect(b.files[i]!.path).toBe(a.files[i]!.path);
      expect(Buffer.from(b.files[i]!.data).equals(Buffer.from(a.files[i]!.data)), a.files[i]!.path).toBe(true);
    }
    const model = decode(a.files.find((f) => f.path === '_bundle/model.json')!.data);
    expect(model).not.toContain(work);
    expect(model).not.toContain('checkout-');
  });

  it('lists every item with its title, digest and files, and carries rendered HTML', () => {
    const m = bundles[0]!.manifest;
    expect(m.items.map((i) => `${i.kind}:${i.name}`)).toEqual(['challenge:sample-challenge', 'skill-path:sample-skill-path', 'tutorial:sample-tutorial']);
    const challenge = m.items[0]!;
    expect(challenge.title.length).toBeGreaterThan(10);
    expect(challenge.files.map((f) => f.path)).toContain('index.md');
    expect(challenge.files.map((f) => f.path)).toContain('__static__/container-box.png');
    const model = JSON.parse(decode(bundles[0]!.files.find((f) => f.path === '_bundle/model.json')!.data));
    const doc = model.items[0].documents[0];
    expect(doc.html).toContain('<');
    expect(doc.html).not.toMatch(/(^|\n)::/);
    expect(model.items[0].tasks.length).toBeGreaterThan(0);
  });

  it('leaves solutions out of the files and the model', () => {
    const m = bundles[0]!.manifest;
    expect(m.items[0]!.files.map((f) => f.path)).not.toContain('solution.md');
    expect(bundles[0]!.files.some((f) => f.path.endsWith('solution.md'))).toBe(false);
    expect(decode(bundles[0]!.files.find((f) => f.path === '_bundle/model.json')!.data)).not.toContain('docker run -d nginx');
  });
});
