// Finding 10 of issue 11: a scripted SVG in __static__ ran on the site's
// origin when opened. `lab dev` now serves every SVG with a CSP that blocks
// script (and sandboxes the document); a real Chromium shows the script does
// not run, and that the same file without the header would run it.
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { SVG_CONTENT_SECURITY_POLICY } from '@labkit/sdk';
import { dev, type DevHandle } from '../../src/dev/index.ts';
import { launchChromium, tempContent, writeItem } from '../dev/helpers.ts';

const EVIL = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="document.documentElement.setAttribute('data-onload','ran')">
<script>document.documentElement.setAttribute('data-script', 'ran')</script>
<rect width="10" height="10"/></svg>`;

let root: string;
let cleanup: () => Promise<void>;
let handle: DevHandle | undefined;
let browser: Browser;

beforeAll(async () => {
  ({ root, cleanup } = await tempContent());
  await writeItem(root, 'tutorials/pics', { kind: 'tutorial', title: 'Pictures with scripts', body: '![evil](__static__/evil.svg)\n\n[open it](__static__/evil.svg)' });
  await mkdir(path.join(root, 'tutorials/pics/__static__'), { recursive: true });
  await writeFile(path.join(root, 'tutorials/pics/__static__/evil.svg'), EVIL);
  handle = await dev({ dir: root, port: 0, output: false });
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await handle?.close();
  await cleanup?.();
});

async function ran(url: string): Promise<{ script: string | null; onload: string | null }> {
  const page = await browser.newPage();
  try {
    await page.goto(url);
    await page.waitForTimeout(300);
    return await page.evaluate(() => ({ script: document.documentElement.getAttribute('data-script'), onload: document.documentElement.getAttribute('data-onload') }));
  } finally {
    await page.close();
  }
}

describe('SVG assets in lab dev', () => {
  it('are served with a CSP that blocks script, and opening one runs nothing', async () => {
    const url = new URL('tutorials/pics/__static__/evil.svg', handle!.url).href;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(res.headers.get('content-security-policy')).toBe(SVG_CONTENT_SECURITY_POLICY);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await ran(url)).toEqual({ script: null, onload: null });
  }, 60_000);

  it('control: the same SVG served without the header does run its script in Chromium', async () => {
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/svg+xml' }).end(EVIL));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as { port: number };
      expect((await ran(`http://127.0.0.1:${port}/evil.svg`)).script).toBe('ran');
    } finally {
      await new Promise((r) => server.close(r));
    }
  }, 60_000);
});
