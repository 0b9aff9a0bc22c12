import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { expect } from 'vitest';
import { repoRoot } from '../../../test-support/paths.ts';

export { repoRoot };
export const fixtureSite = path.join(import.meta.dirname, 'fixtures/site');
export const examplesDir = path.join(repoRoot, 'examples');
export const screenshotDir = path.join(repoRoot, 'test-output/site');
mkdirSync(screenshotDir, { recursive: true });

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript', '.mjs': 'text/javascript', '.png': 'image/png', '.json': 'application/json',
  '.wasm': 'application/wasm', '.svg': 'image/svg+xml',
};

/** A plain static server over a built site, like any host would be. */
export async function serveStatic(dir: string, base = '/'): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    let p = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (!p.startsWith(base)) {
      res.writeHead(404).end();
      return;
    }
    p = p.slice(base.length);
    let file = path.join(dir, p);
    if (!file.startsWith(dir)) return void res.writeHead(403).end();
    try {
      if ((await stat(file)).isDirectory()) file = path.join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/html' }).end(await readFile(path.join(dir, '404.html')).catch(() => 'not found'));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}${base}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}

/** A built site on a static server: its address and its output folder. */
export interface ServedSite {
  url: string;
  dir: string;
  close(): Promise<void>;
}

/**
 * The built-site browser tests' set-up: builds each content folder of
 * `sources` (name -> folder; an undefined folder is left out) into one temp
 * folder, expects every build to succeed, serves each output with
 * serveStatic, and launches Chromium. `close()` undoes all of it. The
 * builds run one after the other: Pagefind's indexing service is shared by
 * the process.
 */
export async function buildSites<K extends string>(sources: { [name in K]?: string | undefined }, prefix: string): Promise<{ browser: Browser; sites: Record<K, ServedSite>; close(): Promise<void> }> {
  // Loaded here: the light tests that import this file for a path do not pay for the build's modules.
  const { build } = await import('../src/index.ts');
  const tmp = await mkdtemp(path.join(os.tmpdir(), prefix));
  const sites = {} as Record<K, ServedSite>;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await Promise.all(Object.values<ServedSite>(sites).map((s) => s.close()));
    await rm(tmp, { recursive: true, force: true });
  };
  try {
    for (const [name, dir] of Object.entries(sources) as Array<[K, string | undefined]>) {
      if (dir === undefined) continue;
      const result = await build({ dir, outDir: path.join(tmp, name), force: true });
      expect(result.ok, `${name}: ${dir}`).toBe(true);
      sites[name] = { ...(await serveStatic(result.outDir)), dir: result.outDir };
    }
    browser = await launchChromium();
  } catch (error) {
    await close();
    throw error;
  }
  return { browser, sites, close };
}
