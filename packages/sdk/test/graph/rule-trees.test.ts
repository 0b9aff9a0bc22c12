// A load with `trees: 'rules'` keeps only the part of each mdast the rules
// read (validate/rule-tree.ts), in the parse workers and on the main thread:
// its diagnostics must be the full load's, position for position and in
// order, on every rule fixture, examples/ and the corpus, threaded or not.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContent, type ContentGraph, type LoadOptions } from '../../src/index.ts';
import { parseDocument } from '../../src/parse/parse-document.ts';
import { ruleTree } from '../../src/validate/rule-tree.ts';
import { corpusPath, describeCorpus } from '../../../../test-support/corpus.ts';

const fixtures = join(import.meta.dirname, '../fixtures/rules');
const examples = join(import.meta.dirname, '../../../../examples');

function nodes(n: { children?: unknown[] }): number {
  let count = 1;
  for (const c of n.children ?? []) count += nodes(c as { children?: unknown[] });
  return count;
}

async function both(root: string, options: LoadOptions = {}): Promise<{ full: ContentGraph; pruned: ContentGraph }> {
  const full = await loadContent(root, options);
  const pruned = await loadContent(root, { ...options, trees: 'rules' });
  return { full, pruned };
}

describe("loadContent with trees: 'rules'", () => {
  for (const name of readdirSync(fixtures).sort()) {
    it(`gives the full load's diagnostics: fixture ${name}`, async () => {
      const root = join(fixtures, name);
      const optionsFile = join(root, 'options.json');
      const options: LoadOptions = existsSync(optionsFile) ? JSON.parse(readFileSync(optionsFile, 'utf8')) : {};
      // One thread, then two (the worker prunes its share before posting it back).
      for (const workers of [1, 2]) {
        const { full, pruned } = await both(root, { ...options, workers });
        expect(pruned.diagnostics).toEqual(full.diagnostics);
        expect([...pruned.documents.keys()]).toEqual([...full.documents.keys()]);
      }
    });
  }

  for (const name of readdirSync(examples).filter((n) => statSync(join(examples, n)).isDirectory())) {
    it(`gives the full load's diagnostics: examples/${name}`, async () => {
      for (const workers of [1, 2]) {
        const { full, pruned } = await both(join(examples, name), { workers });
        expect(pruned.diagnostics).toEqual(full.diagnostics);
      }
    }, 60_000);
  }

  it('keeps whole trees by default and with a parse cache', async () => {
    const root = join(fixtures, 'quiz-structure');
    const full = await loadContent(root);
    for (const d of full.documents.values()) expect(d.parsed.mdast).toEqual(parseDocument(d.parsed.source, { file: d.file }).mdast);
  });
});

describeCorpus("loadContent with trees: 'rules' on the corpus", () => {
  // (killercoda-examples holds no Labkit documents: lab import reads it.)
  for (const name of ['iximiuz-samples']) {
    it(`gives the full load's diagnostics: ${name}`, async () => {
      for (const workers of [1, 2]) {
        const { full, pruned } = await both(corpusPath(name), { workers });
        expect(pruned.diagnostics).toEqual(full.diagnostics);
        // The trees were pruned (the diagnostics alone would not show it).
        const size = (g: ContentGraph) => [...g.documents.values()].reduce((n, d) => n + nodes(d.parsed.mdast), 0);
        expect(size(pruned)).toBeLessThan(size(full) / 2);
      }
    }, 60_000);
  }

  it('keeps a fraction of the sample challenge tree', () => {
    const file = corpusPath('iximiuz-samples/sample-challenge/index.md');
    const { mdast } = parseDocument(readFileSync(file, 'utf8'), { file: 'index.md' });
    const kept = nodes(ruleTree(mdast));
    expect(kept).toBeGreaterThan(1);
    expect(kept).toBeLessThan(nodes(mdast) / 2);
  });
});

describe('ruleTree', () => {
  const tree = (md: string) => ruleTree(parseDocument(md, { file: 'x.md' }).mdast) as unknown as { children: Array<Record<string, unknown>> };

  it("keeps a component's direct children and a quiz's options with checked", () => {
    const t = tree('Intro text.\n\n::quiz\nWhich one?\n\n```sh\nls\n```\n\n- [x] yes\n- [ ] no\n::\n');
    expect(t.children).toHaveLength(1);
    const quiz = t.children[0] as { name: string; children: Array<{ type: string; children?: Array<{ checked?: boolean }> }> };
    expect(quiz.name).toBe('quiz');
    expect(quiz.children.map((c) => c.type)).toEqual(['paragraph', 'code', 'list']);
    expect(quiz.children[2]!.children!.map((li) => li.checked)).toEqual([true, false]);
  });

  it('keeps headings whole, links and images, and drops plain text', () => {
    const t = tree('# Title\n\nSome text with a [link](./a.md) and ![alt](x.png).\n\nMore text.\n\n## Set *up*\n');
    expect(t.children.map((c) => c.type)).toEqual(['heading', 'paragraph', 'heading']);
    const para = t.children[1] as { children: Array<{ type: string }> };
    expect(para.children.map((c) => c.type)).toEqual(['link', 'image']);
    expect((t.children[2] as { children: Array<{ type: string }> }).children.map((c) => c.type)).toEqual(['text', 'emphasis']);
  });

  it('leaves a node without children (an MDC binding) without them', () => {
    const full = parseDocument('Hello {{ name }} there.\n', { file: 'x.md' }).mdast;
    const binding = (full.children[0] as unknown as { children: Array<Record<string, unknown>> }).children.find((c) => c['type'] === 'textComponent');
    expect(binding && 'children' in binding).toBe(false);
    const kept = (ruleTree(full).children[0] as unknown as { children: Array<Record<string, unknown>> }).children[0]!;
    expect(kept['type']).toBe('textComponent');
    expect('children' in kept).toBe(false);
  });
});
