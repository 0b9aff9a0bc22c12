// PropLocator keeps the ranges of each component's YAML prop block by its raw
// text (parse/mdc-props.ts), so the rules that re-run on every lab dev save do
// not parse the same blocks again. A hit must give the places a cold parse
// gives: checked on every component of every Markdown file of the corpus and
// examples/, and for a block that moved (the same YAML further down the file).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusDir, hasCorpus } from '../../../../test-support/corpus.ts';
import { markdownFiles } from '../../../../test-support/markdown.ts';
import { clearPropPlaceCache, PropLocator, readComponentProps, type MdcComponentNode } from '../../src/parse/mdc-props.ts';
import { parseDocument } from '../../src/parse/parse-document.ts';

const repo = path.resolve(import.meta.dirname, '../../../..');

function components(node: { type: string; children?: unknown[] }, out: MdcComponentNode[] = []): MdcComponentNode[] {
  if (node.type === 'containerComponent' || node.type === 'leafComponent' || node.type === 'textComponent') out.push(node as MdcComponentNode);
  for (const c of (node.children ?? []) as Array<{ type: string; children?: unknown[] }>) components(c, out);
  return out;
}

/** Every place the locator gives for the component's props (both origins, key and value). */
function places(locator: PropLocator, node: MdcComponentNode): unknown[] {
  const names = [...Object.keys(readComponentProps(node).values), 'absent-prop'];
  return names.flatMap((name) => (['yaml', 'inline'] as const).flatMap((origin) => [locator.place(node, name, origin, 'key'), locator.place(node, name, origin, 'value')]));
}

describe('PropLocator with the YAML range cache', () => {
  it('gives the cold parse\'s places on every component of the corpus and examples/', () => {
    const files = [...(hasCorpus ? markdownFiles(corpusDir) : []), ...markdownFiles(path.join(repo, 'examples'))];
    let withYaml = 0;
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      const doc = parseDocument(source, { file });
      for (const node of components(doc.mdast)) {
        clearPropPlaceCache();
        const cold = places(new PropLocator(source), node);
        const warm = places(new PropLocator(source), node);
        expect(warm, `${path.relative(repo, file)}:${node.position?.start.line}`).toStrictEqual(cold);
        if (node.rawData) withYaml++;
      }
    }
    expect(withYaml).toBeGreaterThan(hasCorpus ? 20 : 0);
  });

  it('gives a moved block the places of its new position', () => {
    const block = '::card\n---\n:content: a.b\ntitle: T\n---\n::\n';
    const one = `# A\n\n${block}`;
    const two = `# A\n\nMore text\nabove it.\n\n${block}`;
    const at = (source: string) => {
      const node = components(parseDocument(source, { file: 'x.md' }).mdast)[0]!;
      return places(new PropLocator(source), node);
    };
    clearPropPlaceCache();
    const first = at(one);
    const moved = at(two); // a hit: the same raw YAML
    clearPropPlaceCache();
    expect(moved).toStrictEqual(at(two));
    expect(moved).not.toStrictEqual(first);
  });
});
