import type { Command } from 'commander';
import { portNumber } from '../number-flag.ts';

/** `lab dev [dir]`: flags only; the work is `dev()` in @labkit/site/dev. */
export function register(program: Command): void {
  program
    .command('dev')
    .description('Watch a content folder, show its diagnostics live and preview its pages with live reload')
    .argument('[dir]', 'content folder', '.')
    .option('--port <port>', 'first port to try (the next free one is used when busy)', portNumber)
    .option('--host [address]', 'listen on this address instead of 127.0.0.1 (no value: all interfaces)')
    .option('--allow-host <names...>', 'more host names the preview answers to (default: loopback and --host only)')
    .option('--no-playground', 'no "Start playground" control (no VMs are booted)')
    .action(async (dir: string, opts: { port?: number; host?: string | boolean; playground: boolean; allowHost?: string[] }) => {
      const { dev, lazyPlaygroundApi, playgroundDevMount } = await import('@labkit/site/dev');
      const { ContentStore } = await import('@labkit/sdk');
      const host = opts.host === true ? '0.0.0.0' : typeof opts.host === 'string' ? opts.host : undefined;
      // One content graph for the process: dev() loads it and keeps it current;
      // the pages, the diagnostics and the playground catalog all read it.
      const store = new ContentStore();
      // The playground runtime (issue 6) is mounted into the preview; the site never imports the runtime.
      // It loads on first use, not before the content is read (see lazyPlaygroundApi).
      const playgrounds = opts.playground ? lazyPlaygroundApi('/__lab/runtime/', async () => (await import('@labkit/runtime')).devPlaygrounds({ dir, store })) : undefined;
      const handle = await dev({ dir, store, ...(host ? { host } : {}), ...(opts.port !== undefined ? { port: opts.port } : {}), ...(opts.allowHost ? { allowedHosts: opts.allowHost } : {}), ...(playgrounds ? { mount: playgroundDevMount(playgrounds) } : {}) });
      // Now that the pages are up: ready before an item page asks (a failed load is reported by that request).
      void playgrounds?.load().catch(() => undefined);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void handle.close().then(() => playgrounds?.close()).then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
