// Search text is taken from the rendered HTML: it must read as the page does.
import { describe, expect, it } from 'vitest';
import { parseDocument, renderDocument } from '@labkit/sdk';
import { textOf } from '../../src/build/search-index.ts';

describe('search text', () => {
  it('reads a highlighted code block as it is written, without the Copy and Run labels (was: "fmt. Println ( \"step\" , i)")', async () => {
    const source = [
      '```go [main.go]',
      'package main',
      '',
      'import "fmt"',
      '',
      'func main() {',
      '\tfmt.Println("step", os.Getenv("HOME"))',
      '}',
      '```',
      '',
      '```yaml',
      'apiVersion: apps/v1',
      'image: registry.example.com/app:1.25',
      '```',
      '',
      '```bash {exec}',
      'kubectl get pods -n kube-system -o=jsonpath=\'{.items[*].metadata.name}\'',
      '```',
      '',
    ].join('\n');
    const { html } = await renderDocument(parseDocument(source, { file: 'x.md' }).mdast, {});
    expect(html).toContain('lk-copy');
    const text = textOf(html);
    expect(text).toContain('fmt.Println("step", os.Getenv("HOME"))');
    expect(text).toContain('import "fmt"');
    expect(text).toContain('apiVersion: apps/v1\nimage: registry.example.com/app:1.25');
    expect(text).toContain("kubectl get pods -n kube-system -o=jsonpath='{.items[*].metadata.name}'");
    expect(text).toContain('main.go');
    expect(text).not.toMatch(/\bCopy\b|\bRun\b/);
  });

  it('decodes the character references the renderer writes (was: "a &#x3C; b &#x26; c" in the index)', async () => {
    const parsed = parseDocument('Use `a < b` when x < y & z > 0, "quoted" and it\'s fine.\n', { file: 'x.md' });
    const { html } = await renderDocument(parsed.mdast, {});
    expect(html).toContain('&#x3C;'); // what hast-util-to-html writes
    expect(textOf(html)).toBe('Use a < b when x < y & z > 0, "quoted" and it\'s fine.');
    expect(textOf('<p>&lt;tag&gt; &amp; &#39;x&#39; &#128512; &#0; &bogus;</p>')).toBe("<tag> & 'x' 😀 &#0; &bogus;");
  });
});
