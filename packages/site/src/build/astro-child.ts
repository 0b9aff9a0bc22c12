/**
 * The Astro run of `lab build`, in a child process of its own: it gets the
 * page models from a spool file on disk (one JSON page per line, written by
 * the render phase) and nothing else, so Astro's memory never adds to the
 * content graph's and the render workers', and is all returned to the
 * system when it exits.
 *
 *   node astro-child.js <job.json>
 */
import { readFileSync } from 'node:fs';
import { setLoaderFeed } from './astro-loader.ts';
import type { ClientAssetUrls, Page, SiteConfig } from '../shell/page-model.ts';

/** What the parent hands over (as a JSON file named on the command line). */
export interface AstroJob {
  /** The pages, one JSON `Page` per line. */
  spool: string;
  config: SiteConfig;
  urls: ClientAssetUrls;
  /** The copy of the Astro app to build. */
  root: string;
  outDir: string;
  cacheDir: string;
  verbose: boolean;
}

async function main(jobFile: string): Promise<void> {
  const job = JSON.parse(readFileSync(jobFile, 'utf8')) as AstroJob;
  const pages: Page[] = [];
  for (const line of readFileSync(job.spool, 'utf8').split('\n')) if (line) pages.push(JSON.parse(line) as Page);
  setLoaderFeed({ pages, config: job.config, assets: job.urls });
  const { build: astroBuild } = await import('astro');
  await astroBuild({
    root: job.root,
    outDir: job.outDir,
    base: job.config.base,
    ...(job.config.url ? { site: job.config.url } : {}),
    output: 'static',
    trailingSlash: 'ignore',
    cacheDir: `${job.cacheDir}/astro`,
    logLevel: job.verbose ? 'info' : 'error',
    build: { format: 'directory', inlineStylesheets: 'never' },
    devToolbar: { enabled: false },
    telemetry: false,
    vite: { logLevel: job.verbose ? 'info' : 'silent', clearScreen: false, cacheDir: `${job.cacheDir}/vite` },
  } as never);
}

main(process.argv[2]!).then(
  () => process.exit(0),
  (error: unknown) => {
    // The parent shows this as AstroFailed: the message, on the last line.
    process.stderr.write(`\n${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
