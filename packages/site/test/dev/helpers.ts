import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

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
