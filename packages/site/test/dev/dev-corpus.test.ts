import { afterAll, beforeAll, expect, it } from 'vitest';
import { dev, type DevHandle } from '../../src/dev/index.ts';
import { corpusPath, describeCorpus, hasCorpus } from '../../../../test-support/corpus.ts';

// The real iximiuz samples through `lab dev` (read only: nothing is written).
const samples = corpusPath('iximiuz-samples');
let handle: DevHandle;

beforeAll(async () => {
  if (!hasCorpus) return;
  handle = await dev({ dir: samples, port: 0, output: false });
});
afterAll(async () => {
  await handle?.close();
});

describeCorpus('lab dev over the iximiuz samples', () => {
  it('serves every item page the catalog links, with its images', async () => {
    expect(handle.state.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const catalog = await (await fetch(handle.url)).text();
    const links = [...new Set([...catalog.matchAll(/href="(\/(?:tutorials|challenges|skill-paths|courses)\/[^"]+)"/g)].map((m) => m[1]!))];
    expect(links.length).toBeGreaterThanOrEqual(3);
    let imageCount = 0;
    for (const link of links) {
      const res = await fetch(new URL(link, handle.url));
      expect(res.status, link).toBe(200);
      const html = await res.text();
      expect(html, link).toContain('/__lab/client.js');
      const images = [...html.matchAll(/<img[^>]+src="(\/[^"]+)"/g)].map((m) => m[1]!);
      imageCount += images.length;
      for (const src of images) {
        const img = await fetch(new URL(src, handle.url));
        expect(img.status, `${link} -> ${src}`).toBe(200);
        expect(img.headers.get('content-type'), src).toMatch(/^image\//);
      }
    }
    expect(imageCount).toBeGreaterThan(0);
    const css = await fetch(new URL('/_lab/site/site.css', handle.url));
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toContain('text/css');
  });
});
