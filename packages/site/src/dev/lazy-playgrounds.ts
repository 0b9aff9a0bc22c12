import type { PlaygroundApi } from '../playground/dev-mount.ts';

/** A playground API that loads itself on first use, with what `lab dev` needs to end it. */
export interface LazyPlaygroundApi<T extends ClosablePlaygroundApi> extends PlaygroundApi {
  /** Starts loading the real API (idempotent); resolves with it. */
  load(): Promise<T>;
  /** The real API once loaded, else undefined. */
  readonly loaded: T | undefined;
  /** Closes the real API if it was loaded (or is loading: after the load). */
  close(): Promise<void>;
}

type ClosablePlaygroundApi = PlaygroundApi & { close(): Promise<void> };

/**
 * The playground runtime behind `lab dev`'s preview, loaded on first use
 * instead of before the content is read: importing `@labkit/runtime` and
 * setting it up was ~0.25 s of `lab dev`'s start (108 modules, load 4),
 * and nothing needs it until an item page asks whether its item has a
 * playground. Every call waits for the load; a WebSocket upgrade is taken at
 * once and handed over when it is done. Before the load no page of this run
 * can carry the playground island (only `hasPlayground` adds it), so no web
 * tab of this run exists to be authenticated.
 */
export function lazyPlaygroundApi<T extends ClosablePlaygroundApi>(prefix: string, open: () => Promise<T>): LazyPlaygroundApi<T> {
  let loading: Promise<T> | undefined;
  let real: T | undefined;
  const load = (): Promise<T> =>
    (loading ??= open().then((api) => {
      if (api.prefix !== prefix) throw new Error(`the playground runtime serves ${api.prefix}, not ${prefix}`);
      return (real = api);
    }));
  return {
    prefix,
    load,
    get loaded() {
      return real;
    },
    handle: async (req, res) => (await load()).handle(req, res),
    upgrade(req, socket, head) {
      if (real) return real.upgrade(req, socket, head);
      // Taken now, handed over once loaded; a socket the runtime refuses (or a failed load) is closed.
      load().then(
        (api) => void (api.upgrade(req, socket, head) || socket.destroy()),
        () => socket.destroy(),
      );
      return true;
    },
    authenticatesItself: (pathname) => real?.authenticatesItself?.(pathname) ?? false,
    hasPlayground: async (itemId) => (await load()).hasPlayground(itemId),
    async close() {
      const api = loading && (await loading.catch(() => undefined));
      await api?.close();
    },
  };
}
