import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { buildSites, screenshotDir, type ServedSite } from './helpers.ts';

/**
 * GitHub-flavoured Markdown in a built page, in real Chromium: the SDK's one
 * pipeline (remark-gfm) must reach the learner site as real elements, not as
 * raw pipes and tildes. Run under the heavy lock.
 */
const fixture = path.join(import.meta.dirname, 'fixtures/gfm-site');
let browser: Browser;
let site: ServedSite;
let close: (() => Promise<void>) | undefined;
let page: Page;

beforeAll(async () => {
  ({ browser, sites: { site }, close } = await buildSites({ site: fixture }, 'labkit-gfm-'));
  page = await (await browser.newContext()).newPage();
  await page.goto(`${site.url}tutorials/gfm-tour/`, { waitUntil: 'load' });
}, 240_000);
afterAll(() => close?.());

describe('GFM in a built page', () => {
  it('renders a real table with aligned cells', async () => {
    const table = page.locator('.lk-prose table');
    await expect(table.count()).resolves.toBe(1);
    await expect(table.locator('th').allTextContents()).resolves.toEqual(['Command', 'Exit code']);
    await expect(table.locator('tbody tr').count()).resolves.toBe(2);
    await expect(table.locator('tbody td[align=right]').first().evaluate((td) => getComputedStyle(td).textAlign)).resolves.toBe('right');
    await page.screenshot({ path: path.join(screenshotDir, 'gfm-tour.png'), fullPage: true });
  });

  it('renders strikethrough as <del>', async () => {
    await expect(page.locator('.lk-prose del').innerText()).resolves.toBe('docker run');
    await expect(page.locator('.lk-prose').innerText()).resolves.not.toContain('~~');
  });

  it('renders a task list with read-only checkboxes', async () => {
    const boxes = page.locator('.lk-prose li.task-list-item input[type=checkbox]');
    await expect(boxes.count()).resolves.toBe(2);
    await expect(boxes.nth(0).isChecked()).resolves.toBe(true);
    await expect(boxes.nth(1).isChecked()).resolves.toBe(false);
    await expect(boxes.nth(1).isDisabled()).resolves.toBe(true);
  });

  it('links a bare URL', async () => {
    await expect(page.locator('.lk-prose a[href="https://example.com/docs"]').innerText()).resolves.toBe('https://example.com/docs');
  });

  it('links a footnote reference to its note and back', async () => {
    const ref = page.locator('.lk-prose sup a[data-footnote-ref]');
    await expect(ref.innerText()).resolves.toBe('1');
    const target = (await ref.getAttribute('href'))!;
    await expect(page.locator(`[id="${target.slice(1)}"]`).innerText()).resolves.toContain('Linux processes, isolated.');
    await ref.click();
    expect(new URL(page.url()).hash).toBe(target);
    const back = page.locator('.lk-prose section.footnotes a[data-footnote-backref]');
    await expect(page.locator(`[id="${(await back.getAttribute('href'))!.slice(1)}"]`).count()).resolves.toBe(1);
    // The footnotes' heading is for screen readers only and stays out of the table of contents.
    await expect(page.locator('.lk-prose section.footnotes h2').evaluate((h) => h.getBoundingClientRect().width)).resolves.toBeLessThanOrEqual(1);
    await expect(page.locator('.lk-toc a').allTextContents()).resolves.toEqual(['Tables', 'Strikethrough', 'Task list', 'Autolinks', 'Footnotes', 'Files']);
    await expect(page.locator('.lk-toc a[href="#user-content-footnote-label"]').count()).resolves.toBe(0);
  });

  it('points a plain Markdown link to a __static__ file at the published copy', async () => {
    const link = page.locator('.lk-prose a', { hasText: 'the setup script' });
    const href = (await link.getAttribute('href'))!;
    expect(href).not.toContain('__static__');
    const res = await page.request.get(new URL(href, page.url()).href);
    expect(res.status()).toBe(200);
    await expect(res.text()).resolves.toContain('hello from static');
    await expect(page.locator('.lk-prose a', { hasText: 'the tables' }).getAttribute('href')).resolves.toBe('#tables');
    await expect(page.locator('#tables').count()).resolves.toBe(1);
  });

  it('points a relative link to another Markdown file at its page, anchor kept', async () => {
    const other = await (await browser.newContext()).newPage();
    await other.goto(`${site.url}tutorials/links-tour/`, { waitUntil: 'load' });
    const tables = other.locator('.lk-prose a', { hasText: 'the tables of the tour' });
    await expect(tables.getAttribute('href')).resolves.toBe('/tutorials/gfm-tour/#tables');
    await expect(other.locator('.lk-prose a', { hasText: 'the whole tour' }).getAttribute('href')).resolves.toBe('/tutorials/gfm-tour/');
    await tables.click();
    await other.waitForURL(/\/tutorials\/gfm-tour\/#tables$/);
    await expect(other.locator('#tables').innerText()).resolves.toBe('Tables');
    await other.context().close();
  });
});
