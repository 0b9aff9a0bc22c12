import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A generated content repo for the build benchmark: `count` pages spread
 * over tutorials and challenges, each with code fences (several languages,
 * file names, highlighted lines) and the format's components, all
 * different so no render cache can cheat. Valid for `lab validate`.
 */
const LANGS = [
  ['sh', (i: number) => `docker run -d --name web-${i} -p ${8000 + (i % 1000)}:80 nginx:1.${i % 27}\ndocker ps --filter name=web-${i}\ncurl -s localhost:${8000 + (i % 1000)} | head -n ${i % 9 + 1}`],
  ['yaml', (i: number) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${i}\nspec:\n  replicas: ${i % 7 + 1}\n  template:\n    spec:\n      containers:\n        - name: app\n          image: registry.example.com/app:${i}`],
  ['go', (i: number) => `package main\n\nimport "fmt"\n\nfunc main() {\n\tfor i := 0; i < ${i % 13 + 2}; i++ {\n\t\tfmt.Println("step", i, ${i})\n\t}\n}`],
  ['python', (i: number) => `import os\n\ndef handler_${i}(event):\n    path = os.path.join("/tmp", "f${i}")\n    with open(path, "w") as f:\n        f.write(str(event) * ${i % 5 + 1})\n    return path`],
  ['dockerfile', (i: number) => `FROM alpine:3.${i % 20}\nRUN apk add --no-cache curl\nCOPY app-${i} /usr/local/bin/app\nENTRYPOINT ["/usr/local/bin/app", "--port", "${3000 + i}"]`],
] as const;

const WORDS = 'container process namespace cgroup kernel network socket image layer volume registry pod node service ingress volume mount signal pipe file inode permission user group capability seccomp'.split(' ');

function para(i: number, n: number): string {
  const words: string[] = [];
  for (let k = 0; k < 60; k++) words.push(WORDS[(i * 7 + n * 13 + k * 3) % WORDS.length]!);
  return `${words.join(' ')}. Page ${i} paragraph ${n} talks about **${WORDS[i % WORDS.length]}** and \`${WORDS[(i + n) % WORDS.length]}-${i}\`.`;
}

function fence(i: number, n: number): string {
  const [lang, body] = LANGS[(i + n) % LANGS.length]!;
  const meta = n % 2 === 0 ? ` [example-${i}-${n}.${lang}]{2,4-5}` : '';
  return `\`\`\`${lang}${meta}\n${body(i * 10 + n)}\n\`\`\``;
}

function page(i: number, kind: 'tutorial' | 'challenge'): string {
  const tasks = kind === 'challenge'
    ? `tasks:\n  verify_${i}:\n    run: |\n      test -f /tmp/done-${i}\n  answer_${i}:\n    run: |\n      test "$(cat /tmp/answer-${i})" = ${i}\n`
    : '';
  const fm = [
    '---',
    `kind: ${kind}`,
    `title: Generated ${kind} number ${i} about ${WORDS[i % WORDS.length]}`,
    `description: Benchmark ${kind} ${i}, with code blocks and components.`,
    'categories:',
    `  - ${['linux', 'containers', 'kubernetes', 'networking'][i % 4]}`,
    'tagz:',
    `  - tag-${i % 40}`,
    ...(kind === 'challenge' ? [`difficulty: ${['easy', 'medium', 'hard'][i % 3]}`] : []),
    `createdAt: 2026-0${(i % 9) + 1}-1${i % 9}`,
    ...(kind === 'challenge' ? ['playground:', '  name: docker'] : []),
    tasks.trimEnd(),
    '---',
  ].filter((l) => l !== '');
  const body = [
    `## Overview of ${i}`,
    para(i, 0),
    fence(i, 0),
    `::remark-box\n---\nkind: ${['info', 'warning', 'error'][i % 3]}\n---\n${para(i, 1)}\n::`,
    `## Working with ${WORDS[(i + 3) % WORDS.length]}`,
    para(i, 2),
    `::tabbed\n---\ntabs:\n  - name: a\n    title: Option A\n  - name: b\n    title: Option B\n---\n#a\n${fence(i, 1)}\n\n#b\n${fence(i, 2)}\n::`,
    `::details-box\n---\n:summary: Details for ${i}\n---\n${para(i, 3)}\n\n${fence(i, 3)}\n::`,
    kind === 'challenge'
      ? `::simple-task\n---\n:tasks: tasks\n:name: verify_${i}\n---\n#active\nWaiting for /tmp/done-${i}...\n\n#completed\nDone ${i}!\n::\n\n::hint-box\n---\n:summary: Hint 1\n---\n${para(i, 4)}\n::\n\n::user-input-task\n---\n:tasks: tasks\n:name: answer_${i}\n:validateRegex: ^[0-9]+$\n---\n#active\nWhat is ${i}?\n\n#completed\nRight.\n::`
      : `::hint-box\n---\n:summary: A hint\n---\n${para(i, 4)}\n::`,
    `### Summary`,
    `${para(i, 5)} Some :highlight[important ${i}] words.`,
    fence(i, 4),
  ];
  return `${fm.join('\n')}\n\n${body.join('\n\n')}\n`;
}

/** Writes `count` pages under `dir` (replacing it) and returns the file of page 0. */
export function generateContent(dir: string, count: number, cover?: string): { firstFile: string } {
  rmSync(dir, { recursive: true, force: true });
  let firstFile = '';
  for (let i = 0; i < count; i++) {
    const kind = i % 2 === 0 ? 'tutorial' : 'challenge';
    const folder = path.join(dir, `${kind}s`, `${kind}-${i}`);
    mkdirSync(folder, { recursive: true });
    const file = path.join(folder, 'index.md');
    writeFileSync(file, page(i, kind));
    if (cover && i % 50 === 0) {
      mkdirSync(path.join(folder, '__static__'), { recursive: true });
      copyFileSync(cover, path.join(folder, '__static__', 'diagram.png'));
      writeFileSync(file, page(i, kind) + '\n::image-box\n---\n:src: __static__/diagram.png\n:alt: A diagram\n---\n::\n');
    }
    if (i === 0) firstFile = file;
  }
  return { firstFile };
}

/**
 * Writes `count` copies of a real tutorial folder (its Markdown and its
 * `__static__` images) under `dir/tutorials/tutorial-N` (replacing `dir`)
 * and returns the file of copy 0. Copies are writable whatever the source's
 * mode (the shared corpus is read-only).
 */
export function copyCorpusTutorial(dir: string, count: number, source: string): { firstFile: string } {
  rmSync(dir, { recursive: true, force: true });
  for (let i = 0; i < count; i++) {
    const folder = path.join(dir, 'tutorials', `tutorial-${i}`);
    cpSync(source, folder, { recursive: true });
    for (const f of readdirSync(folder, { recursive: true, encoding: 'utf8' })) chmodSync(path.join(folder, f), statSync(path.join(folder, f)).isDirectory() ? 0o755 : 0o644);
    chmodSync(folder, 0o755);
  }
  return { firstFile: path.join(dir, 'tutorials/tutorial-0/index.md') };
}

/** The heading a one-file rebuild bench edits in the first page: of the sample tutorial (`real`), or of a generated page. */
export const editedHeading = (real: boolean) => (real ? '## What is a Tutorial on iximiuz Labs?' : '## Overview of 0');

/**
 * A build bench's content in `dir`: `pages` copies of the corpus's sample
 * tutorial (`real`), or `pages` generated ones with a cover image now and
 * then. Checks that the first page has the heading the rebuilds edit, and
 * then waits out the graph snapshot's racy window: the snapshot trusts no
 * stamp of a file changed in the 2 s before it was taken, so an author's
 * files, older than the build, would otherwise be parsed again by the
 * rebuild as if edited.
 */
export function prepareBenchContent(dir: string, pages: number, real: boolean, corpus: string): { firstFile: string; heading: string } {
  const { firstFile } = real ? copyCorpusTutorial(dir, pages, path.join(corpus, 'sample-tutorial')) : generateContent(dir, pages, path.join(corpus, 'sample-challenge/__static__/container-box.png'));
  const heading = editedHeading(real);
  if (!readFileSync(firstFile, 'utf8').includes(heading)) throw new Error(`${firstFile} has no "${heading}" to edit`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2500);
  return { firstFile, heading };
}
