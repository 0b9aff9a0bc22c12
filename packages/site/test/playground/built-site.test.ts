import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/index.ts';
import { launchChromium, serveStatic } from '../helpers.ts';
import { openPage, startPlayground, typeInTerminal } from './harness.ts';
// `lab serve` for the published site (the site package itself never imports the runtime).
import { serve, type ServeHandle } from '../../../runtime/src/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const content = path.resolve(here, '../../../runtime/test/server/fixtures/content');
let runtime: ServeHandle;
let browser: Browser;
let work: string;
let statics: { url: string; close(): Promise<void> } | undefined;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'lab-pg-site-'));
  runtime = await serve({ dir: content, port: 0, poolSize: 1 });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await runtime?.close();
  await statics?.close();
  await rm(work, { recursive: true, force: true });
});

describe('the built site with a playground server (lab build + lab serve)', () => {
  it('stays static without a runtime URL', async () => {
    const out = path.join(work, 'static');
    const r = await build({ dir: content, outDir: out });
    expect(r.ok).toBe(true);
    const html = await readFile(path.join(out, 'challenges/live-tasks/index.html'), 'utf8');
    expect(html).not.toContain('data-lk-runtime');
    expect(existsSync(path.join(out, '_lk'))).toBe(true);
    expect((await readdir(path.join(out, '_lk'))).some((f) => f.startsWith('playground-'))).toBe(false);
  }, 180_000);

  it('gets the playground control when built with the server URL, and its tasks turn green', async () => {
    const out = path.join(work, 'live');
    const r = await build({ dir: content, outDir: out, site: { runtimeUrl: runtime.url } });
    expect(r.ok).toBe(true);
    // On its own origin, apart from the playground server's (so CORS is exercised).
    statics = await serveStatic(out);
    const { page, errors } = await openPage(browser, `${statics.url}challenges/live-tasks/`);
    await startPlayground(page, { timeout: 180_000, prompt: /~ #/ });
    await typeInTerminal(page, 'touch /root/done');
    await page.waitForFunction(() => document.querySelector('[data-task="verify_done"]')?.getAttribute('data-state') === 'completed', null, { timeout: 60_000 });
    // The answer goes to the server's check, not to a local regex.
    await page.locator('[data-task="verify_answer"] input').fill('42');
    await page.locator('[data-task="verify_answer"] button[type="submit"]').click();
    await page.waitForFunction(() => document.querySelector('[data-task="verify_answer"]')?.getAttribute('data-state') === 'completed', null, { timeout: 60_000 });
    expect(runtime.playgrounds.health().active).toBe(1);
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect.poll(() => runtime.playgrounds.health().sessions, { timeout: 30_000 }).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 360_000);
});
