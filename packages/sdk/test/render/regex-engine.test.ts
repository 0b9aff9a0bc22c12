// Shiki's JavaScript RegExp engine against Oniguruma (render/code-block.ts):
// the languages on the JavaScript engine give the same figure, byte for
// byte, for every fence of the examples, the shared corpus (read in place)
// and the build bench's generated pages; a language outside the list, or
// one whose grammar the JavaScript engine throws on, is highlighted with
// Oniguruma.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Code } from 'mdast';
import { visit } from 'unist-util-visit';
import { toHtml } from 'hast-util-to-html';
import { parseDocument } from '../../src/index.ts';
import { JAVASCRIPT_LANGUAGES, highlightUncached, languageId } from '../../src/render/code-block.ts';
import { corpusDir, hasCorpus } from '../../../../test-support/corpus.ts';
import { markdownFiles } from '../../../../test-support/markdown.ts';
import { generateContent } from '../../../../bench/build/generate-content.ts';

const repo = path.resolve(import.meta.dirname, '../../../..');
const benchDir = mkdtempSync(path.join(os.tmpdir(), 'labkit-engine-'));

interface Fence {
  file: string;
  node: Code;
}
const fences: Fence[] = [];

beforeAll(() => {
  // 25 generated pages cover every fence shape of bench/build (5 languages, with and without meta).
  generateContent(benchDir, 25);
  const files = [...markdownFiles(path.join(repo, 'examples')), ...(hasCorpus ? markdownFiles(corpusDir) : []), ...markdownFiles(benchDir)];
  for (const file of files) {
    const { mdast } = parseDocument(readFileSync(file, 'utf8'), { file });
    visit(mdast, 'code', (node: Code) => void fences.push({ file, node }));
  }
});
afterAll(() => rmSync(benchDir, { recursive: true, force: true }));

it('every fence in a JavaScript-engine language is highlighted the same by both engines', async () => {
  const compared = new Map<string, number>();
  const differ: string[] = [];
  for (const { file, node } of fences) {
    const id = await languageId((node.lang ?? 'text').toLowerCase());
    if (!JAVASCRIPT_LANGUAGES.has(id)) continue;
    const js = await highlightUncached(node.value, node.lang, node.meta, 'javascript');
    const onig = await highlightUncached(node.value, node.lang, node.meta, 'oniguruma');
    if (toHtml(js) !== toHtml(onig)) differ.push(`${id} in ${path.relative(repo, file)}:${node.position?.start.line}`);
    else expect(js).toEqual(onig);
    compared.set(id, (compared.get(id) ?? 0) + 1);
  }
  expect(differ).toEqual([]);
  console.log('fences compared by language', Object.fromEntries(compared));
  // The list holds only languages some real fence vouches for.
  const unvouched = [...JAVASCRIPT_LANGUAGES].filter((id) => !compared.has(id));
  if (hasCorpus) expect(unvouched).toEqual([]);
  expect([...compared.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(hasCorpus ? 200 : 50);
}, 120_000);

it('a language off the list is highlighted with Oniguruma, and the default engine gives the same figure as the forced one', async () => {
  const rust = 'fn main() {\n    let x: u32 = 42; // the answer\n    println!("{x}");\n}\n';
  expect(JAVASCRIPT_LANGUAGES.has('rust')).toBe(false);
  expect(await highlightUncached(rust, 'rust', null)).toEqual(await highlightUncached(rust, 'rust', null, 'oniguruma'));
  const sh = 'docker run --rm -it alpine:3 sh -c "echo $HOME"\n';
  expect(await highlightUncached(sh, 'sh', '[run.sh]{1}')).toEqual(await highlightUncached(sh, 'sh', '[run.sh]{1}', 'javascript'));
});
