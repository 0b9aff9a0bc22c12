// Finding 10 of issue 11 (publish side): object storage cannot hold a CSP, so
// a published SVG carries Content-Disposition: attachment (opened on its own
// it downloads instead of rendering on the site's origin; <img> ignores it).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentDispositionFor } from '../../src/content-headers.ts';
import { createTarget } from '../../src/create-target.ts';
import { publishBundle } from '../../src/publish-bundle.ts';
import { write } from '../fixture.ts';
import { S3_CREDENTIALS, startS3Server, type S3Server } from '../s3-server.ts';

let server: S3Server;
let work: string;

beforeAll(async () => {
  server = await startS3Server(['site']);
  work = await mkdtemp(join(tmpdir(), 'labkit-sec-svg-publish-'));
});
afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('published SVGs', () => {
  it('are stored with Content-Disposition: attachment and their type; other files are not', async () => {
    const site = join(work, 'site');
    await write(site, { 'index.html': '<!doctype html><img src="_assets/d.1a2b3c4d5e.svg">', '_assets/d.1a2b3c4d5e.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>', 'favicon.SVG': '<svg/>' });
    const target = createTarget('s3://site/p', { endpoint: server.endpoint, credentials: S3_CREDENTIALS });
    try {
      expect((await publishBundle({ target, content: { items: [], model: { items: [] } }, siteDir: site })).ok).toBe(true);
    } finally {
      target.close();
    }
    const s3 = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_CREDENTIALS });
    try {
      const head = (key: string) => s3.send(new HeadObjectCommand({ Bucket: 'site', Key: `p/${key}` }));
      const svg = await head('_assets/d.1a2b3c4d5e.svg');
      expect(svg.ContentType).toBe('image/svg+xml');
      expect(svg.ContentDisposition).toBe('attachment');
      expect((await head('favicon.SVG')).ContentDisposition).toBe('attachment');
      expect((await head('index.html')).ContentDisposition).toBeUndefined();
    } finally {
      s3.destroy();
    }
    expect(contentDispositionFor('a/b.png')).toBeUndefined();
  }, 60_000);
});
