import type { Browser } from 'playwright-core';
import { dev, type DevHandle } from '../../src/dev/index.ts';
import { playgroundDevMount } from '../../src/playground/dev-mount.ts';
// The runtime is what `lab dev` mounts; the site package itself never imports it.
import { devPlaygrounds, type DevPlaygrounds } from '../../../runtime/src/index.ts';
import { launchChromium } from '../helpers.ts';

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
