import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { buildSites, examplesDir, fixtureSite, type ServedSite } from './helpers.ts';
import { corpusPath, hasCorpus } from '../../../test-support/corpus.ts';

/**
 * Accessibility of every page kind, in both themes, with axe-core (the
 * engine behind Lighthouse's audit) injected into real Chromium: no serious
 * or critical violation (contrast, names, roles, landmarks...). Then the
 * keyboard: every control is reachable with Tab and shows a visible focus ring.
 */
const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let browser: Browser;
let examples: ServedSite;
let fixture: ServedSite;
let samples: ServedSite;
let close: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const sources = { examples: examplesDir, fixture: fixtureSite, samples: hasCorpus ? corpusPath('iximiuz-samples') : undefined };
  ({ browser, sites: { examples, fixture, samples }, close } = await buildSites(sources, 'labkit-a11y-'));
}, 300_000);
afterAll(() => close?.());

const PAGES: Array<[string, () => string]> = [
  ['catalog', () => examples.url],
  ['challenge', () => `${examples.url}challenges/stop-a-runaway-process/`],
  ['tutorial', () => `${examples.url}tutorials/linux-file-permissions/`],
  ['course', () => `${examples.url}courses/linux-processes-101/`],
  ['course lesson', () => `${examples.url}courses/linux-processes-101/processes/what-is-a-process/`],
  ['skill path', () => `${examples.url}skill-paths/linux-foundations/`],
  ['tag', () => `${examples.url}tags/processes/`],
  ['search', () => `${fixture.url}search/?q=quokkalicious`],
  ['fixture challenge (tabs, boxes, answer form)', () => `${fixture.url}challenges/xss-and-tasks/`],
  // The samples' page is checked where the corpus is on this machine (CI has it).
  ...(hasCorpus ? [['components (iximiuz sample tutorial)', () => `${samples.url}tutorials/sample-tutorial/`] as [string, () => string]] : []),
];

/** The fixture challenge's URL, by name (the samples' page is listed only where the corpus is). */
const fixtureChallenge = (): string => PAGES.find(([name]) => name.startsWith('fixture challenge'))![1]();

async function open(url: string, dark: boolean, width = 1280): Promise<Page> {
  const context = await browser.newContext({ colorScheme: dark ? 'dark' : 'light', viewport: { width, height: 900 }, reducedMotion: 'reduce' });
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'load' });
  if (url.includes('/search/')) await page.locator('.lk-search-list a').first().waitFor({ timeout: 20_000 });
  // The islands have run (tabs, menu, theme toggle are wired).
  await page.waitForFunction(() => document.documentElement.classList.contains('lk-js'), null, { timeout: 10_000 });
  return page;
}

interface AxeViolation { id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[]; failureSummary?: string }> }

async function axe(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const run = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe.run;
    return (await run(document, { resultTypes: ['violations'] })).violations;
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

const summary = (vs: AxeViolation[]) => vs.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.slice(0, 4).map((n) => `${JSON.stringify(n.target)} ${n.failureSummary?.split('\n')[1] ?? ''}`).join('\n  ')}`);

describe('axe-core: no serious or critical violations', () => {
  for (const [kind, url] of PAGES) {
    for (const dark of [false, true]) {
      it(`${kind}, ${dark ? 'dark' : 'light'} theme`, async () => {
        const page = await open(url(), dark);
        expect(summary(await axe(page))).toEqual([]);
        await page.context().close();
      });
    }
  }

  it('phone layout with the menu and the course drawer open, both themes', async () => {
    for (const dark of [false, true]) {
      const page = await open(PAGES[4]![1](), dark, 390);
      await page.locator('.lk-drawer > summary').click();
      await page.locator('.lk-menu > summary').click();
      expect(summary(await axe(page))).toEqual([]);
      await page.context().close();
    }
  });
});

describe('keyboard', () => {
  it('every control is reachable with Tab and shows a visible focus ring', async () => {
    for (const url of [PAGES[0]![1](), fixtureChallenge(), PAGES[4]![1]()]) {
      const page = await open(url, false);
      const seen = new Set<string>();
      const missingRing: string[] = [];
      for (let i = 0; i < 80; i++) {
        await page.keyboard.press('Tab');
        const info = await page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          if (!el || el === document.body) return null;
          const s = getComputedStyle(el);
          const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || /rgb/.test(s.boxShadow);
          return { key: `${el.tagName}.${el.className}|${el.textContent?.trim().slice(0, 30)}|${el.getAttribute('href') ?? ''}`, ring };
        });
        if (!info) continue;
        if (seen.has(info.key)) continue;
        seen.add(info.key);
        if (!info.ring) missingRing.push(info.key);
      }
      expect(missingRing, url).toEqual([]);
      expect(seen.size, url).toBeGreaterThan(5);
      // Every button and link in the page can be reached (none is tabindex=-1 except inactive tabs by design).
      const unreachable = await page.evaluate(() => [...document.querySelectorAll('a[href], button, summary, input, select')].filter((e) => (e as HTMLElement).tabIndex < 0 && e.getAttribute('role') !== 'tab').map((e) => e.outerHTML.slice(0, 80)));
      expect(unreachable, url).toEqual([]);
      await page.context().close();
    }
  });

  it('tabs switch with the arrow keys; hints and the theme toggle work with Enter and Space', async () => {
    const page = await open(fixtureChallenge(), false);
    const tabs = page.locator('.lk-tabs').first();
    await tabs.getByRole('tab', { name: 'Go' }).click();
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Go');
    await page.keyboard.press('ArrowRight');
    await tabs.locator('[role=tabpanel][data-tab=py]').waitFor({ state: 'visible', timeout: 5_000 });
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Python');
    await page.locator('details.lk-hint > summary').first().focus();
    await page.keyboard.press('Enter');
    await expect(page.locator('details.lk-hint').first().getAttribute('open')).resolves.toBe('');
    await page.locator('[data-theme-toggle]').focus();
    await page.keyboard.press('Space');
    await expect(page.evaluate(() => document.documentElement.dataset.theme)).resolves.toBe('dark');
    await page.context().close();
  });
});
