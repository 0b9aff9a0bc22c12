import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTarget } from '../src/create-target.ts';
import { publishBundle } from '../src/publish-bundle.ts';
import type { PublishTarget } from '../src/target.ts';
import { contentFromFolder, makeCourse, remove } from './fixture.ts';
import { S3_CREDENTIALS, startFaultProxy, startS3Server } from './s3-server.ts';
import type { FaultProxy, S3Server } from './s3-server.ts';

const BUCKET = 'courses';
const PREFIX = 'labs/main';
const fast = { retries: 4, baseDelayMs: 5, maxDelayMs: 20 };

let server: S3Server;
let proxy: FaultProxy;
let work: string;
let course: { content: string; site: string };
let client: S3Client;
let target: PublishTarget;

const publish = async (extra: { prune?: boolean; dryRun?: boolean } = {}) =>
  publishBundle({ target, content: await contentFromFolder(course.content), siteDir: course.site, concurrency: 4, retry: fast, ...extra });

const keys = async (): Promise<string[]> => {
  const out = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}/` }));
  return (out.Contents ?? []).map((o) => o.Key!.slice(PREFIX.length + 1)).sort();
};
const get = async (path: string): Promise<string> => {
  const out = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}/${path}` }));
  return out.Body!.transformToString();
};
const puts = () => proxy.seen.filter((r) => r.method === 'PUT').map((r) => r.path.slice(`/${BUCKET}/${PREFIX}/`.length));

beforeAll(async () => {
  server = await startS3Server([BUCKET]);
  proxy = await startFaultProxy(server.endpoint);
  work = await mkdtemp(join(tmpdir(), 'labkit-publish-s3-'));
  course = await makeCourse(work);
  client = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_CREDENTIALS });
  target = createTarget(`s3://${BUCKET}/${PREFIX}`, { endpoint: proxy.endpoint, credentials: S3_CREDENTIALS });
});

afterAll(async () => {
  target?.close();
  client?.destroy();
  await proxy?.close();
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('publish to S3-compatible storage (s3rver on loopback)', () => {
  it('dry run on an empty prefix plans every object and writes nothing', async () => {
    proxy.seen.length = 0;
    const result = await publish({ dryRun: true });
    expect(result.ok).toBe(true);
    expect(result.uploads.length).toBe(result.bundle.files.length + result.siteFiles);
    expect(result.uploads.every((u) => u.reason === 'new')).toBe(true);
    expect(result.manifest).toBe('new');
    expect(puts()).toEqual([]);
    expect(await keys()).toEqual([]);
  });

  it('first publish uploads everything, manifest last, with the right headers', async () => {
    proxy.seen.length = 0;
    const result = await publish();
    expect(result.ok, result.error?.message).toBe(true);
    const all = await keys();
    // 8 site files + model + 4 item files + manifest
    expect(all.length).toBe(14);
    expect(all).toContain('manifest.json');
    expect(all).toContain('_bundle/model.json');
    expect(all).toContain('_bundle/content/challenges/run-a-container/__static__/cover.png');
    expect(all).toContain('_astro/app.B7x9kQ2m.css');
    const order = puts();
    expect(order.length).toBe(14);
    expect(order.at(-1)).toBe('manifest.json');
    // Pages after every asset.
    const firstHtml = order.findIndex((p) => p.endsWith('.html'));
    expect(order.slice(firstHtml, -1).every((p) => p.endsWith('.html'))).toBe(true);

    const manifest = JSON.parse(await get('manifest.json'));
    expect(manifest.format).toBe('labkit-bundle/1');
    expect(manifest.items.map((i: { kind: string; name: string }) => `${i.kind}:${i.name}`)).toEqual([
      'challenge:inspect-processes',
      'challenge:run-a-container',
      'tutorial:container-basics',
    ]);
    expect(await get('manifest.json')).toBe(new TextDecoder().decode(result.bundle.manifestFile.data));

    const head = (path: string) => client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}/${path}` }));
    const css = await head('_astro/app.B7x9kQ2m.css');
    expect(css.ContentType).toBe('text/css; charset=utf-8');
    expect(css.CacheControl).toBe('public, max-age=31536000, immutable');
    expect((await head('assets/cover.3f9a2c1b.png')).CacheControl).toContain('immutable');
    const page = await head('index.html');
    expect(page.ContentType).toBe('text/html; charset=utf-8');
    expect(page.CacheControl).toBe('public, max-age=60, must-revalidate');
    const m = await head('manifest.json');
    expect(m.ContentType).toBe('application/json; charset=utf-8');
    expect(m.CacheControl).toBe('no-cache');
    expect(m.Metadata?.sha256).toBe(result.bundle.manifestFile.sha256);
    expect((await head('pagefind/pagefind.js')).CacheControl).toBe('public, max-age=300');
  });

  it('a second publish with no change uploads nothing', async () => {
    proxy.seen.length = 0;
    const result = await publish();
    expect(result.ok).toBe(true);
    expect(result.uploads).toEqual([]);
    expect(result.manifest).toBe('unchanged');
    expect(result.unchanged).toBe(13);
    expect(result.bytes).toBe(0);
    expect(puts()).toEqual([]);
  });

  it('one edited file uploads only what changed', async () => {
    await writeFile(join(course.content, 'challenges/inspect-processes/index.md'), '---\nkind: challenge\ntitle: Inspect Linux Processes\n---\n\nUse `ps aux`.\n');
    await writeFile(join(course.site, 'challenges/inspect-processes/index.html'), '<!doctype html><title>Inspect Processes</title><p>ps aux');
    proxy.seen.length = 0;
    const result = await publish();
    expect(result.ok).toBe(true);
    expect(result.uploads.map((u) => u.path).sort()).toEqual([
      '_bundle/content/challenges/inspect-processes/index.md',
      '_bundle/model.json',
      'challenges/inspect-processes/index.html',
    ]);
    expect(result.uploads.every((u) => u.reason === 'changed')).toBe(true);
    expect(result.manifest).toBe('changed');
    expect(puts().sort()).toEqual([...result.uploads.map((u) => u.path), 'manifest.json'].sort());
    expect(await get('challenges/inspect-processes/index.html')).toContain('ps aux');
  });

  it('a deleted item stays without --prune and goes with --prune', async () => {
    await remove(course.content, 'challenges/run-a-container');
    await remove(course.site, 'challenges/run-a-container');
    const gone = ['_bundle/content/challenges/run-a-container/__static__/cover.png', '_bundle/content/challenges/run-a-container/index.md', 'challenges/run-a-container/index.html'];

    const kept = await publish();
    expect(kept.ok).toBe(true);
    expect(kept.stale).toEqual(gone);
    expect(kept.deleted).toEqual([]);
    for (const path of gone) expect(await keys()).toContain(path);

    const planned = await publish({ prune: true, dryRun: true });
    expect(planned.deleted).toEqual(gone);
    for (const path of gone) expect(await keys()).toContain(path);

    const pruned = await publish({ prune: true });
    expect(pruned.ok).toBe(true);
    expect(pruned.deleted).toEqual(gone);
    const after = await keys();
    for (const path of gone) expect(after).not.toContain(path);
    const manifest = JSON.parse(await get('manifest.json'));
    expect(manifest.items.map((i: { name: string }) => i.name)).not.toContain('run-a-container');
    expect(after.length).toBe(11);
  });

  it('retries injected 500s and dropped connections, then succeeds', async () => {
    await writeFile(join(course.site, 'index.html'), '<!doctype html><title>Catalog v2</title>');
    await writeFile(join(course.site, '_astro/app.Zz9Yy8Xx.css'), 'body{margin:1px}');
    let failures = 0;
    proxy.setRule((req) => {
      if (req.method !== 'PUT') return 'forward';
      if (failures < 3) return ++failures === 2 ? 'reset' : 'error500';
      return 'forward';
    });
    proxy.seen.length = 0;
    try {
      const result = await publish();
      expect(result.ok, result.error?.message).toBe(true);
      expect(result.retries).toBe(3);
      expect(proxy.seen.filter((r) => r.outcome === 'error500').length).toBe(2);
      expect(proxy.seen.filter((r) => r.outcome === 'reset').length).toBe(1);
      expect(await get('index.html')).toContain('Catalog v2');
      expect(await get('_astro/app.Zz9Yy8Xx.css')).toBe('body{margin:1px}');
      expect(JSON.parse(await get('manifest.json')).digest).toBe(result.digest);
    } finally {
      proxy.setRule(() => 'forward');
    }
  });

  it('a failure that outlasts the retries leaves the previous manifest in place', async () => {
    const before = await get('manifest.json');
    await writeFile(join(course.site, 'tutorials/container-basics/index.html'), '<!doctype html><title>Container Basics v2</title>');
    await writeFile(join(course.content, 'tutorials/container-basics/index.md'), '---\nkind: tutorial\ntitle: Container Basics for Everyone\n---\n\nContainers are processes (v2).\n');
    proxy.setRule((req) => (req.method === 'PUT' && req.path.endsWith('/tutorials/container-basics/index.html') ? 'error500' : 'forward'));
    proxy.seen.length = 0;
    try {
      const result = await publish();
      expect(result.ok).toBe(false);
      expect(result.error?.code).toBe('SyncFailed');
      expect(result.error?.message).toContain('previous manifest.json is still in place');
      expect(result.error?.hint).toMatch(/run the same command again/);
      expect(result.failures.map((f) => f.path)).toEqual(['tutorials/container-basics/index.html']);
      // 1 try + 4 retries on the failing page; never a PUT of the manifest.
      expect(proxy.seen.filter((r) => r.outcome === 'error500').length).toBe(5);
      expect(puts()).not.toContain('manifest.json');
      expect(await get('manifest.json')).toBe(before);
    } finally {
      proxy.setRule(() => 'forward');
    }
    // The service recovers: the same command resumes, sending only what is still missing.
    proxy.seen.length = 0;
    const resumed = await publish();
    expect(resumed.ok).toBe(true);
    expect(resumed.uploads.map((u) => u.path)).toEqual(['tutorials/container-basics/index.html']);
    expect(puts()).toEqual(['tutorials/container-basics/index.html', 'manifest.json']);
    expect(await get('manifest.json')).not.toBe(before);
  });

  it('a failed --prune reports the clean-up as unfinished, with the new manifest in place', async () => {
    await remove(course.site, 'pagefind');
    proxy.setRule((req) => (req.method === 'POST' && req.query.includes('delete') ? 'error500' : 'forward'));
    proxy.seen.length = 0;
    try {
      const result = await publish({ prune: true });
      expect(result.ok).toBe(false);
      expect(result.error?.code).toBe('PruneFailed');
      expect(result.error?.message).toContain('manifest.json written');
      expect(proxy.seen.filter((r) => r.outcome === 'error500').length).toBe(5);
      expect(JSON.parse(await get('manifest.json')).digest).toBe(result.digest);
      expect(await keys()).toContain('pagefind/pagefind.js');
    } finally {
      proxy.setRule(() => 'forward');
    }
    const again = await publish({ prune: true });
    expect(again.ok).toBe(true);
    expect(again.deleted).toEqual(['pagefind/pagefind.js']);
    expect(await keys()).not.toContain('pagefind/pagefind.js');
  });

  it('refuses --prune on a prefix that holds objects but no Labkit manifest', async () => {
    const foreign = createTarget(`s3://${BUCKET}`, { endpoint: server.endpoint, credentials: S3_CREDENTIALS });
    try {
      await expect(publishBundle({ target: foreign, content: await contentFromFolder(course.content), prune: true })).rejects.toMatchObject({ code: 'PruneUnownedTarget' });
    } finally {
      foreign.close();
    }
    expect((await keys()).length).toBeGreaterThan(0);
  });

  it('names a missing bucket with a hint', async () => {
    const missing = createTarget('s3://no-such-bucket/x', { endpoint: server.endpoint, credentials: S3_CREDENTIALS });
    try {
      await expect(publishBundle({ target: missing, content: await contentFromFolder(course.content), retry: fast })).rejects.toMatchObject({ code: 'NoSuchBucket' });
    } finally {
      missing.close();
    }
  });
});

describe('listing past one page (ListObjectsV2 pagination)', () => {
  it('knows every object of a 1,100-file publish, so a rerun uploads nothing', async () => {
    const site = join(work, 'big-site');
    const files: Record<string, string> = {};
    for (let i = 0; i < 1100; i++) files[`p/${i % 20}/page-${i}.html`] = `<p>${i}`;
    const { write } = await import('./fixture.ts');
    await write(site, files);
    const big = createTarget(`s3://${BUCKET}/big`, { endpoint: server.endpoint, credentials: S3_CREDENTIALS });
    try {
      const content = { items: [], model: {} };
      const first = await publishBundle({ target: big, content, siteDir: site, concurrency: 16, retry: fast });
      expect(first.ok, first.error?.message).toBe(true);
      expect(first.uploads.length).toBe(1101);
      const again = await publishBundle({ target: big, content, siteDir: site, concurrency: 16, retry: fast, prune: true });
      expect(again.ok, again.error?.message).toBe(true);
      expect(again.uploads).toEqual([]);
      expect(again.unchanged).toBe(1101);
      expect(again.stale).toEqual([]);
    } finally {
      big.close();
    }
  }, 180_000);
});
