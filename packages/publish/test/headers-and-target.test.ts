import { describe, expect, it } from 'vitest';
import { cacheControlFor, isContentHashed } from '../src/content-headers.ts';
import { withRetry } from '../src/retry.ts';
import { parseTarget } from '../src/target.ts';

describe('content headers', () => {
  it('calls names the site build and Pagefind hash immutable, and plain names not', () => {
    for (const p of ['_lk/site.126e279e4d.css', '_assets/cover.ff23281492.png', '_astro/index.B7x9kQ2m.js', 'pagefind/fragment/en_a94c2b8.pf_fragment', 'pagefind/index/en_f75da8e.pf_index', 'img/logo.B7x9kQ2m.svg']) {
      expect(isContentHashed(p), p).toBe(true);
      expect(cacheControlFor(p)).toBe('public, max-age=31536000, immutable');
    }
    for (const p of ['pagefind/pagefind.js', 'setup-ubuntu2204.sh', 'shot-20250101.png', 'docker-compose.yaml', 'favicon.svg', 'images/abcdefgh.png', '_bundle/model.json']) {
      expect(isContentHashed(p), p).toBe(false);
    }
  });

  it('keeps pages, the bundle and the manifest short-lived', () => {
    expect(cacheControlFor('index.html')).toBe('public, max-age=60, must-revalidate');
    expect(cacheControlFor('tutorials/x/index.html')).toBe('public, max-age=60, must-revalidate');
    expect(cacheControlFor('_bundle/content/challenges/x/__static__/a.3f9a2c1b.png')).toBe('public, max-age=60, must-revalidate');
    expect(cacheControlFor('manifest.json')).toBe('no-cache');
    expect(cacheControlFor('pagefind/pagefind.js')).toBe('public, max-age=300');
  });
});

describe('parseTarget', () => {
  it('reads s3 URLs, file URLs and paths', () => {
    expect(parseTarget('s3://my-bucket/a/b/')).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: 'a/b' });
    expect(parseTarget('s3://my-bucket')).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: '' });
    expect(parseTarget('file:///srv/site')).toEqual({ kind: 'directory', path: '/srv/site' });
    expect(parseTarget('public', '/work/x')).toEqual({ kind: 'directory', path: '/work/x/public' });
  });

  it('refuses what it cannot publish to, with a hint', () => {
    expect(() => parseTarget('s3://My_Bucket/x')).toThrow(/not a valid bucket name/);
    expect(() => parseTarget('s3://bucket/a/../b')).toThrow(/"\.\."/);
    expect(() => parseTarget('gs://bucket/x')).toThrow(/scheme/);
  });
});

describe('withRetry', () => {
  it('retries retryable errors up to the limit, and not others', async () => {
    let calls = 0;
    const seen: number[] = [];
    await expect(
      withRetry(async () => {
        calls++;
        throw Object.assign(new Error('boom'), { retry: true });
      }, (e) => (e as { retry?: boolean }).retry === true, { retries: 3, baseDelayMs: 1 }, (_e, n) => seen.push(n)),
    ).rejects.toThrow('boom');
    expect(calls).toBe(4);
    expect(seen).toEqual([1, 2, 3]);

    calls = 0;
    await expect(withRetry(async () => { calls++; throw new Error('fatal'); }, () => false, { baseDelayMs: 1 })).rejects.toThrow('fatal');
    expect(calls).toBe(1);

    calls = 0;
    expect(await withRetry(async () => (++calls < 3 ? Promise.reject(new Error('x')) : 'ok'), () => true, { baseDelayMs: 1 })).toBe('ok');
    expect(calls).toBe(3);
  });
});
