import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { dev } from '../../src/dev/index.ts';
import { useTempContent } from './helpers.ts';

/**
 * A plain Markdown link to a `__static__` file points at a URL lab dev
 * really serves (the same renderer and asset table as lab build), where it
 * used to keep `__static__/…` relative to the page and 404.
 */
const content = useTempContent(
  { 'tutorials/files': { kind: 'tutorial', title: 'Files to download', body: 'Get [the setup script](__static__/setup.sh) and [the same, dotted](./__static__/setup.sh?v=2).' } },
  'lab-dev-links-',
);

beforeEach(async () => {
  await mkdir(path.join(content.root, 'tutorials/files/__static__'), { recursive: true });
  await writeFile(path.join(content.root, 'tutorials/files/__static__/setup.sh'), '#!/bin/sh\necho from static\n');
});

describe('lab dev: links to __static__ files', () => {
  it('point at the served copy of the file', async () => {
    const handle = content.own(await dev({ dir: content.root, port: 0, output: false }));
    const page = new URL('tutorials/files/', handle.url);
    const html = await (await fetch(page)).text();
    const hrefs = [...html.matchAll(/<a href="([^"]+)">the (?:setup script|same, dotted)<\/a>/g)].map((m) => m[1]!.replaceAll('&#x26;', '&').replaceAll('&amp;', '&'));
    expect(hrefs).toHaveLength(2);
    for (const href of hrefs) {
      expect(href).not.toMatch(/^(?:\.\/)?__static__/);
      const res = await fetch(new URL(href, page));
      expect(res.status, href).toBe(200);
      await expect(res.text()).resolves.toContain('echo from static');
    }
    expect(hrefs[1]).toMatch(/\?v=2$/);
  });
});
