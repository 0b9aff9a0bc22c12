// The baseline for `lab validate`: the bare parse of every Markdown file with
// the same libraries (yaml + unified + remark-parse + remark-mdc) and nothing
// else, in a fresh process, one file after the other. `--gfm` adds
// remark-gfm after remark-mdc, as Labkit's pipeline has since parse
// revision 2 (the goal was set against the bare parse without it).
// Prints JSON: { files, ms } where ms covers module loading and parsing (not
// Node startup).
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const t0 = performance.now();
// bench/ is not a package: resolve the libraries where the SDK gets them.
const sdkRequire = createRequire(new URL('../../packages/sdk/package.json', import.meta.url));
const load = async (name: string) => import(pathToFileURL(sdkRequire.resolve(name)).href);
const { unified } = await load('unified');
const remarkParse = (await load('remark-parse')).default;
const remarkMdc = (await load('remark-mdc')).default;
const YAML = await load('yaml');

const gfm = process.argv.includes('--gfm');
const root = process.argv.slice(2).find((a) => !a.startsWith('--'));
if (!root) throw new Error('usage: node bare-parse.ts <dir> [--gfm]');

const files: string[] = [];
const walk = (dir: string): void => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const abs = join(dir, e.name);
    if (e.isDirectory()) walk(abs);
    else if (e.name.endsWith('.md')) files.push(abs);
  }
};
walk(root);

const processor = unified().use(remarkParse).use(remarkMdc);
if (gfm) processor.use((await load('remark-gfm')).default);
let nodes = 0;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(text);
  if (match) {
    const doc = YAML.parseDocument(match[1], { keepSourceTokens: true });
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
  }
  const tree = processor.runSync(processor.parse(match ? text.slice(match[0].length) : text));
  nodes += tree.children.length;
}
process.stdout.write(JSON.stringify({ files: files.length, nodes, ms: performance.now() - t0 }) + '\n');
