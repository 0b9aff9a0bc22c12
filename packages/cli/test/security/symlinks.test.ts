// Finding 3 of issue 11: a symlink in content (to ~/.aws/credentials,
// /proc/self/environ) used to be read by lab build / lab publish and end up
// in the public bundle; a symlinked folder crashed publish with EISDIR.
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleInputFromGraph, loadContent } from '@labkit/sdk';
import { collectAssets, siteContentFromGraph } from '@labkit/site';
import { createTarget, publish, publishBundle } from '@labkit/publish';
import { S3_CREDENTIALS, startS3Server, type S3Server } from '../../../publish/test/s3-server.ts';
import { lab } from '../helpers.ts';

const SECRET = `aws_secret_access_key = ${randomUUID()}`;
const INDEX = '---\nkind: tutorial\ntitle: Linked Files Tutorial\ndescription: Symlinks.\ncategories: [linux]\ncreatedAt: 2026-01-01\n---\n\n![Diagram](__static__/diagram.png)\n\n![Creds](__static__/credentials.png)\n';
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

let work: string;
let content: string;

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])) if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out;
}

async function containsSecret(dir: string): Promise<string[]> {
  const hits: string[] = [];
  for (const f of await files(dir)) if ((await readFile(f)).includes(SECRET)) hits.push(f);
  return hits;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'labkit-sec-links-'));
  const home = join(work, 'home/.aws');
  await mkdir(home, { recursive: true });
  await writeFile(join(home, 'credentials'), `[default]\n${SECRET}\n`);
  content = join(work, 'content');
  const item = join(content, 'tutorials/linked');
  await mkdir(join(item, '__static__'), { recursive: true });
  await writeFile(join(item, 'index.md'), INDEX);
  await writeFile(join(item, '__static__/diagram.png'), PNG);
  await symlink(join(home, 'credentials'), join(item, '__static__/credentials.png'));
  await symlink('/proc/self/environ', join(item, '__static__/environ.txt'));
  await symlink(home, join(item, 'aws')); // a folder outside
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('symlinks that leave the content folder', () => {
  it('are a positioned lab validate error that never prints the target', async () => {
    const r = await lab(['validate', content, '--format', 'json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { diagnostics?: Array<{ ruleId: string; file: string; span: { start: { line: number } } }> } | Array<{ ruleId: string; file: string }>;
    const list = (Array.isArray(out) ? out : out.diagnostics ?? []) as Array<{ ruleId: string; file: string }>;
    expect(list.filter((d) => d.ruleId === 'lab:symlink-outside').map((d) => d.file).sort()).toEqual([
      'tutorials/linked/__static__/credentials.png',
      'tutorials/linked/__static__/environ.txt',
      'tutorials/linked/aws',
    ]);
    const pretty = await lab(['validate', content]);
    expect(pretty.stdout).toContain('tutorials/linked/__static__/credentials.png:1:1');
    expect(pretty.stdout + pretty.stderr).not.toContain(SECRET);
  }, 60_000);

  it('lab publish stops at validation and writes nothing', async () => {
    const out = join(work, 'public-refused');
    await expect(publish({ dir: content, to: out })).rejects.toMatchObject({ code: 'ValidationFailed' });
    expect(await files(out)).toEqual([]);
  }, 120_000);

  it('even past the validation gate, the bundle, the site assets and both targets never hold the bytes', async () => {
    const graph = await loadContent(content);
    expect(graph.files.has('tutorials/linked/__static__/credentials.png')).toBe(false);
    const input = await bundleInputFromGraph(graph);
    const bundled = input.items.flatMap((i) => i.files);
    expect(bundled.map((f) => f.path).sort()).toEqual(['__static__/diagram.png', 'index.md']);
    expect(bundled.some((f) => Buffer.from(f.data).includes(SECRET))).toBe(false);

    const site = siteContentFromGraph(graph);
    const assets = await collectAssets(site.items, site.root);
    expect([...assets.keys()].map((k) => k.slice(content.length + 1)).sort()).toEqual(['tutorials/linked/__static__/diagram.png']);

    // DirectoryTarget
    const dirOut = join(work, 'public-forced');
    const dirTarget = createTarget(dirOut);
    try {
      const result = await publishBundle({ target: dirTarget, content: input });
      expect(result.ok).toBe(true);
    } finally {
      dirTarget.close();
    }
    expect((await files(dirOut)).length).toBeGreaterThan(2);
    expect(await containsSecret(dirOut)).toEqual([]);

    // S3 (s3rver on loopback): every stored object read back.
    let server: S3Server | undefined;
    const client = () => new S3Client({ endpoint: server!.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_CREDENTIALS });
    try {
      server = await startS3Server(['courses']);
      const target = createTarget('s3://courses/labs', { endpoint: server.endpoint, credentials: S3_CREDENTIALS });
      try {
        expect((await publishBundle({ target, content: input })).ok).toBe(true);
      } finally {
        target.close();
      }
      const s3 = client();
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'courses', Prefix: 'labs/' }));
      const keys = (listed.Contents ?? []).map((o) => o.Key!);
      expect(keys.length).toBeGreaterThan(2);
      for (const key of keys) {
        const body = await (await s3.send(new GetObjectCommand({ Bucket: 'courses', Key: key }))).Body!.transformToByteArray();
        expect(Buffer.from(body).includes(SECRET), key).toBe(false);
      }
      s3.destroy();
    } finally {
      await server?.close();
    }
  }, 120_000);

  it('a symlinked folder and file inside the content folder publish (no EISDIR), site included', async () => {
    const root = join(work, 'inside');
    const item = join(root, 'tutorials/linked');
    await mkdir(join(root, 'shared'), { recursive: true });
    await writeFile(join(root, 'shared/credentials.png'), PNG);
    await writeFile(join(root, 'shared/diagram.png'), PNG);
    await mkdir(item, { recursive: true });
    await writeFile(join(item, 'index.md'), INDEX);
    await symlink('../../shared', join(item, '__static__'));
    await symlink('__static__', join(item, 'images')); // a folder link to a folder link
    await symlink('.', join(item, 'loop')); // a loop ends
    const out = join(work, 'public-inside');
    // The real CLI: it runs the real validate, site build and bundle stages.
    const r = await lab(['publish', root, '--to', out]);
    expect(r.stderr).not.toContain('EISDIR');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const written = (await files(out)).map((f) => f.slice(out.length + 1));
    expect(written.filter((w) => w.startsWith('_bundle/') && w.endsWith('/__static__/diagram.png'))).toHaveLength(1);
    expect(written.some((w) => /^_assets\/diagram\.[0-9a-f]+\.png$/.test(w))).toBe(true);
  }, 240_000);
});
