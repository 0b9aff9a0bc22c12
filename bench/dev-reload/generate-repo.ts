import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The line each benchmark edit rewrites; `marker(i, v)` is unique per item and version. */
export const marker = (i: number, version: string) => `Edit marker ${i} ${version}.`;

/** Folder of item `i`, relative to the content root. */
export const itemDir = (i: number) => (i % 3 === 0 ? `challenges/challenge-${i}` : `tutorials/tutorial-${i}`);

/**
 * Writes a content repo of `count` items in the iximiuz format: front
 * matter, several sections, shell and YAML code fences (Shiki work), and
 * components (hint-box, details-box, remark-box), so a page costs what a
 * real one does to parse and render.
 */
export async function generateRepo(root: string, count: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const dir = path.join(root, itemDir(i));
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'index.md'), itemSource(i, 'v0'));
    }),
  );
}

export function itemSource(i: number, version: string): string {
  const kind = i % 3 === 0 ? 'challenge' : 'tutorial';
  const sections = Array.from({ length: 4 }, (_, s) =>
    [
      `## Step ${s + 1} of item ${i}`,
      '',
      `Containers are processes with a restricted view of the system. In step ${s + 1} we look at namespaces, cgroups and the image file system, then check what the kernel sees.`,
      '',
      '```sh',
      `docker run -d --name web-${i}-${s} -p 80${s}0:80 nginx:alpine`,
      `docker inspect --format '{{.State.Pid}}' web-${i}-${s}`,
      `ls -l /proc/$(pgrep -n nginx)/ns`,
      '```',
      '',
      '```yaml [deployment.yaml]{2,4}',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      `  name: app-${i}-${s}`,
      'spec:',
      '  replicas: 2',
      '```',
      '',
      '::hint-box',
      '---',
      'summary: Stuck?',
      '---',
      `Try \`docker ps\` and look at the STATUS column of container ${i}.`,
      '::',
      '',
      '::details-box',
      '---',
      'summary: What happens under the hood',
      '---',
      'The runtime calls `clone(2)` with new namespace flags, then `pivot_root(2)`.',
      '::',
      '',
    ].join('\n'),
  ).join('\n');
  return [
    '---',
    `kind: ${kind}`,
    '',
    `title: 'Generated ${kind} number ${i}'`,
    '',
    'description: |',
    `  Item ${i} of the lab dev benchmark: containers, namespaces and cgroups.`,
    '',
    'categories:',
    '  - containers',
    '',
    'tagz:',
    `  - tag-${i % 17}`,
    '',
    ...(kind === 'challenge' ? ['difficulty: easy', ''] : []),
    'createdAt: 2026-01-01',
    'updatedAt: 2026-01-02',
    '---',
    '',
    `# Item ${i}`,
    '',
    marker(i, version),
    '',
    '::remark-box',
    '---',
    'kind: info',
    '---',
    'This page was generated for the benchmark.',
    '::',
    '',
    sections,
  ].join('\n');
}
