import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';

export { launchChromium } from '../helpers.ts';

export interface ItemSpec {
  kind: 'tutorial' | 'challenge';
  title: string;
  body: string;
}

/** Front matter + body of one item in the iximiuz format. */
export function itemSource({ kind, title, body }: ItemSpec): string {
  return [
    '---',
    `kind: ${kind}`,
    '',
    `title: ${JSON.stringify(title)}`,
    '',
    'description: |',
    `  A ${kind} used by the lab dev tests.`,
    '',
    'categories:',
    '  - linux',
    '',
    'tagz:',
    '  - testing',
    '',
    ...(kind === 'challenge' ? ['difficulty: easy', ''] : []),
    'createdAt: 2026-01-01',
    'updatedAt: 2026-01-02',
    '---',
    '',
    body,
    '',
  ].join('\n');
}

export async function writeItem(root: string, rel: string, spec: ItemSpec): Promise<string> {
  const file = path.join(root, rel, 'index.md');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, itemSource(spec));
  return file;
}

export async function tempContent(prefix = 'lab-dev-'): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(path.join(tmpdir(), prefix));
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** What `useTempContent()` gives a test file; `root` is a new folder for each test. */
export interface TempContent {
  readonly root: string;
  /** Closes `handle` (a lab dev server, a watcher) after the test, before the folder goes. */
  own<T extends { close(): Promise<unknown> }>(handle: T): T;
}

/**
 * A temp content folder for each test, with `items` (folder relative to the
 * root -> item) written in it, removed after the test; what the test handed
 * to `own()` is closed first, even when the test failed.
 */
export function useTempContent(items: Record<string, ItemSpec> = {}, prefix?: string): TempContent {
  let root: string | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  let owned: Array<{ close(): Promise<unknown> }> = [];
  beforeEach(async () => {
    ({ root, cleanup } = await tempContent(prefix));
    for (const [rel, spec] of Object.entries(items)) await writeItem(root, rel, spec);
  });
  afterEach(async () => {
    const closing = owned.reverse();
    owned = [];
    for (const handle of closing) await handle.close();
    await cleanup?.();
    root = cleanup = undefined;
  });
  return {
    get root() {
      if (root === undefined) throw new Error('useTempContent(): the folder exists only inside a test');
      return root;
    },
    own(handle) {
      owned.push(handle);
      return handle;
    },
  };
}
