import type { Server } from 'node:http';
import { SiteErrors } from '../errors.ts';

/** Default preview port; the next free one is taken when it is busy. */
export const DEFAULT_DEV_PORT = 4321;

/**
 * Listens on `port`, or the next free port up to `port + attempts - 1`.
 * Only EADDRINUSE moves on; any other failure (bad host) is reported as is.
 */
export async function listenOnFreePort(server: Server, host: string, port: number, attempts = 20): Promise<number> {
  for (let candidate = port; candidate < port + attempts; candidate++) {
    const outcome = await new Promise<'ok' | 'busy' | Error>((resolve) => {
      const onError = (error: NodeJS.ErrnoException) => {
        server.off('listening', onListening);
        resolve(error.code === 'EADDRINUSE' ? 'busy' : error);
      };
      const onListening = () => {
        server.off('error', onError);
        resolve('ok');
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(candidate, host);
    });
    if (outcome === 'ok') {
      const address = server.address();
      return typeof address === 'object' && address ? address.port : candidate;
    }
    if (outcome instanceof Error) throw SiteErrors.DevListenFailed(host, candidate, outcome.message);
  }
  throw SiteErrors.DevNoFreePort(host, port, port + attempts - 1);
}
