import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { buildSites, examplesDir, fixtureSite, repoRoot, screenshotDir, type ServedSite } from './helpers.ts';

/**
 * Every page kind at a phone (390 px) and a desktop (1280 px) width, in
 * real Chromium: no horizontal overflow, a readable text column, a menu
 * that works by mouse and by keyboard, and the course drawer.
 * The examples folder has one item of each kind; the fixture course has a
 * single-unit lesson.
 */
let browser: Browser;
let examples: ServedSite;
let fixture: ServedSite;
let close: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ browser, sites: { examples, fixture }, close } = await buildSites({ examples: examplesDir, fixture: fixtureSite }, 'labkit-layout-'));
}, 240_000);
afterAll(() => close?.());

export const PAGE_KINDS: Record<string, string> = {
  catalog: '',
  challenge: 'challenges/stop-a-runaway-process/',
  tutorial: 'tutorials/linux-file-permissions/',
  'course lesson': 'courses/linux-processes-101/processes/what-is-a-process/',
  'skill path': 'skill-paths/linux-foundations/',
};

async function open(url: string, width: number, opts: { js?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: width < 600 ? 844 : 900 }, javaScriptEnabled: opts.js ?? true });
  const page = await context.newPage();
  const res = await page.goto(url, { waitUntil: 'load' });
  expect(res?.status(), url).toBe(200);
  return page;
}

const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
const textWidth = (page: Page) => page.evaluate(() => {
  const el = document.querySelector('main .lk-prose') ?? document.querySelector('main .lk-hero');
  return el ? el.getBoundingClientRect().width : 0;
});

describe('layouts at 390 and 1280 px', () => {
  for (const [kind, route] of Object.entries(PAGE_KINDS)) {
    for (const width of [390, 1280]) {
      it(`${kind} at ${width} px: no horizontal overflow, a wide enough text column`, async () => {
        const page = await open(examples.url + route, width);
        expect(await overflow(page), 'horizontal overflow (px)').toBeLessThanOrEqual(0);
        const w = await textWidth(page);
        expect(w).toBeGreaterThanOrEqual(width === 390 ? 300 : 600);
        if (width === 390) await page.screenshot({ path: path.join(screenshotDir, `phone-${kind.replace(' ', '-')}.png`) });
        await page.context().close();
      });
    }
  }

  it('320 px, the narrowest phone: still no overflow on any page kind', async () => {
    for (const route of Object.values(PAGE_KINDS)) {
      const page = await open(examples.url + route, 320);
      expect(await overflow(page), route).toBeLessThanOrEqual(0);
      await page.context().close();
    }
  });

  it('the phone menu replaces the top nav: opens by click and by keyboard, closes with Escape, works without JS', async () => {
    const page = await open(examples.url + PAGE_KINDS['challenge'], 390);
    await expect(page.locator('.lk-topnav').isVisible()).resolves.toBe(false);
    const courses = page.locator('.lk-menu-panel').getByRole('link', { name: 'Courses' });
    await expect(courses.isVisible()).resolves.toBe(false);
    await page.locator('.lk-menu > summary').click();
    await expect(courses.isVisible()).resolves.toBe(true);
    await page.keyboard.press('Escape');
    await expect(courses.isVisible()).resolves.toBe(false);
    // Keyboard only: Tab from the top reaches the menu, Enter opens it, Tab walks its links.
    await page.locator('.lk-menu > summary').focus();
    await page.keyboard.press('Enter');
    await expect(courses.isVisible()).resolves.toBe(true);
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Tutorials');
    await page.screenshot({ path: path.join(screenshotDir, 'phone-menu-open.png') });
    await courses.click();
    await page.waitForURL(/kind=course/);
    await expect(page.locator('.lk-item-card:visible').count()).resolves.toBe(1);
    await page.context().close();

    const nojs = await open(examples.url, 390, { js: false });
    await nojs.locator('.lk-menu > summary').click();
    await expect(nojs.locator('.lk-menu-panel').getByRole('link', { name: 'Tutorials' }).isVisible()).resolves.toBe(true);
    await nojs.context().close();

    const desktop = await open(examples.url, 1280);
    await expect(desktop.locator('.lk-topnav').isVisible()).resolves.toBe(true);
    await expect(desktop.locator('.lk-menu').isVisible()).resolves.toBe(false);
    await desktop.context().close();
  });

  it('course navigation: a sidebar at 1280 px, a closed drawer at 390 px that opens and navigates', async () => {
    const route = PAGE_KINDS['course lesson']!;
    const desktop = await open(examples.url + route, 1280);
    const sideLinks = desktop.locator('.lk-sidebar a[data-lesson]');
    await expect(sideLinks.first().isVisible()).resolves.toBe(true);
    const box = await desktop.locator('.lk-sidebar').boundingBox();
    const prose = await desktop.locator('main .lk-prose').boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(prose!.x); // beside the text, not above it
    await desktop.context().close();

    const phone = await open(examples.url + route, 390);
    const links = phone.locator('.lk-sidebar a[data-lesson]');
    await expect(links.first().isVisible()).resolves.toBe(false);
    await expect(phone.locator('.lk-drawer > summary').innerText()).resolves.toContain('What Is a Process');
    await phone.locator('.lk-drawer > summary').click();
    await expect(links.first().isVisible()).resolves.toBe(true);
    await phone.screenshot({ path: path.join(screenshotDir, 'phone-course-drawer.png') });
    await links.nth(1).click();
    await expect(phone.locator('h1').innerText()).resolves.not.toBe('What Is a Process');
    await phone.context().close();

    // Without JS the drawer stays open: the navigation is never lost.
    const nojs = await open(examples.url + route, 390, { js: false });
    await expect(nojs.locator('.lk-sidebar a[data-lesson]').first().isVisible()).resolves.toBe(true);
    await nojs.context().close();
  });

  it('screenshots of every page kind (desktop, phone, dark) for docs/site.md, each small', async () => {
    // LABKIT_DOC_SHOTS=1 writes them into docs/img/ (review, then commit); otherwise into test-output/.
    const dir = process.env['LABKIT_DOC_SHOTS'] ? path.join(repoRoot, 'docs/img') : path.join(screenshotDir, 'docs');
    await mkdir(dir, { recursive: true });
    for (const [kind, route] of Object.entries(PAGE_KINDS)) {
      for (const [variant, opts] of [
        ['desktop', { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 0.5, colorScheme: 'light' }],
        ['phone', { viewport: { width: 390, height: 760 }, deviceScaleFactor: 0.75, colorScheme: 'light' }],
        ['dark', { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 0.5, colorScheme: 'dark' }],
      ] as const) {
        const context = await browser.newContext(opts);
        const page = await context.newPage();
        await page.goto(examples.url + route, { waitUntil: 'load' });
        const file = path.join(dir, `site-${kind.replace(' ', '-')}-${variant}.png`);
        await page.screenshot({ path: file });
        expect((await stat(file)).size, file).toBeLessThan(150 * 1024);
        await context.close();
      }
    }
  }, 180_000); // 15 page loads and screenshots: 30 s was too short on a loaded 2-core CI machine

  it('a lesson whose single unit has its title is one entry and one address; the old address redirects', async () => {
    const page = await open(`${fixture.url}courses/tiny-course/advanced/wrap-up/`, 1280);
    await expect(page.locator('.lk-sidebar').getByText(/wrap up/i).count()).resolves.toBe(1);
    await expect(page.locator('main .lk-prose').innerText()).resolves.toContain('The whole lesson lives in its single unit');
    await expect(page.locator('.lk-sidebar [aria-current=page]').innerText()).resolves.toContain('Wrap Up');
    const html = await readFile(path.join(fixture.dir, 'courses/tiny-course/advanced/wrap-up/wrap-up/index.html'), 'utf8');
    expect(html).toContain('http-equiv="refresh"');
    await page.goto(`${fixture.url}courses/tiny-course/advanced/wrap-up/wrap-up/`);
    await page.waitForURL(/\/advanced\/wrap-up\/$/);
    await expect(page.locator('h1').innerText()).resolves.toBe('Wrap Up');
    await page.context().close();
  });
});
