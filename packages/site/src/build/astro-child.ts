/**
 * The Astro run of `lab build`, in a child process of its own: it gets the
 * page models from a spool file on disk (one JSON page per line, written by
 * the render phase, each read when its route is built) and nothing else, so
 * Astro's memory never adds to the content graph's and the render workers',
 * and is all returned to the system when it exits.
 *
 *   node astro-child.js <job.json>
 */
import { createReadStream, openSync, readFileSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { setLoaderFeed, type PageSource } from './astro-loader.ts';
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

/**
 * The spool as a page source: one pass records each page's route, title,
 * digest and place in the file; a route's model is read back from there
 * when Astro renders it. The whole site's models (and the spool's text,
 * ~100 MB at 3,000 pages) were held for the whole Astro run before.
 */
async function spooledPages(spool: string): Promise<PageSource> {
  const list: PageSource['list'] = [];
  const at = new Map<string, [offset: number, length: number]>();
  const take = (line: Buffer, offset: number) => {
    const { route, title } = JSON.parse(line.toString('utf8')) as Page;
    list.push({ route, title, digest: createHash('sha256').update(line).digest('hex').slice(0, 32) });
    at.set(route, [offset, line.length]);
  };
  // Split on the newline byte only: JSON keeps U+2028 and U+2029 raw, and
  // readline would end a line there.
  const pieces: Buffer[] = [];
  let lineStart = 0;
  let pos = 0;
  for await (const chunk of createReadStream(spool) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      pieces.push(chunk.subarray(start, nl));
      const line = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
      if (line.length) take(line, lineStart);
      pieces.length = 0;
      start = nl + 1;
      lineStart = pos + start;
    }
    if (start < chunk.length) pieces.push(chunk.subarray(start));
    pos += chunk.length;
  }
  if (pieces.length) take(Buffer.concat(pieces), lineStart);
  const fd = openSync(spool, 'r');
  return {
    list,
    get(route) {
      const place = at.get(route);
      if (!place) return undefined;
      const buf = Buffer.alloc(place[1]);
      readSync(fd, buf, 0, place[1], place[0]);
      const page = JSON.parse(buf.toString('utf8')) as Page;
      if (page.route !== route) throw new Error(`labkit: the spool's line for "${route}" holds "${page.route}"`);
      return page;
    },
  };
}

async function main(jobFile: string): Promise<void> {
  const job = JSON.parse(readFileSync(jobFile, 'utf8')) as AstroJob;
  setLoaderFeed({ pages: await spooledPages(job.spool), config: job.config, assets: job.urls });
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
