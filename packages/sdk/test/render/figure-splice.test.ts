// renderDocument puts each highlighted figure's HTML (serialized once per
// process) into the serialized page instead of serializing the figure with
// the page: the page must be byte for byte what serializing the whole tree
// gives, on real pages and the fixtures, with and without trusted HTML.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument, renderDocument, type RenderOptions } from '../../src/index.ts';
import { renderDocumentAs } from '../../src/render/render-document.ts';
import { clearHighlightMemory } from '../../src/render/code-block.ts';
import { corpusDir, describeCorpus } from '../../../../test-support/corpus.ts';

const fixtures = path.join(import.meta.dirname, 'fixtures');

async function same(source: string, file: string, options: RenderOptions): Promise<string> {
  const { mdast } = parseDocument(source, { file });
  const tree = await renderDocumentAs(mdast, options, 'tree');
  const spliced = await renderDocumentAs(mdast, options, 'spliced');
  expect(spliced).toEqual(tree);
  // Again with the figures' HTML already in memory (what a save in lab dev meets).
  expect(await renderDocument(mdast, options)).toEqual(tree);
  return spliced.html;
}

describe('figures spliced into the page', () => {
  it('the fixtures render the same either way', async () => {
    for (const name of readdirSync(fixtures).sort()) {
      const source = readFileSync(path.join(fixtures, name, 'input.md'), 'utf8');
      for (const allowDangerousHtml of [false, true]) await same(source, `${name}/input.md`, { allowDangerousHtml, preview: name.includes('preview') });
    }
  }, 60_000);

  it('an author cannot aim a marker: a forged one is left as written, code in components and lists is spliced', async () => {
    clearHighlightMemory();
    const source = [
      'Text <!--lk-figure 0 0--> and more.',
      '',
      '```sh',
      'echo one',
      '```',
      '',
      '- item',
      '',
      '  ```yaml [a.yaml]{1}',
      '  a: 1',
      '  ```',
      '',
      '::details{summary="More"}',
      '```js exec',
      'console.log(1)',
      '```',
      '::',
      '',
    ].join('\n');
    const trusted = await same(source, 'forged.md', { allowDangerousHtml: true });
    expect(trusted).toContain('<!--lk-figure 0 0-->');
    expect(trusted.match(/<figure class="lk-code/g)).toHaveLength(3);
    const plain = await same(source, 'forged.md', {});
    expect(plain).not.toContain('lk-figure');
    expect(plain.match(/<figure class="lk-code/g)).toHaveLength(3);
  }, 60_000);
});

describeCorpus('figures spliced into real pages', () => {
  // The iximiuz samples: content in Labkit's format (the Killercoda examples are `lab import`'s input).
  it('every Markdown file of the iximiuz samples renders the same either way', async () => {
    const samples = path.join(corpusDir, 'iximiuz-samples');
    const files = (readdirSync(samples, { recursive: true }) as string[]).filter((f) => f.endsWith('.md')).sort();
    expect(files.length).toBeGreaterThan(3);
    let figures = 0;
    for (const f of files) {
      const html = await same(readFileSync(path.join(samples, f), 'utf8'), f, {});
      figures += html.match(/<figure class="lk-code/g)?.length ?? 0;
    }
    expect(figures).toBeGreaterThan(50);
  }, 180_000);
});
