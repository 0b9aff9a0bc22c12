import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { examplesDir, openPage, shotsDir, startPlayground, usePlaygroundDev } from './harness.ts';

/**
 * The working layout with a real VM: the playground docks beside the text
 * (below it on a phone), resizes by keyboard and remembers its width, goes
 * full screen, lists the tasks in its header, and a click-to-run block
 * types into the terminal until a task turns green.
 */
const dev = usePlaygroundDev(examplesDir, { disconnectGraceMs: 5_000 });

describe('the playground working layout (real Chromium, real VM)', () => {
  it('docks beside the text, resizes, goes full screen, and click-to-run turns a task green', async () => {
    const { page, errors } = await openPage(dev.browser, new URL('tutorials/linux-file-permissions/', dev.handle.url).href, { width: 1280, height: 900 });
    const run = page.locator('.lk-code[data-exec] [data-run]');
    await expect(run.first().isVisible()).resolves.toBe(false); // no playground yet: plain code blocks
    await startPlayground(page);

    // Docked on the right; the text keeps a readable column on the left.
    const panel = await page.locator('.lk-playground').boundingBox();
    const prose = await page.locator('main .lk-prose').boundingBox();
    expect(panel!.x + panel!.width).toBeGreaterThan(1270);
    expect(prose!.x + prose!.width).toBeLessThanOrEqual(panel!.x + 1);
    expect(prose!.width).toBeGreaterThan(400);
    // The task list is in the playground's header, with the authors' titles.
    const chips = page.locator('.lk-pg-tasklist button');
    await expect(chips.count()).resolves.toBeGreaterThan(1);
    expect(await chips.allInnerTexts()).not.toContain('verify_script_executable');

    // Resize by keyboard; the width is remembered.
    const before = panel!.width;
    await page.locator('.lk-pg-splitter').focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowLeft');
    const after = (await page.locator('.lk-playground').boundingBox())!.width;
    expect(after).toBeGreaterThan(before + 100);
    expect(Number(await page.evaluate(() => localStorage.getItem('labkit:pg-width')))).toBe(Math.round(after));

    // Click-to-run: the chmod block goes to the terminal and its task turns green.
    await expect(run.first().isVisible()).resolves.toBe(true);
    await page.locator('.lk-pg-term:not([hidden]) .xterm-helper-textarea').focus();
    await page.keyboard.type('cd /home/laborant/project 2>/dev/null || cd ~/project', { delay: 5 });
    await page.keyboard.press('Enter');
    const chmod = page.locator('.lk-tabpanel:not([data-state=inactive]) .lk-code[data-exec]').filter({ hasText: 'chmod' }).first();
    await chmod.scrollIntoViewIfNeeded();
    await chmod.locator('[data-run]').click();
    await page.waitForFunction(() => /chmod/.test(document.querySelector('.lk-pg-term:not([hidden]) .xterm-rows')?.textContent ?? ''), null, { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('[data-task="verify_script_executable"]')?.getAttribute('data-state') === 'completed', null, { timeout: 90_000 });
    await expect(page.locator('.lk-pg-tasklist button[data-state=completed]').count()).resolves.toBeGreaterThan(0);
    await page.screenshot({ path: path.join(shotsDir, 'workbench-desktop.png') });

    // Full screen on demand, and back.
    await page.locator('[data-pg-full]').click();
    const full = (await page.locator('.lk-playground').boundingBox())!;
    expect(full.width).toBeGreaterThan(1270);
    await page.locator('[data-pg-full]').click();
    expect((await page.locator('.lk-playground').boundingBox())!.width).toBeLessThan(1000);

    // A narrow window stacks the playground under the text.
    await page.setViewportSize({ width: 390, height: 844 });
    const stacked = (await page.locator('.lk-playground').boundingBox())!;
    expect(stacked.width).toBeGreaterThanOrEqual(389);
    expect(stacked.y).toBeGreaterThan(300);
    await page.screenshot({ path: path.join(shotsDir, 'workbench-phone.png') });
    expect(errors).toEqual([]);
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await page.close();
  }, 420_000);
});
