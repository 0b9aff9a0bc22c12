// The highlight cache on disk (render/highlight-cache.ts): a figure read
// back equals Shiki's, a render from the cache equals one without it, and a
// new Shiki, new themes or an edited renderer never read an old entry.
import { mkdtempSync, readdirSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import type { Code } from 'mdast';
import { visit } from 'unist-util-visit';
import { toHtml } from 'hast-util-to-html';
import { corpusPath, describeCorpus } from '../../../../test-support/corpus.ts';

// Before the SDK is imported: every entry of this file goes to a fresh folder.
const cache = mkdtempSync(path.join(os.tmpdir(), 'labkit-highlight-'));
process.env['LABKIT_CACHE'] = cache;
const { parseDocument, renderDocument } = await import('../../src/index.ts');
const { clearHighlightMemory, highlightCode, highlightUncached } = await import('../../src/render/code-block.ts');
const hc = await import('../../src/render/highlight-cache.ts');

const tutorial = corpusPath('iximiuz-samples/sample-tutorial/index.md');
const entries = () => readdirSync(path.join(cache, 'highlight'), { recursive: true }).filter((f) => String(f).endsWith('.json')).length;

describeCorpus('highlight cache (the real sample tutorial)', () => {
  let mdast: ReturnType<typeof parseDocument>['mdast'];
  const fences: Code[] = [];
  beforeAll(() => {
    mdast = parseDocument(readFileSync(tutorial, 'utf8'), { file: 'index.md' }).mdast;
    visit(mdast, 'code', (n: Code) => void fences.push(n));
  });

  it('a page rendered from the disk cache is the page rendered by Shiki, block for block', async () => {
    expect(fences.length).toBeGreaterThan(40);
    const cold = await renderDocument(structuredClone(mdast), {});
    await hc.flushHighlights();
    const distinct = new Set(fences.map((f) => `${f.lang}\0${f.meta}\0${f.value}`)).size;
    expect(entries()).toBe(distinct);

    // A new process: nothing in memory, every figure from the disk.
    clearHighlightMemory();
    const reads = hc.highlightCacheStats.reads;
    const warm = await renderDocument(structuredClone(mdast), {});
    expect(hc.highlightCacheStats.reads - reads).toBe(distinct);
    expect(warm.html).toBe(cold.html);

    // Figure for figure: the same tree (Shiki leaves a few `data: undefined`,
    // which JSON drops; toEqual treats them as absent) and the same HTML.
    for (const f of fences) {
      clearHighlightMemory();
      const cached = await highlightCode(f.value, f.lang, f.meta);
      const fresh = await highlightUncached(f.value, f.lang, f.meta);
      expect(cached).toEqual(fresh);
      expect(toHtml(cached)).toBe(toHtml(fresh));
    }
  }, 60_000);

  it('serves what the disk holds under the current key, and never an entry of another Shiki, theme or renderer', async () => {
    const f = fences.find((x) => x.lang === 'sh' || x.lang === 'bash') ?? fences[0]!;
    const rendererUrl = new URL('../../src/render/code-block.ts', import.meta.url).href;
    const themes = { light: 'github-light-high-contrast', dark: 'github-dark-high-contrast' };
    const version = hc.highlightVersion(themes, rendererUrl);
    expect(version).toMatch(/shiki@\d+\.\d+/);
    const key = hc.highlightKey(version, f.value, f.lang, f.meta);
    const file = path.join(cache, 'highlight', key.slice(0, 2), `${key}.json`);
    expect(JSON.parse(readFileSync(file, 'utf8')).key).toBe(key);

    // The disk is really read: a planted figure under the current key comes back.
    const planted = { type: 'element', tagName: 'figure', properties: {}, children: [{ type: 'text', value: 'planted' }] };
    writeFileSync(file, JSON.stringify({ key, figure: planted }));
    clearHighlightMemory();
    expect(await highlightCode(f.value, f.lang, f.meta)).toEqual(planted);

    // LABKIT_HIGHLIGHT_CACHE=off: the disk is neither read nor written.
    process.env['LABKIT_HIGHLIGHT_CACHE'] = 'off';
    try {
      clearHighlightMemory();
      expect(hc.highlightCacheDir()).toBeUndefined();
      expect(toHtml(await highlightCode(f.value, f.lang, f.meta))).not.toContain('planted');
    } finally {
      delete process.env['LABKIT_HIGHLIGHT_CACHE'];
    }

    // A torn entry is a miss: Shiki runs again.
    writeFileSync(file, '{"key":"' + key.slice(0, 10));
    clearHighlightMemory();
    expect(toHtml(await highlightCode(f.value, f.lang, f.meta))).toBe(toHtml(await highlightUncached(f.value, f.lang, f.meta)));

    // Other themes, another Shiki version (the version string) or an edited
    // renderer give other keys, so their entries are never read.
    expect(hc.highlightVersion({ ...themes, dark: 'github-dark' }, rendererUrl)).not.toBe(version);
    const edited = path.join(cache, 'code-block-edited.ts');
    mkdirSync(path.dirname(edited), { recursive: true });
    writeFileSync(edited, readFileSync(new URL(rendererUrl)) + '\n// edited\n');
    expect(hc.highlightVersion(themes, pathToFileURL(edited).href)).not.toBe(version);
    expect(hc.highlightKey(version.replace(/shiki@\S+/, 'shiki@0.0.1'), f.value, f.lang, f.meta)).not.toBe(key);
    // An entry moved under another key's name is refused by the key it carries.
    const other = hc.highlightKey(version, f.value + ' ', f.lang, f.meta);
    mkdirSync(path.join(cache, 'highlight', other.slice(0, 2)), { recursive: true });
    writeFileSync(path.join(cache, 'highlight', other.slice(0, 2), `${other}.json`), JSON.stringify({ key, figure: planted }));
    expect(await hc.readHighlight(other)).toBeUndefined();
  }, 60_000);
});
