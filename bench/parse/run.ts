// bench/parse: CPU time of one parse, in one process, on the real iximiuz
// samples (read in place from the shared corpus): the sample challenge
// (index.md + solution.md, the files `bench/validate/real.ts` copies) and
// the sample tutorial (62 KB, the file of `lab dev`'s save -> page goal).
// Variants, interleaved round by round, CPU time (user + system) of this
// thread's work, medians:
//   bare        yaml + remark-parse + remark-mdc (bench/validate/bare-parse.ts)
//   bare+gfm    the same plus remark-gfm (Labkit's plugins)
//   full        parseDocument with every GFM extension (parseMarkdownFull:
//               the pipeline as it was before the GFM subsets)
//   after       parseDocument (this checkout)
//   before      parseDocument of --baseline <checkout> (optional)
//
//   node --conditions=labkit-source bench/parse/run.ts [--copies 100] [--rounds 7] [--baseline /work/baseline]
// (--copies of the challenge; the tutorial gets a fifth as many)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { arg, load, median } from '../lib/measure.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const copies = Number(arg('copies') ?? 100);
const rounds = Number(arg('rounds') ?? 7);
const baseline = arg('baseline');
const corpus = path.resolve(repo, process.env.LABKIT_CORPUS ?? '../shared/corpus', 'iximiuz-samples');

const sdkRequire = createRequire(path.join(repo, 'packages/sdk/package.json'));
const lib = async (name: string) => import(pathToFileURL(sdkRequire.resolve(name)).href);
const { unified } = await lib('unified');
const remarkParse = (await lib('remark-parse')).default;
const remarkMdc = (await lib('remark-mdc')).default;
const remarkGfm = (await lib('remark-gfm')).default;
const YAML = await lib('yaml');
const sdk = await import(pathToFileURL(path.join(repo, 'packages/sdk/src/index.ts')).href);
const md = await import(pathToFileURL(path.join(repo, 'packages/sdk/src/parse/markdown.ts')).href);
const front = await import(pathToFileURL(path.join(repo, 'packages/sdk/src/parse/front-matter.ts')).href);
const lineIndex = await import(pathToFileURL(path.join(repo, 'packages/sdk/src/parse/line-index.ts')).href);
const before = baseline ? await import(pathToFileURL(path.join(path.resolve(baseline), 'packages/sdk/src/index.ts')).href) : undefined;

const bareProcessor = unified().use(remarkParse).use(remarkMdc);
const gfmProcessor = unified().use(remarkParse).use(remarkMdc).use(remarkGfm);
const bare = (p: typeof bareProcessor) => (text: string) => {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(text);
  if (match) YAML.parseDocument(match[1], { keepSourceTokens: true });
  p.runSync(p.parse(match ? text.slice(match[0].length) : text));
};
// parseDocument's steps with the reference parse in place of parseMarkdown.
const full = (text: string) => {
  const lines = new lineIndex.LineIndex(text);
  const fm = front.parseFrontMatter(text, 'f.md', lines, []);
  const body = fm.bodyOffset > 0 ? text.slice(0, fm.bodyOffset).replace(/[^\n]/g, ' ') + text.slice(fm.bodyOffset) : text;
  md.parseMarkdownFull(body);
  sdk.digestOf(text);
};
const variants: Record<string, (text: string) => void> = {
  bare: bare(bareProcessor),
  'bare+gfm': bare(gfmProcessor),
  full,
  after: (text) => sdk.parseDocument(text, { file: 'f.md' }),
  ...(before ? { before: (text: string) => before.parseDocument(text, { file: 'f.md' }) } : {}),
};
// The tutorial is 5× the challenge's two files: a fifth of the copies.
const sets: Record<string, [string[], number]> = {
  'sample challenge (index.md + solution.md)': [['sample-challenge/index.md', 'sample-challenge/solution.md'], copies],
  'sample tutorial (index.md, 62 KB)': [['sample-tutorial/index.md'], Math.max(1, Math.round(copies / 5))],
};
const cpu = (f: () => void): number => {
  const t = process.cpuUsage();
  f();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1000;
};
const loads = [load()];
for (const [set, [names, n]] of Object.entries(sets)) {
  const texts = names.map((n) => readFileSync(path.join(corpus, n), 'utf8'));
  // Each copy differs in one character, so nothing can cache a text.
  const docs = Array.from({ length: n }, (_, i) => texts.map((t) => `${t}\n<!-- ${i} -->\n`)).flat();
  for (const fn of Object.values(variants)) for (const d of docs.slice(0, 20)) fn(d); // warm up
  const ms: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    const order = Object.entries(variants);
    if (r % 2) order.reverse();
    for (const [name, fn] of order) (ms[name] ??= []).push(cpu(() => docs.forEach(fn)));
  }
  loads.push(load());
  const b = median(ms.bare!);
  console.log(`\n${set}, ${n} copies, ${rounds} rounds, median CPU ms (per copy), ratio to bare:`);
  for (const [name, xs] of Object.entries(ms)) {
    const m = median(xs);
    console.log(`  ${name.padEnd(9)} ${m.toFixed(0).padStart(6)} ms (${(m / n).toFixed(2)})  ${(m / b).toFixed(2)}×   [${xs.map((x) => x.toFixed(0)).join(' ')}]`);
  }
}
console.log(`\nload: ${loads.join(' | ')}`);
