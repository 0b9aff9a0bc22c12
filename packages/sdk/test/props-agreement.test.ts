import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContent, parseDocument, readComponentProps, renderDocument } from '../src/index.ts';

/**
 * Validation and rendering read MDC props through one reader, so they agree
 * on which value a prop has. The fixture writes `src` inline (a file that
 * exists) and in the YAML block (a file that does not): both must take the
 * YAML one, so the missing asset is caught by `lab validate` and is the image
 * the page asks for.
 */
const root = join(import.meta.dirname, 'fixtures/rules/missing-asset');

describe('one MDC props reader', () => {
  it('validator and renderer take the same value when inline and YAML props conflict', async () => {
    const graph = await loadContent(root);
    const item = graph.items.find((i) => i.dir === 'both-props')!;
    const doc = item.documents[0]!;
    const checked = graph.diagnostics.filter((d) => d.file === 'both-props/index.md' && d.ruleId === 'lab:missing-asset');
    expect(checked.map((d) => d.message)).toEqual(['Missing asset "__static__/missing.png": no such file in the item\'s __static__ folder.']);
    expect(checked[0]!.span.start).toEqual({ line: 11, column: 7 });

    const rendered = await renderDocument(doc.parsed.mdast, {
      resolveAsset: (src) => (existsSync(join(root, 'both-props', src)) ? { url: `/assets/${src}` } : undefined),
    });
    expect(rendered.assets).toEqual(['__static__/missing.png']);
    expect(rendered.missingAssets).toEqual(['__static__/missing.png']);
    expect(rendered.html).not.toContain('present.png');
  });

  it('drops the binding colon and lets the YAML block win, as remark-mdc does', () => {
    const doc = parseDocument('::image-box{src="a.png" :alt="inline" max-width=100px}\n---\n:src: b.png\nalt: yaml\n---\n::\n', { file: 'x.md' });
    const node = doc.mdast.children[0] as never;
    const read = readComponentProps(node);
    expect(read.values).toEqual({ src: 'b.png', alt: 'yaml', 'max-width': '100px' });
    expect(read.origin).toEqual({ src: 'yaml', alt: 'yaml', 'max-width': 'inline' });
    expect(read.conflicts).toEqual(['src', 'alt']);
  });
});
