// lab dev and lab build show the graph's diagnostics, not the renderer's
// (issue 17: one set of findings, the same as lab validate's). That is only
// right if every problem the renderer meets has a validation rule that
// reports it: this renders every document of every rule fixture and checks
// each render finding against what validation reported for that file.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContent, renderDocument, type Diagnostic } from '../src/index.ts';

const dir = join(import.meta.dirname, 'fixtures/rules');

describe('render findings are validation findings', () => {
  it('every rule fixture: each (file, rule) the renderer reports, validation reports too, at that severity or higher', async () => {
    const missed: string[] = [];
    let met = 0;
    for (const name of readdirSync(dir).sort()) {
      const root = join(dir, name);
      const optionsFile = join(root, 'options.json');
      const graph = await loadContent(root, existsSync(optionsFile) ? JSON.parse(readFileSync(optionsFile, 'utf8')) : {});
      // Validation may know more than the renderer and report higher (a card
      // whose name is a typo of a local item: a warning, not info), never lower.
      const rank = { info: 0, warning: 1, error: 2 } as const;
      const validated = new Map<string, number>();
      for (const d of graph.diagnostics) {
        const k = `${d.file} ${d.ruleId}`;
        validated.set(k, Math.max(validated.get(k) ?? -1, rank[d.severity]));
      }
      const local = new Set(graph.items.map((i) => `${i.kind}:${i.name.replaceAll('_', '-')}`));
      for (const doc of graph.documents.values()) {
        const out = await renderDocument(doc.parsed.mdast, {
          file: doc.file,
          // As the site: a card resolves when its item is in this repository.
          resolveCard: (ref) => (local.has(`${ref.collection.replace(/s$/, '')}:${ref.name.replaceAll('_', '-')}`) ? { kind: ref.collection, title: ref.name } : undefined),
        });
        met += out.diagnostics.length;
        for (const d of out.diagnostics as Diagnostic[]) {
          if ((validated.get(`${d.file} ${d.ruleId}`) ?? -1) < rank[d.severity]) missed.push(`${name}: ${d.file}:${d.span.start.line} ${d.ruleId} ${d.severity} ${d.message}`);
        }
      }
    }
    expect(met).toBeGreaterThan(5);
    expect(missed).toEqual([]);
  });
});
