import { cp, readdir, readFile, rm, mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTarget } from '../src/create-target.ts';
import { publishBundle } from '../src/publish-bundle.ts';
import { publish as publishCommand } from '../src/publish.ts';
import { contentFromFolder, makeCourse, remove } from './fixture.ts';
import { loaderStats } from '../../sdk/src/graph/loader.ts';

let work: string;
let course: { content: string; site: string };
let out: string;

const publish = async (extra: { prune?: boolean; dryRun?: boolean; to?: string } = {}) => {
  const target = createTarget(extra.to ?? out);
  try {
    return await publishBundle({ target, content: await contentFromFolder(course.content), siteDir: course.site, retry: { baseDelayMs: 1 }, ...extra });
  } finally {
    target.close();
  }
};

async function tree(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, rel), { withFileTypes: true }).catch(() => [])) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(`${p}/`, ...(await tree(dir, p)));
    else out.push(p);
  }
  return out.sort();
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'labkit-publish-dir-'));
  course = await makeCourse(work);
  out = join(work, 'public');
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('publish to a local folder', () => {
  it('first publish writes every file, given as a file:// URL', async () => {
    const result = await publish({ to: pathToFileURL(out).href });
    expect(result.ok).toBe(true);
    expect(result.target).toBe(pathToFileURL(out).href);
    const files = (await tree(out)).filter((p) => !p.endsWith('/'));
    expect(files.length).toBe(14);
    expect(files.some((p) => p.includes('.labkit-tmp-'))).toBe(false);
    expect(await readFile(join(out, 'manifest.json'))).toEqual(Buffer.from(result.bundle.manifestFile.data));
    expect(await readFile(join(out, '_astro/app.B7x9kQ2m.css'), 'utf8')).toBe('body{margin:0}');
  });

  it('a second publish writes nothing; an edit writes only what changed', async () => {
    const again = await publish();
    expect(again.uploads).toEqual([]);
    expect(again.manifest).toBe('unchanged');

    await writeFile(join(course.site, '_astro/page.Cd3eF4gH.js'), 'console.log(2)');
    const edited = await publish();
    expect(edited.uploads.map((u) => u.path)).toEqual(['_astro/page.Cd3eF4gH.js']);
    expect(edited.manifest).toBe('changed');
    expect(await readFile(join(out, '_astro/page.Cd3eF4gH.js'), 'utf8')).toBe('console.log(2)');
  });

  it('notices a published file changed behind its back (same size, other bytes)', async () => {
    await writeFile(join(out, 'pagefind/pagefind.js'), 'export []');
    const result = await publish();
    expect(result.uploads).toEqual([{ path: 'pagefind/pagefind.js', reason: 'changed', size: 9 }]);
    expect(await readFile(join(out, 'pagefind/pagefind.js'), 'utf8')).toBe('export {}');
  });

  it('--prune removes a deleted item and its emptied folders', async () => {
    await remove(course.content, 'tutorials/container-basics');
    await remove(course.site, 'tutorials');
    const kept = await publish();
    expect(kept.stale).toEqual(['_bundle/content/tutorials/container-basics/index.md', 'tutorials/container-basics/index.html']);
    expect(await tree(out)).toContain('tutorials/container-basics/index.html');
    const pruned = await publish({ prune: true });
    expect(pruned.deleted).toEqual(kept.stale);
    const after = await tree(out);
    expect(after.filter((p) => p.startsWith('tutorials') || p.startsWith('_bundle/content/tutorials'))).toEqual([]);
  });

  it('a write that fails leaves the previous manifest in place', async () => {
    const before = await readFile(join(out, 'manifest.json'));
    // A file where a folder must go: a permanent error, like a full or broken disk.
    await mkdir(join(course.site, 'blocked'), { recursive: true });
    await writeFile(join(course.site, 'blocked/page.html'), '<p>new');
    await writeFile(join(out, 'blocked'), 'not a folder');
    const result = await publish();
    expect(result.ok).toBe(false);
    expect(result.failures.map((f) => f.path)).toEqual(['blocked/page.html']);
    expect(result.error?.code).toBe('SyncFailed');
    expect(await readFile(join(out, 'manifest.json'))).toEqual(before);
    await rm(join(course.site, 'blocked'), { recursive: true });
  });

  it('refuses --prune into a folder it never published to', async () => {
    const foreign = join(work, 'someone-elses');
    await mkdir(foreign);
    await writeFile(join(foreign, 'precious.txt'), 'keep me');
    await expect(publish({ to: foreign, prune: true })).rejects.toMatchObject({ code: 'PruneUnownedTarget' });
    expect(await readFile(join(foreign, 'precious.txt'), 'utf8')).toBe('keep me');
  });

  it('validates, builds and bundles from one load of the content folder (one graph)', async () => {
    const content = join(work, 'one-graph');
    const examples = join(import.meta.dirname, '../../../examples');
    await cp(join(examples, 'tutorials'), join(content, 'tutorials'), { recursive: true });
    await cp(join(examples, 'challenges/stop-a-runaway-process'), join(content, 'challenges/stop-a-runaway-process'), { recursive: true });
    const loads = loaderStats.folderLoads;
    const out = join(work, 'one-graph-out');
    const result = await publishCommand({ dir: content, to: out });
    expect(result.ok, result.error?.message).toBe(true);
    expect(result.stages).toMatchObject({ validated: true, built: true });
    expect(loaderStats.folderLoads - loads).toBe(1);
    expect(JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')).items.length).toBeGreaterThan(0);
  }, 300_000);

  it('refuses a folder inside the content folder, which the next run would read as content', async () => {
    for (const to of [join(course.content, 'public'), course.content]) {
      await expect(publishCommand({ dir: course.content, to, site: course.site })).rejects.toMatchObject({ code: 'BadTarget', message: expect.stringContaining('inside the content folder') });
    }
  });
});
