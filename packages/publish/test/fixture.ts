// A small course on disk (content items and a built site) that tests edit
// between publishes. The bundle input is made straight from the files here
// so the sync tests do not depend on the content loader; the loader's
// path to the bundle has its own end-to-end test.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BundleInput, BundleSourceItem } from '@labkit/sdk';

// A 1x1 PNG, so binary files go through the same path as text.
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

export async function write(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [path, data] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), data);
  }
}

export async function makeCourse(root: string): Promise<{ content: string; site: string }> {
  const content = join(root, 'content');
  const site = join(root, 'site');
  await write(content, {
    'challenges/run-a-container/index.md': '---\nkind: challenge\ntitle: Run a Container With Docker\n---\n\nRun `docker run`.\n',
    'challenges/run-a-container/__static__/cover.png': PNG,
    'challenges/inspect-processes/index.md': '---\nkind: challenge\ntitle: Inspect Linux Processes\n---\n\nUse `ps`.\n',
    'tutorials/container-basics/index.md': '---\nkind: tutorial\ntitle: Container Basics for Everyone\n---\n\nContainers are processes.\n',
  });
  await write(site, {
    'index.html': '<!doctype html><title>Catalog</title><link rel="stylesheet" href="/_astro/app.B7x9kQ2m.css">',
    'challenges/run-a-container/index.html': '<!doctype html><title>Run a Container</title>',
    'challenges/inspect-processes/index.html': '<!doctype html><title>Inspect Processes</title>',
    'tutorials/container-basics/index.html': '<!doctype html><title>Container Basics</title>',
    '_astro/app.B7x9kQ2m.css': 'body{margin:0}',
    '_astro/page.Cd3eF4gH.js': 'console.log(1)',
    'assets/cover.3f9a2c1b.png': PNG,
    'pagefind/pagefind.js': 'export {}',
  });
  return { content, site };
}

/** Reads `<kinds>/<name>/**` folders into bundle items, with a simple model. */
export async function contentFromFolder(dir: string): Promise<Omit<BundleInput, 'site'>> {
  const items: BundleSourceItem[] = [];
  for (const group of (await readdir(dir)).sort()) {
    for (const name of (await readdir(join(dir, group))).sort()) {
      const files = await listFiles(join(dir, group, name));
      const index = (await readFile(join(dir, group, name, 'index.md'), 'utf8'));
      const kind = /kind: (\S+)/.exec(index)![1]!;
      const title = /title: (.+)/.exec(index)![1]!;
      items.push({
        kind,
        name,
        title,
        path: `${group}/${name}`,
        files: await Promise.all(files.map(async (f) => ({ path: f, data: await readFile(join(dir, group, name, f)) }))),
      });
    }
  }
  const model = { items: await Promise.all(items.map(async (i) => ({ kind: i.kind, name: i.name, title: i.title, body: await readFile(join(dir, i.path, 'index.md'), 'utf8') }))) };
  return { items, model };
}

async function listFiles(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, path)));
    else out.push(path);
  }
  return out;
}

export async function remove(root: string, path: string): Promise<void> {
  await rm(join(root, path), { recursive: true, force: true });
}
