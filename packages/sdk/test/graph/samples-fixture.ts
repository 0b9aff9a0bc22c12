// A temporary copy of the corpus's iximiuz samples with a parse cache folder
// beside it, shared by the parse cache and parse pack tests.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { loadContent } from '../../src/index.ts';
import type { ContentGraph } from '../../src/index.ts';
import { parsedFileCount } from '../../src/graph/workers.ts';
import { corpusPath, hasCorpus } from '../../../../test-support/corpus.ts';

/** The model without the loader's internal state. */
export const model = (g: ContentGraph) => ({ ...g, state: undefined });

export function samplesFixture(prefix: string) {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const content = join(work, 'content');
  const cacheDir = join(work, 'cache');
  if (hasCorpus) cpSync(corpusPath('iximiuz-samples'), content, { recursive: true });
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  /** Loads and returns the graph with how many files were parsed (not served from the cache). */
  const load = async (parseCache: string | false = cacheDir): Promise<{ graph: ContentGraph; parsed: number }> => {
    const before = parsedFileCount();
    const graph = await loadContent(content, { parseCache, workers: 1 });
    return { graph, parsed: parsedFileCount() - before };
  };
  return { content, cacheDir, load };
}
