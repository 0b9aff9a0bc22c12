import { execFileSync } from 'node:child_process';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dev, type DevHandle } from '../../src/dev/index.ts';
import { tempContent, writeItem } from './helpers.ts';

let root: string;
let outside: string;
let cleanup: () => Promise<void>;
let cleanupOutside: () => Promise<void>;
let handle: DevHandle | undefined;

beforeEach(async () => {
  ({ root, cleanup } = await tempContent());
  ({ root: outside, cleanup: cleanupOutside } = await tempContent('lab-dev-outside-'));
  await writeItem(root, 'tutorials/pics', { kind: 'tutorial', title: 'Pictures of cats', body: '![a cat](__static__/cat.png)' });
  await mkdir(path.join(root, 'tutorials/pics/__static__'), { recursive: true });
  await writeFile(path.join(root, 'tutorials/pics/__static__/cat.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  await writeFile(path.join(outside, 'secret.txt'), 'TOP SECRET');
});

/** A symlink in the content folder pointing at a secret outside it. */
async function linkSecret(): Promise<void> {
  await symlink(path.join(outside, 'secret.txt'), path.join(root, 'tutorials/pics/__static__/link.txt'));
}
afterEach(async () => {
  await handle?.close();
  handle = undefined;
  await cleanup();
  await cleanupOutside();
});

/** A raw GET: fetch() would normalise `..` away before it reaches the server. */
function rawGet(port: number, rawPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: rawPath, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('preview server', () => {
  it('serves __static__ assets of the content folder', async () => {
    handle = await dev({ dir: root, port: 0, output: false });
    const res = await fetch(new URL('tutorials/pics/__static__/cat.png', handle.url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  });

  it("serves lab.config.ts's logo, favicon and custom CSS under the URLs its pages link to, and the default favicons", async () => {
    await mkdir(path.join(root, 'brand'), { recursive: true });
    await writeFile(path.join(root, 'brand/logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>');
    await writeFile(path.join(root, 'brand/icon.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2]));
    await writeFile(path.join(root, 'brand/site.css'), ':root { --brand-test: 1; }');
    // A base for the published site: the preview still serves at /.
    await writeFile(path.join(root, 'lab.config.ts'), `export default { site: { title: 'Acme', base: '/labs/', logo: './brand/logo.svg', favicon: './brand/icon.png', customCss: ['./brand/site.css'] } };`);
    handle = await dev({ dir: root, port: 0, output: false });
    const html = await (await fetch(handle.url)).text();
    const logo = /<img class="lk-logo-img" src="([^"]+)"/.exec(html)?.[1];
    const icon = /<link rel="icon" href="([^"]+)" type="image\/png">/.exec(html)?.[1];
    const css = [...html.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((m) => m[1]!).find((u) => u.includes('/_lk/brand/'));
    expect([logo, icon, css].every((u) => u?.startsWith('/_lk/brand/')), String([logo, icon, css])).toBe(true);
    const get = async (u: string) => {
      const res = await fetch(new URL(u, handle!.url));
      return { status: res.status, type: res.headers.get('content-type'), csp: res.headers.get('content-security-policy'), body: Buffer.from(await res.arrayBuffer()) };
    };
    const l = await get(logo!);
    expect(l).toMatchObject({ status: 200, type: 'image/svg+xml' });
    expect(l.csp).toContain('sandbox'); // an SVG keeps its walls in dev
    expect(l.body.toString()).toContain('<rect');
    expect(await get(icon!)).toMatchObject({ status: 200, type: 'image/png', body: Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2]) });
    const c = await get(css!);
    expect(c).toMatchObject({ status: 200 });
    expect(c.type).toContain('text/css');
    expect(c.body.toString()).toContain('--brand-test');
    expect((await get('/favicon.ico')).status).toBe(200);
    expect((await get('/favicon.svg')).type).toBe('image/svg+xml');
    // Only the configured names: the folder itself is not served.
    expect((await get('/_lk/brand/site.css')).status).toBe(404);
    expect((await get('/brand/site.css')).status).toBe(404);
  });

  it('shows the preview banner in words (it printed its own template source: ${esc(t.previewBanner)})', async () => {
    await writeFile(path.join(root, 'lab.config.ts'), `export default { site: { strings: { previewBanner: 'Vorschau <b>' } } };`);
    handle = await dev({ dir: root, port: 0, output: false });
    const html = await (await fetch(handle.url)).text();
    expect(html).toContain('<div class="lk-preview-banner" role="note">Vorschau &lt;b&gt;</div>');
    expect(html).not.toContain('${');
  });

  it('refuses every path out of the content folder, and sources outside __static__', async () => {
    await linkSecret();
    let out = '';
    handle = await dev({ dir: root, port: 0, output: { write: (s: string) => (out += s) } });
    const rel = path.relative(root, path.join(outside, 'secret.txt')).split(path.sep).join('/');
    const attempts = [
      `/tutorials/pics/__static__/../../../${rel}`,
      `/__static__/../${rel}`,
      `/tutorials/pics/__static__/%2e%2e/%2e%2e/%2e%2e/${rel}`,
      `/tutorials/pics/__static__/..%2f..%2f..%2f${rel.replaceAll('/', '%2f')}`,
      `/tutorials/pics/__static__/..%5c..%5c..%5c${rel.replaceAll('/', '%5c')}`,
      `/tutorials/pics/__static__/%252e%252e/%252e%252e/${rel}`,
      `/tutorials/pics/__static__/cat.png%00.txt`,
      `/tutorials/pics/__static__/link.txt`, // a symlink pointing outside
      `/tutorials/pics/__static__/../index.md`, // a source, not an asset
      `/__static__/${'../'.repeat(12)}etc/passwd`,
    ];
    for (const attempt of attempts) {
      const res = await rawGet(handle.port, attempt);
      expect(res.body, attempt).not.toContain('TOP SECRET');
      expect(res.body, attempt).not.toContain('root:');
      expect(res.body, attempt).not.toContain('kind: tutorial');
      if (res.status === 200) expect(res.body, attempt).toContain('<html'); // at most a page (e.g. "not found")
    }
    expect((await rawGet(handle.port, '/tutorials/pics/__static__/link.txt')).status).toBe(404);
    // The refused link is reported, and its target's text is never printed as a code frame.
    expect(handle.state.diagnostics.some((d) => d.ruleId === 'lab:symlink-outside')).toBe(true);
    expect(JSON.stringify(handle.state.diagnostics)).not.toContain('TOP SECRET');
    expect(out).not.toContain('TOP SECRET');
  });

  it('takes the next port when the default one is busy', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const busy = (blocker.address() as { port: number }).port;
    try {
      handle = await dev({ dir: root, port: busy, output: false });
      expect(handle.port).toBeGreaterThan(busy);
      expect(handle.url).toBe(`http://127.0.0.1:${handle.port}/`);
      expect((await fetch(handle.url)).status).toBe(200);
    } finally {
      blocker.close();
    }
  });

  it('says which folder is missing instead of crashing', async () => {
    await expect(dev({ dir: path.join(root, 'nope'), port: 0, output: false })).rejects.toMatchObject({ code: 'ContentDirMissing' });
  });

  it('ends a burst of changes (a branch checkout) in the right state', async () => {
    handle = await dev({ dir: root, port: 0, output: false, burstThreshold: 50 });
    const settled = async (want: number) => {
      for (const start = Date.now(); Date.now() - start < 30_000; ) {
        if (handle!.state.itemCount === want) return;
        await handle!.nextUpdate({ timeoutMs: 30_000 }).catch(() => undefined);
      }
      throw new Error(`item count stuck at ${handle!.state.itemCount}, wanted ${want}`);
    };
    await Promise.all(
      Array.from({ length: 150 }, (_, i) => writeItem(root, `burst/item-${i}`, { kind: 'challenge', title: `Burst ${i}`, body: `Body ${i}` })),
    );
    await settled(151);
    const catalog = await (await fetch(handle.url)).text();
    for (const i of [0, 74, 149]) expect(catalog).toContain(`Burst ${i}`);
  });

  it('prints diagnostics with a code frame and a summary line with counts and time', async () => {
    let out = '';
    await writeFile(path.join(root, 'tutorials/pics/index.md'), '---\nkind: tutorial\ntitle: [oops\n---\nbody\n');
    handle = await dev({ dir: root, port: 0, output: { write: (s: string) => (out += s) } });
    expect(out).toContain('tutorials/pics/index.md:');
    expect(out).toMatch(/\d+ \| title: \[oops/); // the code frame around the error
    expect(out).toMatch(/> +\d+ \|/); // and its marker line
    expect(out).toMatch(/1 error · 0 warnings · loaded \d+ files? in \d+ ms/);
    out = '';
    const next = handle.nextUpdate();
    await writeItem(root, 'tutorials/pics', { kind: 'tutorial', title: 'Pictures of cats', body: 'fixed' });
    const update = await next;
    expect(update.state.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.file}:${d.span.start.line} ${d.ruleId} ${d.message}`)).toEqual([]);
    expect(out).toMatch(/0 errors · 0 warnings · 1 change, re-parsed 1 file in \d+ ms/);
  });
});

describe('terminal view and --host', () => {
  it('redraws the screen in place on a terminal', async () => {
    let out = '';
    handle = await dev({ dir: root, port: 0, output: { isTTY: true, write: (s: string) => (out += s) } });
    const next = handle.nextUpdate();
    await writeItem(root, 'tutorials/pics', { kind: 'tutorial', title: 'Pictures of dogs', body: 'dogs' });
    await next;
    const frames = out.split('\x1b[2J\x1b[3J\x1b[H').filter(Boolean).map((f) => stripVTControlCharacters(f));
    expect(frames.length).toBeGreaterThanOrEqual(2); // the load, then the update: each a full redraw
    expect(frames.at(-1)).toContain('preview http://127.0.0.1:');
    expect(frames.at(-1)).toMatch(/1 items? · 0 errors · 0 warnings · 1 change/);
  });

  it('listens on every interface with --host 0.0.0.0 and says so', async () => {
    let out = '';
    handle = await dev({ dir: root, host: '0.0.0.0', port: 0, output: { write: (s: string) => (out += s) } });
    expect(handle.host).toBe('0.0.0.0');
    expect((await fetch(`http://127.0.0.1:${handle.port}/`)).status).toBe(200);
    expect(out).toContain('exposed beyond this machine');
  });
});

describe('bad input never takes the preview down', () => {
  it('survives garbage, empty files and a folder named index.md, and still serves the other pages', async () => {
    await writeItem(root, 'tutorials/healthy', { kind: 'tutorial', title: 'Healthy tutorial', body: 'Still here.' });
    handle = await dev({ dir: root, port: 0, output: false });
    const attempts: Array<() => Promise<void>> = [
      () => writeFile(path.join(root, 'tutorials/pics/index.md'), Buffer.from([0xff, 0xfe, 0x00, 0x2d, 0x2d, 0x2d, 0x0a, 0x80, 0x81])),
      () => writeFile(path.join(root, 'tutorials/pics/index.md'), ''),
      () => writeFile(path.join(root, 'tutorials/pics/index.md'), '---\nkind: tutorial\ntitle: x\n'), // unclosed front matter
      () => writeFile(path.join(root, 'tutorials/pics/index.md'), '---\nkind: tutorial\n---\n::unknown-thing{a="b"\n:::\n```\nunclosed'),
      async () => void (await mkdir(path.join(root, 'challenges/odd/index.md'), { recursive: true })),
    ];
    for (const attempt of attempts) {
      const next = handle.nextUpdate({ timeoutMs: 20_000 });
      await attempt();
      await next;
      const healthy = await fetch(new URL('tutorials/healthy/', handle.url));
      expect(healthy.status).toBe(200);
      expect(await healthy.text()).toContain('Still here.');
      expect((await fetch(handle.url)).status).toBe(200);
    }
    // The broken item kept its last good page meanwhile.
    const pics = await fetch(new URL('tutorials/pics/', handle.url));
    expect(pics.status).toBe(200);
    expect(handle.state.diagnostics.some((d) => d.file === 'tutorials/pics/index.md' && d.severity === 'error')).toBe(true);
  });
});

describe('a git checkout of another branch', () => {
  it('ends with exactly the other branch: items added, renamed, deleted and edited at once', async () => {
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: root, stdio: 'pipe' });
    for (let i = 0; i < 40; i++) await writeItem(root, `tutorials/main-${i}`, { kind: 'tutorial', title: `Main branch item ${i}`, body: `main ${i}` });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-q', '-m', 'main');
    git('checkout', '-q', '-b', 'other');
    for (let i = 0; i < 20; i++) await rm(path.join(root, `tutorials/main-${i}`), { recursive: true });
    for (let i = 20; i < 30; i++) await rename(path.join(root, `tutorials/main-${i}`), path.join(root, `tutorials/moved-${i}`));
    for (let i = 30; i < 40; i++) await writeItem(root, `tutorials/main-${i}`, { kind: 'tutorial', title: `Main branch item ${i}`, body: `edited on other ${i}` });
    for (let i = 0; i < 60; i++) await writeItem(root, `challenges/other-${i}`, { kind: 'challenge', title: `Other branch item ${i}`, body: `other ${i}` });
    git('add', '-A');
    git('commit', '-q', '-m', 'other');
    git('checkout', '-q', 'main');

    handle = await dev({ dir: root, port: 0, output: false });
    const before = await (await fetch(handle.url)).text();
    expect(before).toContain('Main branch item 0');
    expect(before).not.toContain('Other branch item');

    git('checkout', '-q', 'other');
    // Wait for the watcher to go quiet and the state to settle.
    const want = 1 + 20 + 60; // pics + 10 moved + 10 edited + 60 new
    for (const start = Date.now(); handle.state.itemCount !== want && Date.now() - start < 60_000; ) {
      await handle.nextUpdate({ timeoutMs: 5_000 }).catch(() => undefined);
    }
    await handle.nextUpdate({ timeoutMs: 1_500 }).catch(() => undefined); // nothing more should come
    expect(handle.state.itemCount).toBe(want);
    const catalog = await (await fetch(handle.url)).text();
    for (let i = 0; i < 20; i++) expect(catalog).not.toContain(`>Main branch item ${i}<`);
    expect(catalog).toContain('Other branch item 59');
    expect((await fetch(new URL('tutorials/moved-25/', handle.url))).status).toBe(200);
    expect((await fetch(new URL('tutorials/main-5/', handle.url))).status).toBe(404);
    expect(await (await fetch(new URL('tutorials/main-35/', handle.url))).text()).toContain('edited on other 35');
    expect(handle.state.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});
