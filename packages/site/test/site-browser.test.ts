import { readFile, readdir } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { buildSites, fixtureSite, screenshotDir, type ServedSite } from './helpers.ts';
import { corpusPath, hasCorpus, itCorpus } from '../../../test-support/corpus.ts';

/**
 * The built site in real Chromium: the fixture site (tasks, hints, tabs,
 * a course, search, XSS payloads) and the iximiuz samples. Screenshots go
 * to test-output/site/.
 */
let browser: Browser;
let fixture: ServedSite;
let samples: ServedSite;
let close: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ browser, sites: { fixture, samples }, close } = await buildSites({ fixture: fixtureSite, samples: hasCorpus ? corpusPath('iximiuz-samples') : undefined }, 'labkit-site-'));
}, 240_000);
afterAll(() => close?.());

async function open(url: string, opts: { js?: boolean; dark?: boolean; width?: number } = {}): Promise<Page> {
  const context = await browser.newContext({ javaScriptEnabled: opts.js ?? true, colorScheme: opts.dark ? 'dark' : 'light', viewport: { width: opts.width ?? 1360, height: 900 } });
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'load' });
  return page;
}

const shot = (page: Page, name: string, fullPage = false) => page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage });

describe('built site in Chromium', () => {
  it('catalog lists every item and filters by kind, difficulty and tag', async () => {
    const page = await open(fixture.url);
    await expect(page.locator('.lk-item-card').count()).resolves.toBe(3);
    await shot(page, 'catalog');
    await page.selectOption('select[name=kind]', 'challenge');
    await expect(page.locator('.lk-item-card:visible').count()).resolves.toBe(1);
    expect(page.url()).toContain('kind=challenge');
    await page.selectOption('select[name=kind]', '');
    await page.selectOption('select[name=tag]', 'search');
    await expect(page.locator('.lk-item-card:visible .lk-item-title').allTextContents()).resolves.toEqual(['Searching Through Tutorials With Pagefind']);
    // The catalog is usable from a shared link too.
    const linked = await open(`${fixture.url}?difficulty=medium`);
    await expect(linked.locator('.lk-item-card:visible').count()).resolves.toBe(1);
    await linked.context().close();
    await page.context().close();
  });

  it('challenge: tasks are visible, a hint expands, tabs switch, progress is kept', async () => {
    const page = await open(`${fixture.url}challenges/xss-and-tasks/`);
    const tasks = page.locator('.lk-task');
    await expect(tasks.count()).resolves.toBe(2);
    await expect(tasks.first().locator('.lk-task-active').isVisible()).resolves.toBe(true);
    await expect(tasks.first().locator('.lk-task-completed').isVisible()).resolves.toBe(false);

    const hint = page.locator('details.lk-hint').first();
    await expect(hint.locator('.lk-collapsible-body').isVisible()).resolves.toBe(false);
    await hint.locator('summary').click();
    await expect(hint.locator('.lk-collapsible-body').isVisible()).resolves.toBe(true);
    await expect(hint.innerText()).resolves.toContain('zebracorn');

    const tabs = page.locator('.lk-tabs').first();
    await expect(tabs.locator('[role=tabpanel][data-tab=go]').isVisible()).resolves.toBe(true);
    await expect(tabs.locator('[role=tabpanel][data-tab=py]').isVisible()).resolves.toBe(false);
    await tabs.getByRole('tab', { name: 'Python' }).click();
    await expect(tabs.locator('[role=tabpanel][data-tab=py]').isVisible()).resolves.toBe(true);
    await expect(tabs.locator('[role=tabpanel][data-tab=go]').isVisible()).resolves.toBe(false);

    // Highlighted line and file name of the fence inside the Go tab.
    await tabs.getByRole('tab', { name: 'Go' }).click();
    await expect(tabs.locator('.lk-code-file').first().innerText()).resolves.toBe('main.go');
    await expect(tabs.locator('.line.hl').count()).resolves.toBe(1);

    // Tasks have checks: no way to tick them by hand, and no internal names on show.
    await expect(page.getByRole('button', { name: /mark as (not )?done/i }).count()).resolves.toBe(0);
    expect(await page.locator('main').innerText()).not.toMatch(/verify_file|verify_answer/);
    const input = tasks.nth(1).locator('input');
    await input.fill('not a number');
    await tasks.nth(1).getByRole('button', { name: 'Submit' }).click();
    await expect(tasks.nth(1).getAttribute('data-state')).resolves.toBe('active');
    await input.fill('42');
    await tasks.nth(1).getByRole('button', { name: 'Submit' }).click();
    // A well-formed answer is kept for the check, but does not complete the task.
    await expect(tasks.nth(1).getAttribute('data-state')).resolves.toBe('active');
    await expect(tasks.nth(1).locator('.lk-task-state').innerText()).resolves.toMatch(/checked when the playground runs/);
    // The playground reports passed checks through the same progress keys.
    await page.evaluate(() => { localStorage.setItem('labkit:done:challenges/xss-and-tasks/verify_file', '1'); localStorage.setItem('labkit:done:challenges/xss-and-tasks/verify_answer', '1'); });
    await page.reload();
    await expect(tasks.first().getAttribute('data-state')).resolves.toBe('completed');
    await expect(tasks.first().locator('.lk-task-completed').isVisible()).resolves.toBe(true);
    await expect(tasks.nth(1).locator('input').inputValue()).resolves.toBe('42');
    await expect(page.locator('.lk-task-summary .lk-progress-label').innerText()).resolves.toBe('Completed');
    await hint.locator('summary').click();
    await shot(page, 'challenge', true);

    // Progress survives navigation and shows on the catalog card.
    await page.goto(fixture.url);
    const card = page.locator('.lk-item-card[data-kind=challenge]');
    await expect(card.locator('.lk-progress-label').innerText()).resolves.toBe('Completed');
    await page.context().close();
  });

  it('course: sidebar, lesson order and previous/next navigation', async () => {
    const page = await open(`${fixture.url}courses/tiny-course/`);
    await expect(page.locator('.lk-sidebar a[data-lesson]').allInnerTexts()).resolves.toEqual(['First Steps', 'Second Steps', 'Deep Dive', 'Wrap Up']);
    await shot(page, 'course');
    await page.getByRole('link', { name: 'Start the course →' }).click();
    await expect(page.locator('h1').innerText()).resolves.toBe('First Steps');
    await expect(page.locator('.lk-sidebar [aria-current=page]').innerText()).resolves.toContain('First Steps');
    const titles: string[] = [];
    for (let i = 0; i < 4; i++) {
      await page.locator('a[rel=next]').click();
      titles.push(await page.locator('h1').innerText());
    }
    expect(titles).toEqual(['First Steps, Part Two', 'Second Steps', 'Deep Dive', 'Wrap Up']);
    await expect(page.locator('a[rel=next]').count()).resolves.toBe(0);
    await page.locator('[data-mark-done]').click();
    await shot(page, 'lesson');
    await page.locator('a[rel=prev]').click();
    await expect(page.locator('h1').innerText()).resolves.toBe('Deep Dive');
    await expect(page.locator('.lk-sidebar a.lk-done').allInnerTexts()).resolves.toEqual(['Wrap Up']);
    await page.context().close();
  });

  it('quiz: readable without JS, checked in the browser, counted in progress', async () => {
    const nojs = await open(`${fixture.url}tutorials/searchable-tutorial/`, { js: false });
    const q0 = nojs.locator('form[data-quiz=pagefind-runs]');
    await expect(q0.locator('.lk-quiz-question').innerText()).resolves.toContain('When does Pagefind build its index?');
    await expect(q0.locator('.lk-quiz-option').allInnerTexts()).resolves.toEqual(['On every search, in the browser', 'Once, when the site is built', 'Never: it searches the HTML live']);
    await expect(q0.getByRole('button', { name: 'Check' }).isVisible()).resolves.toBe(false); // nothing to press without JS
    await q0.locator('summary').click();
    await expect(q0.locator('.lk-quiz-answer').innerText()).resolves.toContain('Once, when the site is built');
    await nojs.context().close();

    const page = await open(`${fixture.url}tutorials/searchable-tutorial/`);
    const quiz = page.locator('form[data-quiz=pagefind-runs]');
    await expect(page.locator('.lk-task-summary .lk-progress-label').innerText()).resolves.toBe('0 / 1 tasks');
    await quiz.getByRole('button', { name: 'Check' }).click();
    await expect(quiz.locator('.lk-quiz-result').innerText()).resolves.toBe('Choose an answer first.');
    await quiz.getByLabel('On every search, in the browser').check();
    await quiz.getByRole('button', { name: 'Check' }).click();
    await expect(quiz.getAttribute('data-state')).resolves.toBe('wrong');
    await expect(quiz.locator('.lk-quiz-answer').getAttribute('open')).resolves.toBeNull();
    await quiz.getByLabel('Once, when the site is built').check();
    await quiz.getByRole('button', { name: 'Check' }).click();
    await expect(quiz.getAttribute('data-state')).resolves.toBe('right');
    await expect(quiz.locator('.lk-quiz-answer').innerText()).resolves.toContain('the browser only loads the index');
    await expect(page.locator('.lk-task-summary .lk-progress-label').innerText()).resolves.toBe('Completed');
    await quiz.scrollIntoViewIfNeeded();
    await shot(page, 'quiz');
    await page.reload();
    await expect(quiz.getAttribute('data-state')).resolves.toBe('right');
    // The catalog card counts the quiz too (it used to count the front matter's tasks only, so a quiz-only tutorial showed no progress).
    await page.goto(fixture.url);
    const card = page.locator('.lk-item-card', { hasText: 'Searching Through Tutorials With Pagefind' });
    await expect(card.getAttribute('data-progress-tasks')).resolves.toContain('tutorials/searchable-tutorial/quiz:pagefind-runs');
    await expect(card.locator('[data-progress] .lk-progress-label').innerText()).resolves.toBe('Completed');
    await expect(card.evaluate((c) => c.classList.contains('lk-completed'))).resolves.toBe(true);
    await page.context().close();
  });

  it('search finds a page by a word in its body', async () => {
    const page = await open(`${fixture.url}search/?q=quokkalicious`);
    const first = page.locator('.lk-search-list a').first();
    await first.waitFor({ timeout: 20_000 });
    await expect(first.getAttribute('href')).resolves.toContain('/tutorials/searchable-tutorial/');
    await expect(page.locator('.lk-search-list mark').first().innerText()).resolves.toMatch(/quokkalicious/i);
    await shot(page, 'search');
    await page.context().close();
  });

  it('search shows a code block as it is written, and no button label matches', async () => {
    const page = await open(`${fixture.url}search/?q=apiVersion`);
    const item = page.locator('.lk-search-list li').first();
    await item.waitFor({ timeout: 20_000 });
    await expect(item.locator('a').first().getAttribute('href')).resolves.toContain('/tutorials/searchable-tutorial/');
    // The highlighter's spans used to reach the index as spaces: "apiVersion : v1".
    await expect(item.innerText()).resolves.toMatch(/apiVersion: v1\b/);
    // Every page with a code block used to match the Copy button's label.
    const copy = await open(`${fixture.url}search/?q=copy`);
    const count = copy.locator('#lk-search-results > .lk-muted');
    await count.waitFor({ timeout: 20_000 });
    await expect(count.innerText()).resolves.toBe('0 results');
    await page.context().close();
    await copy.context().close();
  });

  it('XSS payloads from the fixture do not run', async () => {
    const page = await open(`${fixture.url}challenges/xss-and-tasks/`);
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    await page.locator('.lk-remark-info').hover();
    await page.locator('mark.lk-highlight').click();
    await page.locator('figure.lk-image img').hover();
    const hrefs = await page.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
    expect(hrefs.filter((h) => /^\s*javascript:/i.test(h))).toEqual([]);
    await page.getByText('a bad link').click();
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => (window as unknown as { __xss?: string }).__xss)).toBeUndefined();
    expect(dialogs).toBe(0);
    const html = await readFile(path.join(fixture.dir, 'challenges/xss-and-tasks/index.html'), 'utf8');
    expect(html).not.toMatch(/onerror|onmouseover|onclick|<script>window/);
    await page.context().close();
  });

  it('is readable without JavaScript: tasks, hints and every tab panel are in the page', async () => {
    const page = await open(`${fixture.url}challenges/xss-and-tasks/`, { js: false });
    await expect(page.locator('.lk-task .lk-task-active').first().isVisible()).resolves.toBe(true);
    await expect(page.locator('[role=tabpanel][data-tab=py]').isVisible()).resolves.toBe(true);
    await expect(page.locator('[role=tabpanel][data-tab=go]').isVisible()).resolves.toBe(true);
    await page.locator('details.lk-hint summary').first().click();
    await expect(page.locator('details.lk-hint .lk-collapsible-body').first().isVisible()).resolves.toBe(true);
    await page.context().close();
  });

  it('dark mode follows the system and the toggle', async () => {
    const page = await open(`${fixture.url}challenges/xss-and-tasks/`, { dark: true });
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(await bg()).toBe('rgb(13, 17, 23)');
    await shot(page, 'challenge-dark');
    await page.locator('[data-theme-toggle]').click();
    expect(await bg()).not.toBe('rgb(13, 17, 23)');
    await page.context().close();
  });

  it('ships at most 50 KB of JS (gzip) per page', async () => {
    for (const route of ['', 'challenges/xss-and-tasks/', 'tutorials/searchable-tutorial/', 'courses/tiny-course/', 'search/?q=quokkalicious']) {
      const page = await open(fixture.url + route);
      await page.waitForLoadState('networkidle');
      // Every script the page fetched (islands, Pagefind and its worker), once each.
      const scripts = await page.evaluate(() => [...new Set(performance.getEntriesByType('resource').filter((e) => /\.js(\?|$)/.test(e.name)).map((e) => e.name))]);
      let total = 0;
      for (const u of scripts) {
        const rel = decodeURIComponent(new URL(u).pathname).slice(1);
        total += gzipSync(await readFile(path.join(fixture.dir, rel))).length;
      }
      const inline = await page.evaluate(() => [...document.querySelectorAll('script:not([src])')].map((s) => s.textContent ?? '').join(''));
      total += gzipSync(inline).length;
      expect(total, route).toBeLessThanOrEqual(50 * 1024);
      await page.context().close();
    }
    // A page with a playground also loads the playground island (xterm.js
    // comes only after "Start", and is not counted): still within budget.
    const gz = async (rel: string) => gzipSync(await readFile(path.join(import.meta.dirname, '../src', rel))).length;
    const withPlayground = (await gz('client/islands.js')) + (await gz('playground/client/playground.js')) + 600;
    console.log(`JS per page (gzip): islands ${await gz('client/islands.js')} B, playground island ${await gz('playground/client/playground.js')} B`);
    expect(withPlayground).toBeLessThanOrEqual(50 * 1024);
  });

  itCorpus('iximiuz samples: every component renders, no raw MDC is left, images are sized', async () => {
    const pages = ['tutorials/sample-tutorial/', 'challenges/sample-challenge/', 'skill-paths/sample-skill-path/'];
    for (const route of pages) {
      const page = await open(samples.url + route);
      const raw = await page.evaluate(() => {
        const out: string[] = [];
        const walker = document.createTreeWalker(document.querySelector('main')!, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          if (n.parentElement?.closest('pre, code')) continue;
          if (/(^|\s)::?[a-z][\w-]*/m.test(n.textContent ?? '') && /(^|\n)\s*::/.test(n.textContent ?? '')) out.push(n.textContent!.slice(0, 80));
        }
        return out;
      });
      expect(raw, route).toEqual([]);
      // Task titles come from the author's text, never the task's internal name.
      const taskTitles = await page.locator('.lk-task-title').allInnerTexts();
      expect(taskTitles.filter((t) => /^(verify|init)_|_/.test(t)), route).toEqual([]);
      expect(await page.locator('.lk-task .lk-task-head').allInnerTexts().then((xs) => xs.join('\n')), route).not.toMatch(/\bverify_\w+/);
      const unsized = await page.locator('main img:not([width])').count();
      expect(unsized, route).toBe(0);
      await shot(page, `sample-${route.split('/')[0]}`, route.startsWith('skill'));
      await page.context().close();
    }
    const page = await open(samples.url + 'tutorials/sample-tutorial/');
    const counts = await page.evaluate(() =>
      Object.fromEntries(['.lk-task', '.lk-hint', '.lk-details', '.lk-remark-info', '.lk-remark-warning', '.lk-remark-error', '.lk-image', '.lk-slides', '.lk-tabs', '.lk-card', '.lk-grid', '.lk-code-named .line.hl', '.lk-chip'].map((s) => [s, document.querySelectorAll(s).length])),
    );
    for (const [sel, n] of Object.entries(counts)) expect(n, sel).toBeGreaterThan(0);
    const names = await readdir(path.join(samples.dir, '_assets'));
    expect(names.every((n) => /\.[0-9a-f]{10}\.\w+$/.test(n))).toBe(true);
    await page.locator('.lk-tabs').first().scrollIntoViewIfNeeded();
    await shot(page, 'sample-tutorial-components');
    await page.context().close();
  });
});
