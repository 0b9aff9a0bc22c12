import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { examplesDir, openPage, shotsDir, startPlayground, terminalText, typeInTerminal, usePlaygroundDev } from './harness.ts';

const dev = usePlaygroundDev(examplesDir, { disconnectGraceMs: 5_000 });

function qemuPids(): number[] {
  try {
    return execFileSync('pgrep', ['-f', `qemu-system-x86_64.*${'labkit.hostname'}`], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('playgrounds in lab dev (real Chromium, real VMs)', () => {
  it('starts the playground of an example challenge, takes keystrokes and turns each task complete', async () => {
    const { page, errors } = await openPage(dev.browser, new URL('challenges/stop-a-runaway-process/', dev.handle.url).href, { width: 1280, height: 1000 });
    const start = page.getByRole('button', { name: 'Start playground', exact: true });
    await start.waitFor({ timeout: 20_000 });
    const task = (name: string) => page.locator(`[data-task="${name}"]`);
    await expect(task('verify_report_gen_stopped').getAttribute('data-state')).resolves.toBe('active');
    await start.click();

    // Init tasks show their progress, then the terminal opens.
    await page.locator('.lk-pg-init [data-status="completed"]').first().waitFor({ timeout: 180_000 });
    await page.locator('.lk-pg-term[data-connected="true"] .xterm-rows').waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => /#\s*$/m.test(document.querySelector('.lk-pg-term .xterm-rows')?.textContent ?? ''), null, { timeout: 30_000 });
    await page.screenshot({ path: path.join(shotsDir, '1-started.png'), fullPage: true });

    // Find the runaway process in the terminal, as a learner would.
    await typeInTerminal(page, `for d in /proc/[0-9]*; do [ "$(cat $d/comm 2>/dev/null)" = report-gen ] && echo "FOUND=\${d#/proc/}"; done`);
    await page.waitForFunction(() => /FOUND=\d+/.test(document.querySelector('.lk-pg-term .xterm-rows')?.textContent ?? ''), null, { timeout: 30_000 });
    const pid = /FOUND=(\d+)/.exec(await terminalText(page))![1]!;

    // The user-input-task answer reaches the check through x(.input).
    await task('verify_report_gen_pid').locator('input').fill(pid);
    await task('verify_report_gen_pid').locator('button[type="submit"]').click();
    await page.waitForFunction(() => document.querySelector('[data-task="verify_report_gen_pid"]')?.getAttribute('data-state') === 'completed', null, { timeout: 60_000 });

    await typeInTerminal(page, `kill ${pid}; rm /var/log/report-gen.log`);
    await page.waitForFunction(() => document.querySelector('[data-task="verify_report_gen_stopped"]')?.getAttribute('data-state') === 'completed', null, { timeout: 60_000 });
    // The deleted log makes the hintcheck speak: the hint shows inside its task.
    await page.locator('[data-task="verify_log_truncated"] .lk-task-live-hint').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-task="verify_log_truncated"] .lk-task-live-hint').innerText()).toMatch(/Deleting a log file/);
    expect(await task('verify_log_truncated').getAttribute('data-state')).toBe('active');
    await page.screenshot({ path: path.join(shotsDir, '2-hint.png'), fullPage: true });

    await typeInTerminal(page, ': > /var/log/report-gen.log');
    await page.waitForFunction(() => document.querySelector('[data-task="verify_log_truncated"]')?.getAttribute('data-state') === 'completed', null, { timeout: 60_000 });
    await page.locator('.lk-playground[data-state="completed"]').waitFor({ timeout: 30_000 });
    // The page's progress summary follows the live tasks.
    expect(await page.locator('.lk-task-summary .lk-progress-label').innerText()).toBe('Completed');
    // The #completed slot is what shows now.
    expect(await task('verify_log_truncated').locator('.lk-task-completed').isVisible()).toBe(true);
    expect(await task('verify_log_truncated').locator('.lk-task-active').isVisible()).toBe(false);
    await page.screenshot({ path: path.join(shotsDir, '3-completed.png'), fullPage: true });

    // Stop: the session's machines are gone.
    const before = dev.playgrounds.server.health().machines;
    expect(before).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect.poll(() => dev.playgrounds.server.health().sessions, { timeout: 30_000 }).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 420_000);

  it('gives a multi-machine playground a terminal tab per machine, each reaching its own machine', async () => {
    const { page } = await openPage(dev.browser, new URL('challenges/lock-out-a-leaked-account/', dev.handle.url).href, { width: 1280, height: 1000 });
    await startPlayground(page);
    await page.locator('.lk-pg-tab[data-machine="db-01"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('.lk-pg-tab').allInnerTexts()).toEqual(['web-01', 'db-01']);
    await page.locator('.lk-pg-term[data-machine="web-01"][data-connected="true"]').waitFor({ timeout: 60_000 });
    await typeInTerminal(page, 'echo "HOST=$(hostname)"');
    await page.waitForFunction(() => /HOST=web-01/.test(document.querySelector('.lk-pg-term[data-machine="web-01"] .xterm-rows')?.textContent ?? ''), null, { timeout: 30_000 });
    // The machine's welcome message, once.
    expect((await terminalText(page, 'web-01')).split('web-01 serves the company website.').length - 1).toBe(1);
    await page.locator('.lk-pg-tab[data-machine="db-01"]').click();
    await page.locator('.lk-pg-term[data-machine="db-01"][data-connected="true"]').waitFor({ timeout: 60_000 });
    await typeInTerminal(page, 'echo "HOST=$(hostname)"');
    await page.waitForFunction(() => /HOST=db-01/.test(document.querySelector('.lk-pg-term[data-machine="db-01"] .xterm-rows')?.textContent ?? ''), null, { timeout: 30_000 });
    await page.screenshot({ path: path.join(shotsDir, '4-two-machines.png'), fullPage: true });
    // Closing the tab: after the disconnect grace the session and its VMs are gone.
    await page.close();
    await expect.poll(() => dev.playgrounds.server.health().sessions, { timeout: 60_000, interval: 500 }).toBe(0);
  }, 420_000);

  it('leaves no VM and no temp folder behind once lab dev closes', async () => {
    const runDir = dev.playgrounds.runDir!;
    expect(runDir).toBeTruthy();
    expect(qemuPidsOf(process.pid).length).toBeGreaterThan(0); // the pool's idle machine
    await dev.handle.close();
    await dev.playgrounds.close();
    await expect.poll(() => qemuPidsOf(process.pid), { timeout: 20_000 }).toEqual([]);
    expect(existsSync(runDir)).toBe(false);
  }, 60_000);
});

/** QEMU processes that are children of this test process. */
function qemuPidsOf(parent: number): number[] {
  return qemuPids().filter((pid) => {
    try {
      const stat = execFileSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' });
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return ppid === parent || isDescendant(ppid, parent);
    } catch {
      return false;
    }
  });
}

function isDescendant(pid: number, ancestor: number): boolean {
  for (let p = pid, i = 0; p > 1 && i < 10; i++) {
    if (p === ancestor) return true;
    try {
      const stat = execFileSync('cat', [`/proc/${p}/stat`], { encoding: 'utf8' });
      p = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      return false;
    }
  }
  return false;
}
