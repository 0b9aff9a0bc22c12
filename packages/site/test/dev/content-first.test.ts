// lab dev reports the content (graph loaded and checked) before it builds the
// pages: the summary line is out while every tab still gets the loading
// page, the pages follow, and what is reported equals what a load in one
// piece reports. Real backend (SDK graph + site renderer) over a temp folder;
// the page half is held at a gate so the order is observable, not timed.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FILE_START, diagnostic } from '@labkit/sdk';
import { dev } from '../../src/dev/index.ts';
import { createSitePreviewBackend } from '../../src/dev/site-preview-backend.ts';
import { useTempContent } from './helpers.ts';

const content = useTempContent({
  'tutorials/one': { kind: 'tutorial', title: 'The first one', body: 'Body of the first.' },
  // A content error, so the report has a diagnostic to compare.
  'tutorials/two': { kind: 'tutorial', title: 'The second one', body: '::unknown-widget\nhi\n::' },
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

describe('lab dev: the content first, then the pages', () => {
  it('prints the summary before the pages are built, serves them once they are, and reports what one load reports', async () => {
    const real = await createSitePreviewBackend(content.root);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let pagesStarted = false;
    const backend = { ...real, load: async () => ((pagesStarted = true), await gate, real.load()) };
    let out = '';
    const port = await freePort();
    const starting = dev({ dir: content.root, port, backend, output: { write: (s: string) => (out += s) } });
    await expect.poll(() => out, { timeout: 20_000 }).toMatch(/2 items · \d+ errors? · /);
    expect(pagesStarted).toBe(true);
    // Reported, pages not built: still the loading page.
    expect((await fetch(`http://127.0.0.1:${port}/tutorials/one/`)).status).toBe(503);
    release();
    const handle = content.own(await starting);
    const page = await fetch(`http://127.0.0.1:${port}/tutorials/one/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Body of the first.');
    // One summary line: building the pages changed nothing that was reported.
    expect(out.match(/2 items · /g)).toHaveLength(1);

    // The same diagnostics as a backend loaded in one piece.
    const whole = await (await createSitePreviewBackend(content.root)).load();
    const key = (s: typeof whole) => s.diagnostics.map((d) => `${d.file}:${d.span.start.line} ${d.ruleId}`).sort();
    expect(key(handle.state)).toEqual(key(whole));
    expect(key(whole).length).toBeGreaterThan(0);
    expect(handle.state.itemCount).toBe(whole.itemCount);
  }, 60_000);

  it('reports again when building the pages finds what the content check did not (a render failure)', async () => {
    const real = await createSitePreviewBackend(content.root);
    const failure = { ...(await real.loadContent!()), parsedFiles: 2 };
    // A stand-in page half whose render failed: its state has one more diagnostic.
    const extra = diagnostic('lab:render-failed', 'tutorials/one/index.md', FILE_START, 'Rendering failed: boom');
    const backend = { ...real, loadContent: async () => failure, load: async () => ({ ...failure, diagnostics: [extra, ...failure.diagnostics] }) };
    let out = '';
    content.own(await dev({ dir: content.root, port: 0, backend, output: { write: (s: string) => (out += s) } }));
    const counts = [...out.matchAll(/2 items · (\d+) errors? · /g)].map((m) => Number(m[1]));
    expect(counts).toEqual([failure.diagnostics.filter((d) => d.severity === 'error').length, failure.diagnostics.filter((d) => d.severity === 'error').length + 1]);
  }, 60_000);
});
