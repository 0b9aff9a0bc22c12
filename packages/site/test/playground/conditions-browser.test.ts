import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPage, repoRoot, startPlayground, typeInTerminal, usePlaygroundDev } from './harness.ts';

// Init condition values chosen in the page before Start (lab dev, real
// Chromium, a real busybox VM): the chosen variant's init task and check run,
// the other variant's do not.
const dev = usePlaygroundDev(path.join(repoRoot, 'packages/runtime/test/server/fixtures/conditions'));

describe('init conditions in the learner page (real Chromium, real VM)', () => {
  it('offers the declared values with the defaults prefilled and starts the chosen variant', async () => {
    const { page, errors } = await openPage(dev.browser, new URL('challenges/pick-a-flavour/', dev.handle.url).href, { width: 1280, height: 1000 });
    const flavour = page.getByLabel('FLAVOUR');
    await flavour.waitFor({ timeout: 20_000 });
    expect(await flavour.inputValue()).toBe('vanilla');
    expect(await flavour.locator('option').allInnerTexts()).toEqual(['vanilla', 'chocolate']);
    expect(await page.getByLabel('NOTE').inputValue()).toBe('');
    await flavour.selectOption('chocolate');
    await startPlayground(page);

    // Only the chocolate variant's init task is listed (one setup step).
    await page.locator('.lk-pg-init [data-status="completed"]').first().waitFor({ timeout: 10_000 });
    expect(await page.locator('.lk-pg-init li').count()).toBe(1);
    expect(await flavour.isDisabled()).toBe(true); // its fieldset is disabled while a session runs
    expect(dev.playgrounds.server.sessions[0]?.item.conditions).toEqual({ FLAVOUR: 'chocolate', NOTE: '' });

    await typeInTerminal(page, 'echo "GOT=$(cat /root/flavour)"; touch /root/done');
    await page.waitForFunction(() => /GOT=chocolate/.test(document.querySelector('.lk-pg-term .xterm-rows')?.textContent ?? ''), null, { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('[data-task="verify_chocolate"]')?.getAttribute('data-state') === 'completed', null, { timeout: 60_000 });
    // The other variant's check was left out: it never got a live status.
    expect(await page.locator('[data-task="verify_vanilla"]').getAttribute('data-live')).toBeNull();

    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect.poll(() => dev.playgrounds.server.health().sessions, { timeout: 30_000 }).toBe(0);
    expect(await flavour.isDisabled()).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  }, 420_000);
});
