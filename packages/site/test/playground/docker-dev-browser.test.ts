import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
// The runtime is what `lab dev` mounts; the site package itself never imports it.
import { findPlaygroundImage } from '../../../runtime/src/index.ts';
import { examplesDir, openPage, shotsDir, terminalText, typeInTerminal, usePlaygroundDev } from './harness.ts';

/**
 * Issue 13's `lab dev` scenario on the Docker example challenge, with a real
 * VM and a real Chromium: "Start playground" opens a terminal on the docker
 * playground, `docker run --rm busybox echo hi` typed into the xterm
 * terminal pulls busybox through the playground registry and prints `hi`,
 * and the challenge's three tasks turn green live once the learner has done
 * the work in that terminal.
 *
 * The docker image takes minutes to build, so the test runs only when it is
 * already in the cache (`.ci/test` builds it before vitest with `lab image
 * build --content examples`); the machine then starts from saved state
 * (`lab test examples` saved it in CI; the first start anywhere else boots
 * it cold and saves it, within the start timeout below).
 */
const image = await findPlaygroundImage('docker').catch(() => undefined);
const skipped = image ? '' : ' (skipped: the docker image is not in ~/.cache/labkit/images; `lab image build docker` builds it)';
// One pooled machine: lab dev pools machines like the first playground page opened, here a docker one.
const dev = usePlaygroundDev(examplesDir, { poolSize: 1, disconnectGraceMs: 5_000, when: image !== undefined });

const taskState = (page: Page, name: string) => page.locator(`[data-task="${name}"]`).getAttribute('data-state');
const completed = (page: Page, name: string, timeout: number) =>
  page.waitForFunction((n) => document.querySelector(`[data-task="${n}"]`)?.getAttribute('data-state') === 'completed', name, { timeout });

describe.skipIf(!image)(`docker playground in lab dev (real Chromium, real VM)${skipped}`, () => {
  it('starts a Docker terminal where docker run --rm busybox echo hi works, and turns the tasks green live', async () => {
    const { page, errors } = await openPage(dev.browser, new URL('challenges/serve-a-page-from-a-container/', dev.handle.url).href, { width: 1280, height: 1000 });
    const start = page.getByRole('button', { name: 'Start playground', exact: true });
    await start.waitFor({ timeout: 20_000 });
    const tasks = ['verify_web_running', 'verify_port_published', 'verify_custom_page'];
    for (const t of tasks) expect(await taskState(page, t)).toBe('active');
    // Opening the page filled the pool with a docker machine (restored from saved state, its docker CLI run once).
    await expect.poll(() => dev.playgrounds.server.health().poolIdle, { timeout: 240_000, interval: 500 }).toBe(1);

    // Sampled while the playground starts: a take empties the pool for seconds (its refill restores and warms a machine).
    const idleSeen = new Set<number>();
    const sampler = setInterval(() => idleSeen.add(dev.playgrounds.server.health().poolIdle), 100);
    const clicked = Date.now();
    await start.click();
    await page.locator('.lk-pg-term[data-connected="true"] .xterm-rows').waitFor({ timeout: 240_000 });
    // The learner's shell: laborant's bash prompt on the machine named docker.
    await page.waitForFunction(() => /laborant@docker:.*\$\s*$/m.test(document.querySelector('.lk-pg-term .xterm-rows')?.textContent ?? ''), null, { timeout: 60_000 });
    console.log(`  docker terminal ready ${Date.now() - clicked} ms after "Start playground"`);
    clearInterval(sampler);
    // The session took the pooled machine (renamed to the playground's machine name, as the prompt shows).
    expect(idleSeen.has(0)).toBe(true);

    // Docker works from the terminal: busybox comes through the playground registry.
    const ran = Date.now();
    await typeInTerminal(page, 'docker run --rm busybox echo hi');
    await expect.poll(() => terminalText(page), { timeout: 180_000, interval: 500 }).toMatch(/^hi\s*$/m);
    const text = await terminalText(page);
    expect(text).toMatch(/Downloaded newer image for busybox:latest/);
    console.log(`  docker run --rm busybox echo hi: ${Date.now() - ran} ms`);
    await page.screenshot({ path: path.join(shotsDir, 'docker-1-hi.png'), fullPage: true });
    // Nothing of the challenge is done yet.
    for (const t of tasks) expect(await taskState(page, t)).toBe('active');

    // The challenge's work, typed as a learner would. A container created but
    // not started makes the first task's hintcheck speak, live.
    await typeInTerminal(page, `mkdir -p ~/site && echo '<h1>Hello from a container</h1>' > ~/site/index.html`);
    await typeInTerminal(page, 'docker create --name web -p 8080:80 -v ~/site:/www busybox httpd -f -p 80 -h /www');
    const hint = page.locator('[data-task="verify_web_running"] .lk-task-live-hint');
    await expect(hint.innerText({ timeout: 90_000 })).resolves.toMatch(/exists but is not running/);
    expect(await taskState(page, 'verify_web_running')).toBe('active');
    await typeInTerminal(page, 'docker start web');
    for (const t of tasks) await completed(page, t, 120_000);
    // The hint was about getting there: a completed task no longer shows it.
    await expect.poll(() => hint.count(), { timeout: 5_000 }).toBe(0);
    await page.locator('.lk-playground[data-state="completed"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('.lk-task-summary .lk-progress-label').innerText()).toBe('Completed');
    await page.screenshot({ path: path.join(shotsDir, 'docker-2-completed.png'), fullPage: true });

    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);
});
