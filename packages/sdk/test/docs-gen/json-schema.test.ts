import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { frontMatterJsonSchema } from '../../src/docs-gen/generate.ts';
import { loadContent } from '../../src/graph/store.ts';
import { corpusPath, hasCorpus } from '../../../../test-support/corpus.ts';

const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));

// Reads the generated JSON Schema back with zod's JSON Schema importer (an
// independent implementation of the format) and checks it against real
// front matter: what editors validate must agree with what lab validate does.
const fromJsonSchema = (z as unknown as { fromJSONSchema: (s: unknown) => z.ZodType }).fromJSONSchema;

describe('the front matter JSON Schema', () => {
  const schema = fromJsonSchema(frontMatterJsonSchema());

  it('accepts every front matter of the examples and the iximiuz samples', async () => {
    let checked = 0;
    // The samples join the examples where the corpus is on this machine.
    for (const dir of [path.join(repoRoot, 'examples'), ...(hasCorpus ? [corpusPath('iximiuz-samples')] : [])]) {
      const graph = await loadContent(dir);
      for (const [file, doc] of graph.documents) {
        const data = doc.parsed.frontMatter.data as Record<string, unknown> | undefined;
        if (!data || !('kind' in data)) continue;
        const result = schema.safeParse(data);
        expect(result.success, `${dir}/${file}: ${result.success ? '' : JSON.stringify(result.error.issues)}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(hasCorpus ? 20 : 10);
  });

  it('rejects what the content model rejects', () => {
    const valid = { kind: 'challenge', title: 'A Valid Challenge Title', description: 'd', categories: ['linux'], createdAt: '2026-01-01', difficulty: 'easy' };
    expect(schema.safeParse(valid).success).toBe(true);
    expect(schema.safeParse({ ...valid, title: 'short' }).success).toBe(false);
    // An unknown category is kept (lab validate warns); more than two is rejected.
    expect(schema.safeParse({ ...valid, categories: ['cooking'] }).success).toBe(true);
    expect(schema.safeParse({ ...valid, categories: ['linux', 'containers', 'security'] }).success).toBe(false);
    expect(schema.safeParse({ ...valid, createdAt: 'yesterday' }).success).toBe(false);
    expect(schema.safeParse({ ...valid, difficulty: undefined }).success).toBe(false);
    expect(schema.safeParse({ ...valid, tasks: { t: { init: true } } }).success).toBe(false); // `run` is required
    expect(schema.safeParse({ ...valid, kind: 'recipe' }).success).toBe(false);
  });
});
