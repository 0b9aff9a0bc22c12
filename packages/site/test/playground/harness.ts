import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { dev, type DevHandle } from '../../src/dev/index.ts';
import { playgroundDevMount } from '../../src/playground/dev-mount.ts';
// The runtime is what `lab dev` mounts; the site package itself never imports it.
import { devPlaygrounds, type DevPlaygrounds } from '../../../runtime/src/index.ts';
import { launchChromium, repoRoot } from '../helpers.ts';

export { repoRoot };
export const examplesDir = path.join(repoRoot, 'examples');
/** Where the playground tests leave their screenshots (made by usePlaygroundDev). */
export const shotsDir = path.join(repoRoot, 'test-output', 'playground');

/** `lab dev` on `dir` with real playgrounds mounted (one pooled VM unless `poolSize` says otherwise), and a real Chromium. */
export interface PlaygroundDev {
  handle: DevHandle;
  playgrounds: DevPlaygrounds;
  browser: Browser;
  /** Closes the browser, the dev server and every VM; safe to call after a test closed some of them. */
  close(): Promise<void>;
}

export async function startPlaygroundDev(dir: string, options: { disconnectGraceMs?: number; poolSize?: number } = {}): Promise<PlaygroundDev> {
  const limits = options.disconnectGraceMs === undefined ? undefined : { disconnectGraceMs: options.disconnectGraceMs };
  const playgrounds = devPlaygrounds({ dir, poolSize: options.poolSize ?? 1, ...(limits ? { limits } : {}) });
  const handle = await dev({ dir, port: 0, output: false, mount: playgroundDevMount(playgrounds) });
  const browser = await launchChromium();
  return {
    handle,
    playgrounds,
    browser,
    async close() {
      await browser.close();
      await handle.close();
      await playgrounds.close();
    },
  };
}

/** What `usePlaygroundDev()` gives a test file: the started parts, read inside its tests. */
export interface PlaygroundDevFixture extends PlaygroundDev {
  /** The content folder lab dev serves (the temp copy with `copy: true`). */
  readonly dir: string;
}

/**
 * `startPlaygroundDev()` for a whole test file: started before its tests
 * (with the screenshot folder made), closed after them. `copy: true` serves
 * a temp copy of `dir` (for tests that edit the content), removed after.
 * `when: false` starts nothing (a file whose tests are skipped).
 */
export function usePlaygroundDev(dir: string, options: { disconnectGraceMs?: number; poolSize?: number; copy?: boolean; when?: boolean } = {}): PlaygroundDevFixture {
  const { copy = false, when = true, ...startOptions } = options;
  let started: PlaygroundDev | undefined;
  let served: string | undefined;
  let copied: string | undefined;
  beforeAll(async () => {
    if (!when) return;
    await mkdir(shotsDir, { recursive: true });
    if (copy) {
      copied = await mkdtemp(path.join(tmpdir(), 'lab-pg-'));
      await cp(dir, copied, { recursive: true });
    }
    served = copied ?? dir;
    started = await startPlaygroundDev(served, startOptions);
  }, 120_000);
  afterAll(async () => {
    await started?.close();
    if (copied) await rm(copied, { recursive: true, force: true });
  });
  const get = (): PlaygroundDev => {
    if (!started) throw new Error('usePlaygroundDev(): lab dev runs only inside the file\'s tests');
    return started;
  };
  return {
    get dir() {
      get();
      return served!;
    },
    get handle() {
      return get().handle;
    },
    get playgrounds() {
      return get().playgrounds;
    },
    get browser() {
      return get().browser;
    },
    close: () => get().close(),
  };
}

/** A new page on `url` whose uncaught errors land in `errors` (the tests end with `expect(errors).toEqual([])`). */
export async function openPage(browser: Browser, url: string, viewport?: { width: number; height: number }): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage(viewport ? { viewport } : {});
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return { page, errors };
}

/**
 * Clicks "Start playground" and waits for the first terminal to connect
 * (`timeout`: boot included) and, with `prompt`, for its shell prompt
 * (busybox root's is `~ #`) in the terminal's text.
 */
export async function startPlayground(page: Page, options: { timeout?: number; prompt?: RegExp } = {}): Promise<void> {
  await page.getByRole('button', { name: 'Start playground', exact: true }).click();
  // The first terminal (a multi-machine playground connects one per machine).
  await page.locator('.lk-pg-term[data-connected="true"] .xterm-rows').first().waitFor({ timeout: options.timeout ?? 240_000 });
  if (options.prompt) {
    const { source, flags } = options.prompt;
    await page.waitForFunction(([s, f]) => new RegExp(s!, f).test(document.querySelector('.lk-pg-term .xterm-rows')?.textContent ?? ''), [source, flags], { timeout: 30_000 });
  }
}

/** Types `line` into the terminal on show and presses Enter. */
export async function typeInTerminal(page: Page, line: string): Promise<void> {
  await page.locator('.lk-pg-term:not([hidden]) .xterm-helper-textarea').focus();
  await page.keyboard.type(line, { delay: 5 });
  await page.keyboard.press('Enter');
}

/** The visible text of a terminal, `machine`'s or the one on show (xterm.js's DOM renderer keeps one element per row). */
export function terminalText(page: Page, machine?: string): Promise<string> {
  const sel = machine ? `.lk-pg-term[data-machine="${machine}"] .xterm-rows` : '.lk-pg-term:not([hidden]) .xterm-rows';
  return page.locator(sel).innerText();
}
