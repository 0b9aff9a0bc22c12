import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTarget, type DevMount } from '../dev/dev-server.ts';
import { playgroundScriptTag } from './script-tag.ts';

export { playgroundScriptTag };

/** The runtime's playground API as `lab dev` sees it (the site never imports the runtime). */
export interface PlaygroundApi {
  /** URL path its routes live under (`/__lab/runtime/`). */
  prefix: string;
  handle: DevMount['handle'];
  upgrade: DevMount['upgrade'];
  /** Whether an item id has a playground the runtime can start. */
  hasPlayground(itemId: string): Promise<boolean>;
  /** Paths (web tabs) whose requests the runtime authenticates itself. */
  authenticatesItself?(pathname: string): boolean;
}

/** Where the island and its xterm.js files are served from in `lab dev`. */
export const PLAYGROUND_ASSET_PREFIX = '/__lab/playground/';

const require = createRequire(import.meta.url);
const CLIENT_DIR = fileURLToPath(new URL('./client/', import.meta.url));

/** The island's files by public name: our script and CSS, and xterm.js's ESM builds. */
export function playgroundClientFiles(): Record<string, { file: string; type: string }> {
  const xterm = path.dirname(require.resolve('@xterm/xterm/package.json'));
  const fit = path.dirname(require.resolve('@xterm/addon-fit/package.json'));
  const js = 'text/javascript; charset=utf-8';
  return {
    'playground.js': { file: path.join(CLIENT_DIR, 'playground.js'), type: js },
    'playground.css': { file: path.join(CLIENT_DIR, 'playground.css'), type: 'text/css; charset=utf-8' },
    'xterm.mjs': { file: path.join(xterm, 'lib/xterm.mjs'), type: js },
    'xterm.css': { file: path.join(xterm, 'css/xterm.css'), type: 'text/css; charset=utf-8' },
    'addon-fit.mjs': { file: path.join(fit, 'lib/addon-fit.mjs'), type: js },
  };
}

/**
 * Mounts the playground runtime into the `lab dev` preview: its API and
 * WebSockets under `api.prefix`, the island files under `/__lab/playground/`,
 * and the island's script tag in every page whose item has a playground.
 */
export function playgroundDevMount(api: PlaygroundApi): DevMount {
  const files = playgroundClientFiles();
  return {
    async handle(req, res) {
      const url = parseTarget(req.url);
      if (url?.pathname.startsWith(PLAYGROUND_ASSET_PREFIX)) {
        const entry = files[url.pathname.slice(PLAYGROUND_ASSET_PREFIX.length)];
        const body = entry && (await readFile(entry.file).catch(() => undefined));
        if (!entry || !body) res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
        else res.writeHead(200, { 'content-type': entry.type, 'cache-control': 'no-cache' }).end(body);
        return true;
      }
      return api.handle(req, res);
    },
    upgrade: (req, socket, head) => api.upgrade(req, socket, head),
    ...(api.authenticatesItself ? { authenticatesItself: (pathname: string) => api.authenticatesItself!(pathname) } : {}),
    async transformPage(html) {
      const id = /data-progress-item="([^"]+)"/.exec(html)?.[1];
      if (!id || !(await api.hasPlayground(decodeEntities(id)).catch(() => false))) return html;
      const tag = playgroundScriptTag(`${PLAYGROUND_ASSET_PREFIX}playground.js`, api.prefix);
      const at = html.lastIndexOf('</body>');
      return at === -1 ? html + tag : html.slice(0, at) + tag + html.slice(at);
    },
  };
}

function decodeEntities(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
