// Finding 10 of issue 11 (validation side): an SVG in __static__ that can run
// script is a positioned lab validate error naming the element or attribute.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadContent, parseDocument, renderDocument } from '../../src/index.ts';
import { svgScriptDiagnostics } from '../../src/validate/rules/svg-script.ts';

const work = mkdtempSync(path.join(tmpdir(), 'labkit-sec-svg-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SVG = (inner: string, attrs = '') => `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"${attrs}>\n${inner}\n</svg>\n`;

const vectors: Array<[string, string, string]> = [
  ['script', SVG('<script>alert(1)</script>'), '<script>'],
  ['prefixed-script', SVG('<svg:script xmlns:svg="http://www.w3.org/2000/svg">alert(1)</svg:script>'), '<svg:script>'],
  ['onload', SVG('<rect/>', ' onload="alert(1)"'), 'the onload event attribute on <svg>'],
  ['onclick-upper', SVG("<rect ONCLICK='alert(1)'/>"), 'the ONCLICK event attribute on <rect>'],
  ['javascript-href', SVG('<a href="javascript:alert(1)"><text>x</text></a>'), 'a javascript: URL in href on <a>'],
  ['javascript-xlink-encoded', SVG('<a xlink:href="&#106;ava&#x09;script&colon;alert(1)"><text>x</text></a>'), 'a javascript: URL in xlink:href on <a>'],
  ['animate-values', SVG('<a><animate attributeName="href" values="javascript:alert(1)"/><text>x</text></a>'), 'a javascript: URL in values on <animate>'],
  ['set-to', SVG('<a><set attributeName="href" to="  javascript:alert(1)"/></a>'), 'a javascript: URL in to on <set>'],
  ['foreign-object', SVG('<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>'), '<foreignObject>'],
  ['entity', '<!DOCTYPE svg [<!ENTITY x "&#60;script&#62;alert(1)&#60;/script&#62;">]>\n' + SVG('&x;'), 'an <!ENTITY> declaration'],
  ['xml-stylesheet', '<?xml-stylesheet type="text/xsl" href="x.xsl"?>\n' + SVG('<rect/>'), 'an <?xml-stylesheet?> instruction'],
];

describe('lab:svg-script', () => {
  it('each vector alone is one positioned error naming the element or attribute', async () => {
    const root = path.join(work, 'content');
    mkdirSync(path.join(root, 't/__static__'), { recursive: true });
    writeFileSync(path.join(root, 't/index.md'), '---\nkind: tutorial\ntitle: Drawings With Scripts\ndescription: SVGs.\ncategories: [linux]\ncreatedAt: 2026-01-01\n---\n\nBody.\n');
    for (const [name, text] of vectors) writeFileSync(path.join(root, `t/__static__/${name}.svg`), text);
    writeFileSync(path.join(root, 't/__static__/clean.svg'), SVG('<!-- <script>a comment</script> --><style>a{fill:red}</style><a href="https://example.org/"><rect/></a>'));
    const graph = await loadContent(root);
    const found = graph.diagnostics.filter((d) => d.ruleId === 'lab:svg-script');
    for (const [name, , what] of vectors) {
      const mine = found.filter((d) => d.file === `t/__static__/${name}.svg`);
      expect(mine, name).toHaveLength(1);
      expect(mine[0]!.severity).toBe('error');
      expect(mine[0]!.message).toContain(`(${what})`);
      expect(mine[0]!.span.start.line).toBeGreaterThanOrEqual(1);
    }
    expect(found.filter((d) => d.file.endsWith('clean.svg'))).toEqual([]);
  });

  it('the SVGs in the examples pass', () => {
    const dir = path.resolve(import.meta.dirname, '../../../../examples/tutorials/linux-file-permissions/__static__');
    const svgs = readdirSync(dir).filter((f) => f.endsWith('.svg'));
    expect(svgs.length).toBeGreaterThan(0);
    for (const f of svgs) expect(svgScriptDiagnostics(f, readFileSync(path.join(dir, f), 'utf8'))).toEqual([]);
  });

  it('image-box shows an SVG through <img> only: no zoom link that would open it as a document', async () => {
    const doc = parseDocument('::image-box\n---\n:src: __static__/d.svg\n:alt: A drawing\n---\n::\n\n::image-box\n---\n:src: __static__/p.png\n:alt: A photo\n---\n::\n', { file: 'x.md' });
    const { html } = await renderDocument(doc.mdast, { resolveAsset: (src) => ({ url: `/_assets/${src.split('/').pop()}` }) });
    expect(html).toContain('<img src="/_assets/d.svg"');
    expect(html).not.toContain('href="/_assets/d.svg"');
    expect(html).toContain('href="/_assets/p.png"'); // other images keep their zoom link
  });
});
