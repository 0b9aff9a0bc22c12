// End to end: the real `lab publish` process over the iximiuz samples:
// real loader, real site build, real S3-compatible server, credentials from
// the usual AWS environment variables.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { S3_CREDENTIALS, startS3Server } from '../../../publish/test/s3-server.ts';
import type { S3Server } from '../../../publish/test/s3-server.ts';
import { corpusPath, describeCorpus, hasCorpus } from '../../../../test-support/corpus.ts';

const repoRoot = resolve(import.meta.dirname, '../../../..');
const lab = join(repoRoot, 'packages/cli/bin/lab.js');
const samples = corpusPath('iximiuz-samples');

let server: S3Server;
let work: string;
let content: string;

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [lab, ...args], {
      cwd: work,
      env: { PATH: process.env.PATH ?? '', HOME: work, NO_COLOR: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}

const awsEnv = () => ({
  AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
  AWS_REGION: 'us-east-1',
  AWS_ENDPOINT_URL_S3: server.endpoint,
});

beforeAll(async () => {
  if (!hasCorpus) return;
  server = await startS3Server(['site']);
  work = await mkdtemp(join(tmpdir(), 'labkit-publish-cli-'));
  content = join(work, 'content');
  await cp(samples, content, { recursive: true, filter: (src) => !src.includes('format-reference') });
});

afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describeCorpus('lab publish (process, real build, s3rver)', () => {
  it('validates, builds and publishes to s3:// with credentials from the environment; a rerun uploads nothing', async () => {
    const first = await run(['publish', content, '--to', 's3://site/courses', '--format', 'json'], awsEnv());
    expect(first.code, first.stderr).toBe(0);
    const r1 = JSON.parse(first.stdout);
    expect(r1.ok).toBe(true);
    expect(r1.stages).toEqual({ validated: true, built: true, tested: false });
    expect(r1.items).toBe(3);
    expect(r1.siteFiles).toBeGreaterThan(10);
    // Site files + model.json + 22 item files (documents and __static__ images).
    expect(r1.uploads.length).toBe(r1.siteFiles + 1 + 22);
    expect(r1.manifest).toBe('new');

    const client = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_CREDENTIALS });
    try {
      const manifest = JSON.parse(await (await client.send(new GetObjectCommand({ Bucket: 'site', Key: 'courses/manifest.json' }))).Body!.transformToString());
      expect(manifest.digest).toBe(r1.digest);
      expect(manifest.items.map((i: { name: string }) => i.name)).toEqual(['sample-challenge', 'sample-skill-path', 'sample-tutorial']);
      expect(manifest.site.files.map((f: { path: string }) => f.path)).toContain('index.html');
      const page = await client.send(new HeadObjectCommand({ Bucket: 'site', Key: 'courses/index.html' }));
      expect(page.ContentType).toBe('text/html; charset=utf-8');
      const css = manifest.site.files.find((f: { path: string }) => f.path.endsWith('.css') && f.path.startsWith('_lk/'));
      expect((await client.send(new HeadObjectCommand({ Bucket: 'site', Key: `courses/${css.path}` }))).CacheControl).toContain('immutable');
    } finally {
      client.destroy();
    }

    // Same commit, built again: the site and the bundle are byte-identical, so nothing moves.
    const second = await run(['publish', content, '--to', 's3://site/courses', '--format', 'json'], awsEnv());
    expect(second.code, second.stderr).toBe(0);
    const r2 = JSON.parse(second.stdout);
    expect(r2.uploads, JSON.stringify(r2.uploads)).toEqual([]);
    expect(r2.manifest).toBe('unchanged');
    expect(r2.digest).toBe(r1.digest);
  }, 180_000);

  it('--dry-run prints the plan for an edit and writes nothing', async () => {
    const index = join(content, 'sample-tutorial/index.md');
    await writeFile(index, (await readFile(index, 'utf8')) + '\nOne more paragraph for the dry run.\n');
    const dry = await run(['publish', content, '--to', 's3://site/courses', '--dry-run'], awsEnv());
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('dry run, nothing written');
    expect(dry.stdout).toMatch(/~ _bundle\/content\/sample-tutorial\/index\.md/);
    expect(dry.stdout).toMatch(/~ tutorials\/sample-tutorial\/index\.html|~ .*sample-tutorial.*\.html/);
    const after = await run(['publish', content, '--to', 's3://site/courses', '--dry-run', '--format', 'json'], awsEnv());
    expect(JSON.parse(after.stdout).uploads.length).toBeGreaterThan(0);
  }, 180_000);

  it('refuses to publish content with errors, exit 1, nothing written', async () => {
    const broken = join(work, 'broken');
    await cp(content, broken, { recursive: true });
    const index = join(broken, 'sample-challenge/index.md');
    await writeFile(index, (await readFile(index, 'utf8')).replace(/^kind: challenge$/m, 'kind: challange'));
    const out = join(work, 'never');
    const result = await run(['publish', broken, '--to', out, '--format', 'json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).error.code).toBe('ValidationFailed');
    expect(result.stderr).toContain('sample-challenge/index.md');
    await expect(readFile(join(out, 'manifest.json'))).rejects.toThrow();
  }, 180_000);

  it('a bad --to or missing credentials fail with a hint', async () => {
    const bad = await run(['publish', content, '--to', 'ftp://example/x']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('BadTarget');
    expect(bad.stderr).toContain('hint:');

    const missingSite = await run(['publish', content, '--to', join(work, 'out'), '--site', join(work, 'missing-site')]);
    expect(missingSite.code).toBe(1);
    expect(missingSite.stderr).toContain('SiteNotFound');

    const site = join(work, 'prebuilt');
    await cp(join(content, 'sample-tutorial/__static__'), site, { recursive: true });
    const noCreds = await run(['publish', content, '--to', 's3://site/x', '--site', site], { AWS_ENDPOINT_URL_S3: server.endpoint, AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' });
    expect(noCreds.code).toBe(1);
    expect(noCreds.stderr).toContain('MissingCredentials');
    expect(noCreds.stderr).toContain('AWS_ACCESS_KEY_ID');

    // AWS itself (no endpoint) with no region anywhere: say so, rather than a stack trace.
    const noRegion = await run(['publish', content, '--to', 's3://site/x', '--site', site], { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_EC2_METADATA_DISABLED: 'true' });
    expect(noRegion.code).toBe(1);
    expect(noRegion.stderr).toContain('MissingRegion');
    expect(noRegion.stderr).toContain('AWS_REGION');
  }, 180_000);
});
