// reparseMarkdown / reparseDocument (parse/incremental.ts) re-parse only the
// blocks around a change and reuse the previous tree's others, shifted. They
// must give exactly the full parse's tree, positions included, or decline
// (undefined). Held to that on every Markdown file of the corpus and
// examples/ under seeded random edits (characters and lines inserted and
// deleted anywhere: in fences, components, lists, tables, front matter), in
// chains that reuse each re-parse as the next one's previous tree (as lab dev
// does), and on crafted cases where blocks depend on each other.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Root } from 'mdast';
import { describe, expect, it } from 'vitest';
import { corpusDir, hasCorpus } from '../../../../test-support/corpus.ts';
import { markdownFiles, rng } from '../../../../test-support/markdown.ts';
import { reparseDocument, reparseMarkdown } from '../../src/parse/incremental.ts';
import { findFrontMatter } from '../../src/parse/front-matter.ts';
import { parseMarkdown } from '../../src/parse/markdown.ts';
import { parseDocument } from '../../src/parse/parse-document.ts';

const repo = path.resolve(import.meta.dirname, '../../../..');
const BUDGET = 300;
/** More rounds of random edits per file for a longer hunt: LABKIT_REPARSE_ROUNDS=10 pnpm vitest run <this file>. */
const ROUNDS = Number(process.env.LABKIT_REPARSE_ROUNDS ?? 1);

/** The file as parseDocument hands it to the parser: front matter blanked, offsets kept. */
function body(text: string): string {
  const m = /^---\n[\s\S]*?\n---\n/.exec(text);
  return m ? m[0].replace(/[^\n]/g, ' ') + text.slice(m[0].length) : text;
}

const CHARS = 'ab Z09#-*+`~:>[]()|<!{}_\\\n\n\n  \t.=&@';
const LINES = [
  '', '', 'plain words here', '# Heading', '## Sub *em*', '```', '```sh', '~~~', '    indented code', '- item', '* star item', '1. first', '2) second',
  '> quote', '>', '::note', '::callout{type="warning"}', '::', ':::', '#tab-a', '---', '***', '===', '| a | b |', '|---|---|', '| 1 | 2 |',
  '<div>', '</div>', '<!-- note', '-->', '<pre>', '</pre>', '[ref]: https://example.com', '[^1]: a footnote', 'See [ref] and [^1].',
  '  - nested item', '   continued', '- [ ] task', 'Text with www.example.com and a@b.co', '{{ binding }}', ':badge[x]{y="z"}', '![img](a.png)',
  'term :latest and :8080', '\\', '<script>', '</script>', '  ', '\t- tab item',
];

type Edit = (text: string, r: () => number) => string;
const lineStarts = (t: string): number[] => {
  const s = [0];
  for (let i = t.indexOf('\n'); i !== -1; i = t.indexOf('\n', i + 1)) s.push(i + 1);
  return s;
};
const pick = <T,>(xs: readonly T[], r: () => number): T => xs[Math.floor(r() * xs.length)]!;
const edits: Edit[] = [
  // Characters inserted or deleted anywhere.
  (t, r) => {
    const at = Math.floor(r() * (t.length + 1));
    let ins = '';
    for (let n = 1 + Math.floor(r() * 4); n > 0; n--) ins += pick([...CHARS], r);
    return t.slice(0, at) + ins + t.slice(at);
  },
  (t, r) => {
    const at = Math.floor(r() * t.length);
    return t.slice(0, at) + t.slice(at + 1 + Math.floor(r() * 6));
  },
  // A line inserted, deleted, duplicated or replaced.
  (t, r) => {
    const at = pick(lineStarts(t), r);
    return t.slice(0, at) + pick(LINES, r) + '\n' + t.slice(at);
  },
  (t, r) => {
    const starts = lineStarts(t);
    const i = Math.floor(r() * starts.length);
    return t.slice(0, starts[i]) + t.slice(starts[i + 1] ?? t.length);
  },
  (t, r) => {
    const starts = lineStarts(t);
    const i = Math.floor(r() * starts.length);
    const line = t.slice(starts[i], starts[i + 1] ?? t.length);
    return t.slice(0, starts[i]) + line + (line.endsWith('\n') ? '' : '\n') + t.slice(starts[i]);
  },
  (t, r) => {
    const starts = lineStarts(t);
    const i = Math.floor(r() * starts.length);
    const end = starts[i + 1] ?? t.length;
    return t.slice(0, starts[i]) + pick(LINES, r) + (end < t.length ? '\n' : '') + t.slice(end);
  },
  // A word typed into a paragraph-like line (the usual save).
  (t, r) => {
    const starts = lineStarts(t);
    const i = Math.floor(r() * starts.length);
    const end = (starts[i + 1] ?? t.length + 1) - 1;
    const at = starts[i]! + Math.floor(r() * (end - starts[i]! + 1));
    return t.slice(0, at) + pick([' word', 'x', ' `code`', ' **bold**', ' [link](u)', ' :inline'], r) + t.slice(at);
  },
  // A paragraph appended at the end.
  (t, r) => `${t}${t.endsWith('\n') ? '' : '\n'}\nAppended ${Math.floor(r() * 1000)}.\n`,
];

/**
 * The re-parse of `newText`, checked against the full parse. A parser that
 * fails (micromark's development asserts, under vitest) fails the re-parse
 * too or it declines: reparseDocument then parses in full, which reports it.
 */
function check(oldText: string, oldTree: Root, newText: string, label: string): Root | undefined {
  let full: Root | undefined;
  try {
    full = parseMarkdown(newText);
  } catch {
    full = undefined;
  }
  let got: Root | undefined;
  try {
    got = reparseMarkdown(oldText, oldTree, newText, BUDGET);
  } catch {
    return undefined;
  }
  if (got) expect(got, label).toStrictEqual(full);
  return got;
}

const files = [...(hasCorpus ? markdownFiles(corpusDir) : []), ...markdownFiles(path.join(repo, 'examples'))];

describe('reparseMarkdown equals the full parse', () => {
  it('on every corpus and examples/ file under seeded random edits, alone and in chains', () => {
    let tried = 0;
    let reused = 0;
    files.forEach((file, n) => {
      const text = body(readFileSync(file, 'utf8'));
      let tree: Root;
      try {
        tree = parseMarkdown(text);
      } catch {
        return; // a file the parser fails on (under vitest's development asserts) is the full parse's to report
      }
      for (let round = 0; round < ROUNDS; round++) {
      const seed = 1000 + n + round * 100_000;
      const r = rng(seed);
      // Single edits of the file.
      for (let k = 0; k < 6; k++) {
        const next = pick(edits, r)(text, r);
        tried++;
        if (check(text, tree, next, `${path.relative(repo, file)} seed ${seed} edit ${k}`)) reused++;
      }
      // A chain: each step's tree (re-parsed when it could be) is the next one's previous tree.
      let cur = text;
      let curTree = tree;
      for (let k = 0; k < 5; k++) {
        const next = pick(edits, r)(cur, r);
        tried++;
        const got = check(cur, curTree, next, `${path.relative(repo, file)} seed ${seed} chain ${k}`);
        if (got) reused++;
        cur = next;
        try {
          curTree = got ?? parseMarkdown(next);
        } catch {
          break;
        }
      }
      }
    });
    console.log(`reparseMarkdown: ${reused} of ${tried} random edits re-parsed in part, each equal to the full parse`);
    // The path is taken on most edits (else this proves nothing).
    expect(tried).toBeGreaterThan(500);
    expect(reused / tried).toBeGreaterThan(0.4);
  }, 600_000);

  const crafted: Array<[string, string, string]> = [
    ['a fence opened above the next block', '# A\n\ntext\n\n# B\n\nmore\n', '# A\n\n```\ntext\n\n# B\n\nmore\n'],
    ['a fence closed again', '# A\n\n```\ntext\n\n# B\n', '# A\n\n```\ntext\n```\n\n# B\n'],
    ['a component opened above headings', 'Intro\n\nPara one\n\n# Two\n\nPara\n\n::\n', 'Intro\n\n::note\nPara one\n\n# Two\n\nPara\n\n::\n'],
    ['a component closed below', '::note\nA\n\nB\n\nC\n', '::note\nA\n\nB\n::\n\nC\n'],
    ['a list item joins the list above', '- a\n- b\n\nText\n\nEnd\n', '- a\n- b\n\n- Text\n\nEnd\n'],
    ['a list made loose by a blank line', '- a\n- b\n\nText\n', '- a\n\n- b\n\nText\n'],
    ['an indented line continues a list item', '- a\n\nText\n\nEnd\n', '- a\n\n  Text\n\nEnd\n'],
    ['a setext underline below a paragraph', 'Para\n\nTitle\n\nEnd\n', 'Para\n\nTitle\n===\n\nEnd\n'],
    ['a table delimiter row', 'Para\n\na | b\n\nEnd\n', 'Para\n\na | b\n-|-\n\nEnd\n'],
    ['an html comment left open', 'Para\n\nText\n\nEnd\n', 'Para\n\n<!-- x\nText\n\nEnd\n'],
    ['a definition added', 'See [a].\n\nText\n\nEnd [a]\n', 'See [a].\n\nText\n\n[a]: /x\n\nEnd [a]\n'],
    ['a definition removed', 'See [a].\n\n[a]: /x\n\nEnd [a]\n', 'See [a].\n\n[a]: /y\n\nEnd [a]\n'],
    ['a footnote definition', 'A[^1].\n\nText\n\nEnd\n', 'A[^1].\n\nText\n\n[^1]: note\n\nEnd\n'],
    ['a blockquote lazy line', '> q\n\nText\n\nEnd\n', '> q\nText\n\nEnd\n'],
    ['indented code across blank lines', 'Para\n\n    a\n\nText\n', 'Para\n\n    a\n\n    Text\n'],
    ['lines counted after a deletion', '# A\n\nx\ny\nz\n\n# B\n\nw\n', '# A\n\nxz\n\n# B\n\nw\n'],
    ['text after the last block', 'A\n\nB', 'A\n\nBC'],
    ['carriage returns', 'A\r\n\r\nB\r\n', 'A\r\n\r\nBC\r\n'],
    ['a bare colon word', 'A\n\nimage :latest\n\nB :x\n', 'A\n\nimage :latest now\n\nB :x\n'],
    ['whitespace-only lines', 'A\n   \nB\n \t \nC\n', 'A\n   \nBx\n \t \nC\n'],
    ['an html block of kind 1 across a blank line', 'A\n\n<pre>\nx\n\nB\n</pre>\n\nC\n', 'A\n\n<pre>\nx\n\nB\n\nC\n'],
    ['an html block of kind 7 ends at a blank line', 'A\n\n<x-tag>\nx\n\nB\n\nC\n', 'A\n\n<x-tag>\nxy\n\nB\n\nC\n'],
    ['a component with yaml props', 'Intro\n\n::card\n---\ntitle: x\n---\nBody\n::\n\nText\n', 'Intro\n\n::card\n---\ntitle: y\n---\nBody\n::\n\nText\n'],
    ['nested components', 'A\n\n::tabs\n:::tab\nx\n\nB\n:::\n::\n\nC\n', 'A\n\n::tabs\n:::tab\nx\n\nBee\n:::\n::\n\nC\n'],
    ['paragraphs joined', 'A\n\nB\n\nC\n', 'A\nx\nB\n\nC\n'],
    ['a blank line removed', 'A\n\nB\n\nC\n', 'A\nB\n\nC\n'],
    ['everything replaced', 'A\n\nB\n', '# C\n\n- d\n'],
    ['emptied', 'A\n\nB\n', ''],
    ['a heading typed above a fence', '# A\n\n```sh\nx\n```\n\n# B\n', '# A\n\nNew words.\n\n```sh\nx\n```\n\n# B\n'],
  ];
  for (const [name, before, after] of crafted) {
    it(`crafted: ${name}`, () => {
      check(before, parseMarkdown(before), after, name);
      check(after, parseMarkdown(after), before, `${name}, undone`);
    });
  }

  it('declines what it cannot be sure of', () => {
    const defs = 'See [a].\n\n[a]: /x\n\nText\n';
    expect(reparseMarkdown(defs, parseMarkdown(defs), defs.replace('Text', 'Test'), BUDGET)).toBeUndefined();
    const cr = 'A\r\n\r\nB\r\n';
    expect(reparseMarkdown(cr, parseMarkdown(cr), 'A\r\n\r\nC\r\n', BUDGET)).toBeUndefined();
    // A region over the in-place budget is left to the guarded parse.
    const big = `# A\n\n${'[x'.repeat(2000)}\n\n# B\n`;
    expect(reparseMarkdown(big, parseMarkdown(big), big.replace('[x[x\n', '[x[y\n'), 100)).toBeUndefined();
    expect(reparseMarkdown(big, parseMarkdown(big), big.replace('# B', '# C'), 100)).toBeDefined();
  });

  it('does not change the previous tree', () => {
    const before = '# A\n\ntext\n\n# B\n\nmore *x*\n\n# C\n';
    const tree = parseMarkdown(before);
    const copy = structuredClone(tree);
    const got = reparseMarkdown(before, tree, before.replace('text', 'longer\ntext'), BUDGET);
    expect(got).toBeDefined();
    expect(tree).toStrictEqual(copy);
  });
});

describe('reparseDocument equals parseDocument on front matter edits', () => {
  const YAML_LINES = ['title: A title', 'tags: [a, b]', '  - item', '', 'key: |', '  text', '- list', 'a: &x 1', 'b: *x', '"quoted: x": y', '# comment', '---', 'title: [', 'kind: tutorial', 'x: {a: 1}', '\t- tab', 'z: "unclosed'];
  /** An edit inside the front matter only (between the fences). */
  const fmEdit = (t: string, r: () => number): string => {
    const fm = findFrontMatter(t);
    // A chain's body edit may have broken the front matter: nothing to edit then.
    if (!fm?.closed) return t;
    const start = t.indexOf('\n') + 1;
    const end = t.lastIndexOf('---', fm.bodyOffset - 1);
    const starts = lineStarts(t).filter((s) => s >= start && s <= end);
    switch (Math.floor(r() * 4)) {
      case 0: {
        const at = start + Math.floor(r() * (end - start));
        return t.slice(0, at) + pick([...'ab Z09:-[]{}#&*"\'|>\n '], r) + t.slice(at);
      }
      case 1: {
        const at = start + Math.floor(r() * Math.max(1, end - start - 1));
        return t.slice(0, at) + t.slice(Math.min(at + 1 + Math.floor(r() * 4), end));
      }
      case 2: {
        const at = pick(starts, r);
        return t.slice(0, at) + pick(YAML_LINES, r) + '\n' + t.slice(at);
      }
      default: {
        const i = Math.floor(r() * Math.max(1, starts.length - 1));
        return t.slice(0, starts[i]) + t.slice(starts[i + 1] ?? end);
      }
    }
  };

  it('on every corpus and examples/ file with front matter, under seeded random edits to it, alone and in chains', () => {
    let tried = 0;
    let reused = 0;
    files.forEach((file, n) => {
      const text = readFileSync(file, 'utf8');
      if (!findFrontMatter(text)?.closed) return;
      const r = rng(5000 + n);
      let cur = text;
      let prev = parseDocument(text, { file: 'x.md' });
      for (let k = 0; k < 12; k++) {
        // Single edits of the front matter, then a chain where every other step edits the body as well.
        const fmNext = fmEdit(k < 4 ? text : cur, r);
        const next = k >= 4 && k % 2 === 1 ? pick(edits, r)(fmNext, r) : fmNext;
        const base = k < 4 ? parseDocument(text, { file: 'x.md' }) : prev;
        tried++;
        const got = reparseDocument(base, next);
        if (got) {
          reused++;
          expect(got, `${path.relative(repo, file)} edit ${k}`).toStrictEqual(parseDocument(next, { file: 'x.md' }));
        }
        if (k >= 4) {
          cur = next;
          prev = got ?? parseDocument(next, { file: 'x.md' });
        }
      }
    });
    console.log(`reparseDocument: ${reused} of ${tried} random front matter edits (some with a body edit) re-parsed in part, each equal to the full parse`);
    expect(tried).toBeGreaterThan(50);
    expect(reused / tried).toBeGreaterThan(0.4);
  }, 300_000);
});

describe('reparseDocument equals parseDocument', () => {
  const docs: Array<[string, string]> = [
    ['front matter kept', '---\ntitle: T\nkind: tutorial\n---\n\n# A\n\ntext\n\n# B\n'],
    ['no front matter', '# A\n\ntext\n\n# B\n'],
    ['front matter with an error', '---\ntitle: [\n---\n\n# A\n\ntext\n'],
  ];
  for (const [name, text] of docs) {
    it(name, () => {
      const prev = parseDocument(text, { file: 'x.md' });
      for (const next of [text.replace('text', 'text more'), text + '\nEnd\n', text.replace('T\n', 'U\n'), text.replace('# B', '- B'), '---\n' + text]) {
        const got = reparseDocument(prev, next);
        if (got) expect(got, next).toStrictEqual(parseDocument(next, { file: 'x.md' }));
      }
      expect(reparseDocument(prev, text.replace('text', 'text more'))).toBeDefined();
    });
  }

  it('an edit to the front matter alone parses only the YAML and moves the body: equal to a full parse', () => {
    const text = '---\ntitle: T\nkind: tutorial\ntags: [a, b]\n---\n\n# A\n\ntext with `code` and [a link](./x.md)\n\n::note\nA note.\n::\n';
    const prev = parseDocument(text, { file: 'x.md' });
    const edits = [
      text.replace('title: T', 'title: A longer title'),
      text.replace('kind: tutorial\n', 'kind: tutorial\ndescription: |\n  Two\n  lines\n'),
      text.replace('tags: [a, b]\n', ''),
      text.replace('title: T', 'title: [unclosed'),
      text.replace('kind: tutorial', 'kind: tutorial\ntitle: Twice'),
    ];
    for (const next of edits) {
      const got = reparseDocument(prev, next);
      expect(got, next).toBeDefined();
      expect(got, next).toStrictEqual(parseDocument(next, { file: 'x.md' }));
    }
    // The body changed as well: the front matter first, then the body around its change.
    for (const both of [text.replace('title: T', 'title: U').replace('# A', '# B'), text.replace('tags: [a, b]\n', '').replace('text with', 'longer text with')]) {
      const got = reparseDocument(prev, both);
      expect(got, both).toBeDefined();
      expect(got, both).toStrictEqual(parseDocument(both, { file: 'x.md' }));
    }
    // A front matter over the in-place estimate is left to the guarded parse.
    const heavy = text.replace('tags: [a, b]', `tags: ${'['.repeat(2000)}${']'.repeat(2000)}`);
    expect(reparseDocument(prev, heavy)).toBeUndefined();
  });

  it('on the iximiuz sample tutorial, a title edit and a front matter line added', () => {
    if (!hasCorpus) return;
    const text = readFileSync(path.join(corpusDir, 'iximiuz-samples/sample-tutorial/index.md'), 'utf8');
    const prev = parseDocument(text, { file: 'index.md' });
    const title = /^title: .*$/m.exec(text)![0];
    for (const next of [text.replace(title, 'title: Retitled by the test'), text.replace(title, `${title}\nsubtitle: A line the test added`)]) {
      const got = reparseDocument(prev, next);
      expect(got).toBeDefined();
      expect(got).toStrictEqual(parseDocument(next, { file: 'index.md' }));
    }
  });

  it('keeps the limits: a file nested over the limit or longer than guardAboveChars is left to the full parse', () => {
    const text = '# A\n\ntext\n';
    const prev = parseDocument(text, { file: 'x.md' });
    expect(reparseDocument(prev, text + '\n' + '> '.repeat(40) + 'deep\n')).toBeUndefined();
    expect(reparseDocument(prev, text + '\nmore\n', { guardAboveChars: 10 })).toBeUndefined();
    expect(reparseDocument(prev, text + '\nmore\n')).toBeDefined();
  });

  it('on the iximiuz sample tutorial, a paragraph typed in the middle', () => {
    if (!hasCorpus) return;
    const text = readFileSync(path.join(corpusDir, 'iximiuz-samples/sample-tutorial/index.md'), 'utf8');
    const prev = parseDocument(text, { file: 'index.md' });
    const mid = text.indexOf('\n\n', text.length >> 1) + 2;
    const next = text.slice(0, mid) + 'A new paragraph in the middle.\n\n' + text.slice(mid);
    const got = reparseDocument(prev, next);
    expect(got).toBeDefined();
    expect(got).toStrictEqual(parseDocument(next, { file: 'index.md' }));
  });
});

/** The iximiuz sample tutorial alone in a temp content folder: `run` gets the folder, the file and its text; the folder goes after. */
async function withSampleTutorial(run: (root: string, file: string, text: string) => Promise<void>): Promise<void> {
  const { mkdtempSync, mkdirSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const text = readFileSync(path.join(corpusDir, 'iximiuz-samples/sample-tutorial/index.md'), 'utf8');
  const root = mkdtempSync(path.join(tmpdir(), 'lab-reparse-'));
  try {
    const file = path.join(root, 'tutorials/sample-tutorial/index.md');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    await run(root, file, text);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('a content store update with re-parsed documents', () => {
  it('gives the graph a fresh load gives (the iximiuz sample tutorial, saved five ways)', async () => {
    if (!hasCorpus) return;
    const { writeFileSync } = await import('node:fs');
    const { ContentStore, loadContent } = await import('../../src/index.ts');
    const { parsedFileCount } = await import('../../src/graph/workers.ts');
    await withSampleTutorial(async (root, file, text) => {
      const store = await ContentStore.open(root);
      const mid = text.indexOf('\n\n', text.length >> 1) + 2;
      // Each save edits the one before, as an author does.
      const s1 = text.slice(0, mid) + 'A new paragraph in the middle.\n\n' + text.slice(mid);
      const s2 = s1.replace('in the middle.', 'in the middle, typed on.');
      const s3 = s2.replace('typed on.\n\n', 'typed on.\n\n::note\nA component.\n::\n\n');
      const s4 = `${s3}\n\nAppended at the end.\n`;
      const saves = [s1, s2, s3, s4, s4.replace(/^title: .*$/m, 'title: Another title')];
      let reparsed = 0;
      for (const save of saves) {
        writeFileSync(file, save);
        const before = parsedFileCount();
        await store.updateFiles([file]);
        if (parsedFileCount() === before) reparsed++;
        const fresh = await loadContent(root);
        const doc = (g: typeof fresh) => g.documents.get('tutorials/sample-tutorial/index.md')?.parsed;
        expect(doc(store.graph)).toStrictEqual(doc(fresh));
        expect(store.graph.diagnostics).toStrictEqual(fresh.diagnostics);
      }
      // Every save took the re-parse: the body edits around their change, the title edit its front matter only.
      expect(reparsed).toBe(5);
    });
  }, 120_000);

  it('parses in full over trees cut down to what the rules read (trees: rules)', async () => {
    if (!hasCorpus) return;
    const { writeFileSync } = await import('node:fs');
    const { ContentStore, loadContent } = await import('../../src/index.ts');
    const { parsedFileCount } = await import('../../src/graph/workers.ts');
    await withSampleTutorial(async (root, file, text) => {
      const store = await ContentStore.open(root, { trees: 'rules' });
      writeFileSync(file, `${text}\n\nAppended at the end.\n`);
      const before = parsedFileCount();
      await store.updateFiles([file]);
      expect(parsedFileCount()).toBe(before + 1);
      const fresh = await loadContent(root, { trees: 'rules' });
      expect(store.graph.documents.get('tutorials/sample-tutorial/index.md')?.parsed.mdast).toStrictEqual(fresh.documents.get('tutorials/sample-tutorial/index.md')?.parsed.mdast);
    });
  }, 120_000);
});
