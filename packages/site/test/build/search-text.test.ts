// Search text is taken from the rendered HTML: it must read as the page does.
import { describe, expect, it } from 'vitest';
import { parseDocument, renderDocument } from '@labkit/sdk';
import { textOf } from '../../src/build/search-index.ts';

describe('search text', () => {
  it('decodes the character references the renderer writes (was: "a &#x3C; b &#x26; c" in the index)', async () => {
    const parsed = parseDocument('Use `a < b` when x < y & z > 0, "quoted" and it\'s fine.\n', { file: 'x.md' });
    const { html } = await renderDocument(parsed.mdast, {});
    expect(html).toContain('&#x3C;'); // what hast-util-to-html writes
    expect(textOf(html)).toBe('Use a < b when x < y & z > 0, "quoted" and it\'s fine.');
    expect(textOf('<p>&lt;tag&gt; &amp; &#39;x&#39; &#128512; &#0; &bogus;</p>')).toBe("<tag> & 'x' 😀 &#0; &bogus;");
  });
});
