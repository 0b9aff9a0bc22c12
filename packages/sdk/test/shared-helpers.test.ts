// The small helpers the packages share (one copy each, in the SDK).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contentTypeFor, readIfExists, resolvePosix, shQuote } from '@labkit/sdk';
import { spawnSync } from 'node:child_process';

const work = mkdtempSync(join(tmpdir(), 'labkit-helpers-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('contentTypeFor', () => {
  it('answers from mrmime, with charset on text and the lab-site overrides', () => {
    expect(contentTypeFor('a/index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeFor('x.CSS')).toBe('text/css; charset=utf-8');
    expect(contentTypeFor('x.mjs')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor('manifest.json')).toBe('application/json; charset=utf-8');
    expect(contentTypeFor('index.md')).toBe('text/markdown; charset=utf-8');
    expect(contentTypeFor('site.webmanifest')).toBe('application/manifest+json; charset=utf-8');
    expect(contentTypeFor('feed.xml')).toBe('application/xml; charset=utf-8');
    expect(contentTypeFor('cover.PNG')).toBe('image/png');
    expect(contentTypeFor('favicon.ico')).toBe('image/x-icon');
    expect(contentTypeFor('font.woff2')).toBe('font/woff2');
    // A content file, not an MPEG transport stream (mime-db's answer).
    expect(contentTypeFor('intro.lab.ts')).toBe('text/plain; charset=utf-8');
    expect(contentTypeFor('setup.sh')).toBe('text/plain; charset=utf-8');
    expect(contentTypeFor('wasm.en.pagefind')).toBe('application/octet-stream');
    expect(contentTypeFor('Makefile')).toBe('application/octet-stream');
  });
});

describe('resolvePosix', () => {
  it('resolves . and .. inside the root and refuses to leave it', () => {
    expect(resolvePosix('a/b', '../c.md')).toBe('a/c.md');
    expect(resolvePosix('', './x/./y.md')).toBe('x/y.md');
    expect(resolvePosix('a', '../../etc/passwd')).toBeUndefined();
  });
});

describe('readIfExists', () => {
  it('reads a file, is undefined for a missing one, and throws on anything else', () => {
    writeFileSync(join(work, 'f.txt'), 'hi');
    mkdirSync(join(work, 'folder'));
    expect(readIfExists(join(work, 'f.txt'))).toBe('hi');
    expect(readIfExists(join(work, 'nope.txt'))).toBeUndefined();
    expect(readIfExists(join(work, 'f.txt', 'below'))).toBeUndefined(); // ENOTDIR
    // Was "missing" before: an unreadable path is an error the user must see.
    expect(() => readIfExists(join(work, 'folder'))).toThrow(/EISDIR/);
  });
});

describe('shQuote', () => {
  it('quotes any text for sh exactly', () => {
    for (const text of ["it's", '$(rm -rf /)', 'a\nb', '', "'''"]) {
      const r = spawnSync('sh', ['-c', `printf %s ${shQuote(text)}`], { encoding: 'utf8' });
      expect(r.stdout).toBe(text);
    }
  });
});
