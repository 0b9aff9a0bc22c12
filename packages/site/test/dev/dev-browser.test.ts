import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dev, type DevHandle } from '../../src/dev/index.ts';
import { launchChromium, tempContent, writeItem } from './helpers.ts';

// `lab dev` end to end: a real content folder, the real watcher, the SDK,
// the preview server and a real Chromium looking at the page.
let browser: Browser;
let root: string;
let cleanup: () => Promise<void>;
let handle: DevHandle;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

beforeEach(async () => {
  ({ root, cleanup } = await tempContent());
  await writeItem(root, 'tutorials/first-steps', { kind: 'tutorial', title: 'First Steps', body: 'The original paragraph.' });
  await writeItem(root, 'challenges/run-a-container', { kind: 'challenge', title: 'Run a Container', body: 'Start one container.' });
  handle = await dev({ dir: root, port: 0, output: false });
  page = await browser.newPage();
});
afterEach(async () => {
  await page?.close();
  await handle?.close();
  await cleanup();
});

/** Opens the catalog, then the item whose link says `title`. */
async function openItem(title: string): Promise<string> {
  await page.goto(handle.url);
  await page.locator('main').getByRole('link', { name: title }).first().click();
  await page.waitForLoadState('domcontentloaded');
  await page.waitForFunction(() => (window as { __labDev?: unknown }).__labDev !== undefined);
  return page.url();
}

const file = (...parts: string[]) => path.join(root, ...parts);
const overlay = () => page.locator('lab-dev-overlay');

describe('lab dev in a real browser', () => {
  it('shows an edit without a reload, keeping the page (and its scroll)', async () => {
    const filler = Array.from({ length: 80 }, (_, i) => `Filler paragraph ${i} to make the page scroll.`).join('\n\n');
    await writeItem(root, 'tutorials/first-steps', { kind: 'tutorial', title: 'First Steps', body: `${filler}\n\nThe original paragraph.` });
    await handle.nextUpdate().catch(() => undefined);
    await openItem('First Steps');
    await page.evaluate(() => ((window as { __marker?: number }).__marker = 42));
    await page.evaluate(() => scrollTo(0, 1500));
    const source = await readFile(file('tutorials/first-steps/index.md'), 'utf8');
    await writeFile(file('tutorials/first-steps/index.md'), source.replace('The original paragraph.', 'An edited paragraph.'));
    await expect.poll(() => page.locator('main').innerText(), { timeout: 15_000 }).toContain('An edited paragraph.');
    expect(await page.evaluate(() => (window as { __marker?: number }).__marker)).toBe(42);
    expect(await page.evaluate(() => scrollY)).toBe(1500);
  });

  it('keeps the last good render under an overlay pointing at the broken YAML line, and clears it when fixed', async () => {
    await openItem('First Steps');
    const good = await readFile(file('tutorials/first-steps/index.md'), 'utf8');
    // Line 8 of the file: an unclosed flow sequence.
    const broken = good.split('\n');
    broken[7] = 'categories: [linux';
    await writeFile(file('tutorials/first-steps/index.md'), broken.join('\n'));
    await overlay().waitFor({ state: 'attached', timeout: 15_000 });
    const diag = overlay().locator('.diag').first();
    expect(await diag.getAttribute('data-file')).toBe('tutorials/first-steps/index.md');
    const line = Number(await diag.getAttribute('data-line'));
    expect(line).toBeGreaterThanOrEqual(8);
    expect(line).toBeLessThanOrEqual(10);
    expect(await diag.locator('.frame').innerText()).toContain('categories: [linux');
    expect(await page.locator('main').innerText()).toContain('The original paragraph.');
    // The catalog keeps the broken item's card meanwhile.
    const catalog = await (await fetch(handle.url)).text();
    expect(catalog).toContain('First Steps');

    await writeFile(file('tutorials/first-steps/index.md'), good.replace('The original paragraph.', 'Fixed and back.'));
    await overlay().waitFor({ state: 'detached', timeout: 15_000 });
    await expect.poll(() => page.locator('main').innerText(), { timeout: 15_000 }).toContain('Fixed and back.');
  });

  it('adds a new item to the open catalog', async () => {
    await page.goto(handle.url);
    await page.waitForFunction(() => (window as { __labDev?: unknown }).__labDev !== undefined);
    await writeItem(root, 'challenges/brand-new', { kind: 'challenge', title: 'Brand New Challenge', body: 'Fresh.' });
    await page.locator('main').getByRole('link', { name: 'Brand New Challenge' }).waitFor({ state: 'visible', timeout: 15_000 });
  });

  it('follows a renamed folder: the catalog links the new place, the old page says it is gone', async () => {
    const oldUrl = await openItem('First Steps');
    await rename(file('tutorials/first-steps'), file('tutorials/renamed-steps'));
    await overlay().getByText('deleted').waitFor({ state: 'visible', timeout: 15_000 });
    await page.goto(handle.url);
    const link = page.locator('main').getByRole('link', { name: 'First Steps' });
    await expect.poll(() => link.count(), { timeout: 15_000 }).toBe(1);
    await link.click();
    await page.waitForLoadState('domcontentloaded');
    expect(page.url()).not.toBe(oldUrl);
    expect(page.url()).toContain('renamed-steps');
    expect(await page.locator('main').innerText()).toContain('The original paragraph.');
  });

  it('drops a deleted item from the catalog', async () => {
    await page.goto(handle.url);
    await page.waitForFunction(() => (window as { __labDev?: unknown }).__labDev !== undefined);
    await page.locator('main').getByRole('link', { name: 'Run a Container' }).waitFor({ state: 'visible' });
    await rm(file('challenges/run-a-container/index.md'));
    await page.locator('main').getByRole('link', { name: 'Run a Container' }).waitFor({ state: 'detached', timeout: 15_000 });
  });

  it('applies an editor-style save (write a temp file, rename it over the original)', async () => {
    await openItem('Run a Container');
    const source = await readFile(file('challenges/run-a-container/index.md'), 'utf8');
    await writeFile(file('challenges/run-a-container/.index.md.tmp'), source.replace('Start one container.', 'Saved atomically.'));
    await rename(file('challenges/run-a-container/.index.md.tmp'), file('challenges/run-a-container/index.md'));
    await expect.poll(() => page.locator('main').innerText(), { timeout: 15_000 }).toContain('Saved atomically.');
  });

  it('re-binds the page islands after a patch (tabs still switch, the theme toggle flips once)', async () => {
    const tabbed = ['::tabbed', '---', 'tabs:', '  - name: one', '    title: First tab', '  - name: two', '    title: Second tab', '---', '#one', 'Tab one text.', '', '#two', 'Tab two text.', '::'].join('\n');
    await writeItem(root, 'tutorials/with-tabs', { kind: 'tutorial', title: 'Tabs Tutorial', body: `Intro v1.\n\n${tabbed}` });
    await handle.nextUpdate().catch(() => undefined);
    await openItem('Tabs Tutorial');
    const source = await readFile(file('tutorials/with-tabs/index.md'), 'utf8');
    await writeFile(file('tutorials/with-tabs/index.md'), source.replace('Intro v1.', 'Intro v2.'));
    await expect.poll(() => page.locator('main').innerText(), { timeout: 15_000 }).toContain('Intro v2.');
    expect(await page.evaluate(() => (window as { __labDev?: { patches: number } }).__labDev?.patches)).toBeGreaterThan(0);
    await page.getByRole('tab', { name: 'Second tab' }).click();
    await expect.poll(() => page.getByRole('tab', { name: 'Second tab' }).getAttribute('aria-selected'), { timeout: 5_000 }).toBe('true');
    const before = await page.evaluate(() => document.documentElement.dataset['theme'] ?? '');
    await page.locator('[data-theme-toggle]').click();
    const after = await page.evaluate(() => document.documentElement.dataset['theme'] ?? '');
    expect(after).not.toBe(before);
  });

  it('does not cover a page for errors in another item: a badge lists them instead', async () => {
    await openItem('Run a Container');
    const good = await readFile(file('tutorials/first-steps/index.md'), 'utf8');
    await writeFile(file('tutorials/first-steps/index.md'), good.replace('kind: tutorial', 'kind: [tutorial'));
    const badge = page.locator('lab-dev-badge');
    await badge.waitFor({ state: 'attached', timeout: 15_000 });
    expect(await badge.locator('button').innerText()).toMatch(/\d+ errors? in other files/);
    expect(await overlay().count()).toBe(0);
    await badge.locator('button').click();
    expect(await overlay().locator('.diag').first().getAttribute('data-file')).toBe('tutorials/first-steps/index.md');
    await writeFile(file('tutorials/first-steps/index.md'), good);
    await badge.waitFor({ state: 'detached', timeout: 15_000 });
  });
});

describe('while the first load runs', () => {
  it('answers at once with a loading page that turns into the real page', async () => {
    const { createSitePreviewBackend } = await import('../../src/dev/site-preview-backend.ts');
    const { root: dir, cleanup: done } = await tempContent();
    await writeItem(dir, 'tutorials/slow-one', { kind: 'tutorial', title: 'Slow Loading Tutorial', body: 'Finally here.' });
    const real = await createSitePreviewBackend(dir);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const backend = { ...real, load: async () => (await gate, real.load()) };
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const starting = dev({ dir, port, output: false, backend });
    const tab = await browser.newPage();
    try {
      for (let i = 0; ; i++) {
        const res = await tab.goto(`http://127.0.0.1:${port}/tutorials/slow-one/`).catch(() => null);
        if (res) {
          expect(res.status()).toBe(503);
          break;
        }
        if (i > 100) throw new Error('the server did not answer during the load');
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(await tab.locator('main').innerText()).toContain('Loading the content');
      await tab.waitForFunction(() => (window as { __labDev?: unknown }).__labDev !== undefined);
      release();
      const started = await starting;
      try {
        await expect.poll(() => tab.locator('main').innerText(), { timeout: 20_000 }).toContain('Finally here.');
      } finally {
        await started.close();
      }
    } finally {
      release();
      await tab.close();
      await done();
    }
  });
});
