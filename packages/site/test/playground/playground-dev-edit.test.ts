import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPage, startPlayground, typeInTerminal, usePlaygroundDev } from './harness.ts';

const fixture = path.resolve(import.meta.dirname, '../../../runtime/test/server/fixtures/content');
// A copy: the test edits the content.
const dev = usePlaygroundDev(fixture, { copy: true });

describe('a running playground while the author edits the page (lab dev)', () => {
  it('keeps the session: the patched page reattaches, the terminal and live tasks keep working', async () => {
    const { page, errors } = await openPage(dev.browser, new URL('challenges/live-tasks/', dev.handle.url).href);
    await startPlayground(page, { timeout: 180_000, prompt: /~ #/ });
    await typeInTerminal(page, 'echo BEFORE-EDIT');

    await appendFile(path.join(dev.dir, 'challenges/live-tasks/index.md'), '\nA line the author just added.\n');
    await page.getByText('A line the author just added.').waitFor({ timeout: 30_000 });

    // One panel, attached to the same session: the replayed terminal shows what was typed before.
    await page.locator('.lk-pg-term[data-connected="true"] .xterm-rows').waitFor({ timeout: 30_000 });
    expect(await page.locator('.lk-playground').count()).toBe(1);
    await page.waitForFunction(() => /BEFORE-EDIT/.test(document.querySelector('.lk-pg-term .xterm-rows')?.textContent ?? ''), null, { timeout: 30_000 });
    await typeInTerminal(page, 'touch /root/done');
    await page.waitForFunction(() => document.querySelector('[data-task="verify_done"]')?.getAttribute('data-state') === 'completed', null, { timeout: 60_000 });
    expect(dev.playgrounds.server.health().sessions).toBe(1);
    expect(errors).toEqual([]);
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect.poll(() => dev.playgrounds.server.health().sessions, { timeout: 30_000 }).toBe(0);
    await page.close();
  }, 360_000);

  it('shows a failcheck failure in its task with a Restart control that brings fresh machines', async () => {
    const { page } = await openPage(dev.browser, new URL('challenges/fragile/', dev.handle.url).href);
    await startPlayground(page, { timeout: 180_000, prompt: /~ #/ });
    await typeInTerminal(page, 'rm /etc/keep');
    await page.waitForFunction(() => document.querySelector('[data-task="verify_other"]')?.getAttribute('data-state') === 'failed', null, { timeout: 60_000 });
    expect(await page.locator('[data-task="verify_other"] .lk-task-live-failed').innerText()).toMatch(/You deleted \/etc\/keep/);
    await page.locator('.lk-playground[data-state="failed"]').waitFor();
    await page.getByRole('button', { name: 'Restart', exact: true }).click();
    // A new attempt: the task is active again and a fresh machine has /etc/keep back.
    await page.waitForFunction(() => document.querySelector('[data-task="verify_other"]')?.getAttribute('data-state') === 'active', null, { timeout: 60_000 });
    await page.locator('.lk-pg-term[data-connected="true"] .xterm-rows').waitFor({ timeout: 180_000 });
    await page.waitForFunction(() => /~ #/.test(document.querySelector('.lk-pg-term .xterm-rows')?.textContent ?? ''), null, { timeout: 30_000 });
    await typeInTerminal(page, 'ls /etc/keep && touch /root/other');
    await page.waitForFunction(() => document.querySelector('[data-task="verify_other"]')?.getAttribute('data-state') === 'completed', null, { timeout: 60_000 });
    expect(await page.locator('[data-task="verify_other"] .lk-task-live').count()).toBe(0);
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect.poll(() => dev.playgrounds.server.health().sessions, { timeout: 30_000 }).toBe(0);
    await page.close();
  }, 420_000);
});
