// Issue 17: `lab validate`, `lab dev` and `lab build` must report the same
// findings with the same severities. On the iximiuz samples validate said
// 0 warnings / 9 info while lab dev said 12 more warnings
// (render:unresolved-card, raised only while rendering, for the references
// validate reports as info).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadContent, renderDocument, rules, type Diagnostic } from '@labkit/sdk';
import { build } from '@labkit/site';
import { dev, type DevHandle } from '@labkit/site/dev';
import { corpusPath, describeCorpus } from '../../../test-support/corpus.ts';
import { lab } from './helpers.ts';

const samples = corpusPath('iximiuz-samples');
const key = (d: Pick<Diagnostic, 'ruleId' | 'severity' | 'file' | 'span'>) => `${d.file}:${d.span.start.line} ${d.ruleId} ${d.severity}`;
const keys = (ds: readonly Diagnostic[]) => ds.map(key).sort();

let handle: DevHandle | undefined;
let out: string | undefined;
afterAll(async () => {
  await handle?.close();
  if (out) await rm(out, { recursive: true, force: true });
});

describeCorpus('one set of findings over the iximiuz samples', () => {
  let validated: Diagnostic[] = [];
  beforeAll(async () => {
    const res = await lab(['validate', samples, '--format', 'json']);
    validated = (JSON.parse(res.stdout) as { diagnostics: Diagnostic[] }).diagnostics;
  });

  it('lab validate and lab dev report the same (rule, severity, file, line) findings', async () => {
    expect(validated.length).toBeGreaterThan(0);
    // Every id is in the one catalogue.
    expect(validated.filter((d) => !Object.hasOwn(rules, d.ruleId))).toEqual([]);
    handle = await dev({ dir: samples, port: 0, output: false });
    expect(keys(handle.state.diagnostics)).toEqual(keys(validated));
  });

  it('lab validate and lab build report the same (rule, severity, file, line) findings', async () => {
    out = await mkdtemp(path.join(tmpdir(), 'labkit-agree-'));
    const built = await build({ dir: samples, outDir: path.join(out, 'site') });
    expect(built.ok).toBe(true);
    expect(keys(built.diagnostics)).toEqual(keys(validated));
  });

  it('every problem the renderer meets is one a validation rule reports in the same file, with the same severity', async () => {
    const graph = await loadContent(samples);
    const validated = new Set(graph.diagnostics.map((d) => `${d.file} ${d.ruleId} ${d.severity}`));
    const local = new Set(graph.items.map((i) => i.name.replaceAll('_', '-')));
    const met: Diagnostic[] = [];
    for (const doc of graph.documents.values()) {
      const rendered = await renderDocument(doc.parsed.mdast, {
        file: doc.file,
        // As the site: a card resolves when its item is in this repository.
        resolveCard: (ref) => (local.has(ref.name.replaceAll('_', '-')) ? { kind: ref.collection, title: ref.name } : undefined),
      });
      met.push(...rendered.diagnostics);
    }
    // The samples' cards point at platform content: the renderer meets them.
    expect(met.some((d) => d.ruleId === 'lab:missing-reference')).toBe(true);
    expect(met.filter((d) => !validated.has(`${d.file} ${d.ruleId} ${d.severity}`)).map(key)).toEqual([]);
  });
});
