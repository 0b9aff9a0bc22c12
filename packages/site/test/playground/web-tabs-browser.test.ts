import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPage, shotsDir, startPlayground, usePlaygroundDev } from './harness.ts';

/**
 * Issue 15's learner scenario with a real VM and a real browser: the
 * learner starts a web server by click-to-run, its task turns green, opens
 * the playground's "Web app" tab and reads the page busybox httpd serves
 * inside the VM through lab dev's authenticated proxy, switches back with
 * a :tab link, browses the machine's files in the IDE tab, and answers a
 * quiz; a browser without the session's cookie gets 401.
 */
const fixture = path.resolve(import.meta.dirname, '../fixtures/web-tabs');
const dev = usePlaygroundDev(fixture, { poolSize: 0, disconnectGraceMs: 5_000 });

describe('web tabs (real Chromium, real VM)', () => {
  it('opens a page served by busybox httpd in the VM in a playground tab, and the files in the IDE tab', async () => {
    const { page, errors } = await openPage(dev.browser, new URL('tutorials/web-tabs/', dev.handle.url).href, { width: 1280, height: 900 });
    await startPlayground(page);
    // The declared tabs sit next to the terminal.
    const tabNames = await page.locator('.lk-pg-tabs [role=tab]').allInnerTexts();
    expect(tabNames).toEqual(['busybox', 'Web app', 'IDE']);

    // Start the server by click-to-run, then open the tab from the :http-port link in the text.
    await page.locator('.lk-code[data-exec] [data-run]').first().click();
    await page.waitForFunction(() => document.querySelector('[data-task="verify_page_served"]')?.getAttribute('data-state') === 'completed', null, { timeout: 90_000 });
    await page.locator('.lk-chip-port.lk-chip-live').click();
    await expect(page.locator('.lk-pg-tab-web').first().getAttribute('aria-selected')).resolves.toBe('true');
    const frame = page.frameLocator('.lk-pg-web:not([hidden]) iframe');
    await expect(frame.locator('#vm').innerText({ timeout: 30_000 })).resolves.toBe('Hello from the VM');
    const src = await page.evaluate(() => [...document.querySelectorAll('iframe')].map((f) => f.contentWindow?.location.href ?? ''));
    expect(src.some((u) => /\/__lab\/runtime\/web\/[\w-]+\/busybox\/8080\/$/.test(u))).toBe(true);
    const token = await page.evaluate(() => Object.entries(sessionStorage).find(([k]) => k.startsWith('labkit:session:'))?.[1]);
    expect(token).toBeTruthy();
    expect(src.join(' ')).not.toContain(token!); // the token never goes into a URL
    await page.screenshot({ path: path.join(shotsDir, 'web-tab.png') });

    // The :tab link in the text switches back to the machine's terminal.
    await page.locator('.lk-chip-tab.lk-chip-live').click();
    await expect(page.locator('.lk-pg-tab[data-machine=busybox]').getAttribute('aria-selected')).resolves.toBe('true');
    await expect(page.locator('.lk-pg-term[data-machine=busybox]').isVisible()).resolves.toBe(true);

    // Another browser (no session cookie) cannot open the same address.
    const url = src.find((u) => u.includes('/8080/'))!;
    const stranger = await dev.browser.newPage();
    const res = await stranger.goto(url);
    expect(res?.status()).toBe(401);
    await expect(stranger.locator('body').innerText()).resolves.not.toContain('Hello from the VM');
    // Nor an undeclared port with the learner's own cookie.
    const other = await page.evaluate(async (u) => (await fetch(u.replace('/8080/', '/22/'))).status, url);
    expect(other).toBe(403);
    await stranger.close();

    // The IDE tab: the machine's files, served by httpd in the guest.
    await page.locator('.lk-pg-tab-web', { hasText: 'IDE' }).click();
    const ide = page.frameLocator('.lk-pg-web:not([hidden]) iframe');
    await ide.locator('a', { hasText: /^tmp\/$/ }).waitFor({ timeout: 60_000 });
    await expect(ide.locator('h1').innerText()).resolves.toBe('/');
    await page.screenshot({ path: path.join(shotsDir, 'ide-tab.png') });
    await ide.locator('a', { hasText: /^tmp\/$/ }).click();
    await ide.locator('a', { hasText: /^www\/$/ }).click({ timeout: 30_000 });
    await expect(ide.locator('#vm').innerText({ timeout: 30_000 })).resolves.toBe('Hello from the VM');
    // The quiz next to it: answered in the page, counted with the task.
    const quiz = page.locator('form[data-quiz=where-it-runs]');
    await quiz.getByLabel('busybox httpd inside the playground').check();
    await quiz.getByRole('button', { name: 'Check' }).click();
    await expect(quiz.getAttribute('data-state')).resolves.toBe('right');
    await expect(page.locator('.lk-task-summary .lk-progress-label').innerText()).resolves.toBe('Completed');
    expect(errors).toEqual([]);
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await page.close();
  }, 420_000);
});
