// parseMarkdown parses with only the GFM extensions a text can use (and
// tries without autolink literals when every trigger may sit in a link
// destination or code). These tests hold it to the reference parse with all
// of remark-gfm (parseMarkdownFull): the same mdast, node for node, on every
// Markdown file of the corpus and examples/, and on crafted documents that
// use each construct alone, mixed, in odd cases and where it can be mistaken.
import { readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusDir, itCorpus } from '../../../../test-support/corpus.ts';
import { markdownFiles } from '../../../../test-support/markdown.ts';
import { gfmNeeds, parseMarkdown, parseMarkdownFull } from '../../src/parse/markdown.ts';

const repo = path.resolve(import.meta.dirname, '../../../..');

/** The file as parseDocument hands it to the parser: front matter blanked, offsets kept. */
function body(text: string): string {
  const m = /^---\r?\n[\s\S]*?\r?\n---\r?\n/.exec(text);
  return m ? m[0].replace(/[^\n]/g, ' ') + text.slice(m[0].length) : text;
}

/** Same tree, or the same error (parseDocument turns a parser failure into a diagnostic). */
function expectSameParse(text: string, label: string): void {
  const run = (parse: (t: string) => unknown): unknown => {
    try {
      return parse(text);
    } catch (error) {
      return { threw: String(error) };
    }
  };
  expect(run(parseMarkdown), label).toStrictEqual(run(parseMarkdownFull));
}

const crafted: Record<string, string> = {
  'www literal': 'See www.example.com today.\n',
  'www upper case': 'See WWW.EXAMPLE.COM/Path?q=1 today.\n',
  'http mixed case': 'Go to Http://example.com and HTTPS://EXAMPLE.com/a_(b).\n',
  'email literal': 'Mail foo.bar+baz@example.co.uk now.\n',
  'mailto and xmpp': 'mailto:foo@bar.com and xmpp:foo@bar.com/res\n',
  'email from a character reference': 'foo&#64;example.com and foo&commat;example.com\n',
  'www from a character reference': 'www&period;example.com and &#119;ww.example.com\n',
  'http from character references': 'http&#58;//example.com\n',
  'url in a link destination': 'Read [the docs](https://example.com/docs "https://example.com/title").\n',
  'url in link text': 'Read [https://example.com](https://example.com).\n',
  'url in link text, trailing bracket': '[see http://x.com/]](y) and [a http://b.c/](d)\n',
  'url in an image destination': '![diagram](https://example.com/a.png)\n',
  'url in image alt': '![http://example.com/*a*](b.png) and ![www.x.com](c.png)\n',
  'url in image alt, from references': '![a &#64; b.com x@y.com](c.png)\n',
  'url in a reference definition': '[r]: https://example.com/ref\n\nUse [the ref][r] or [r].\n',
  'url as reference label': '[a][http://x.com]\n\n[http://x.com]: https://y.com\n',
  'angle autolink': 'Or <https://example.com> or <foo@bar.com>.\n',
  'url in code span': 'Run `curl http://localhost:8080` and `git@github.com:x/y`.\n',
  'url running into a code span': 'http://x.com/`code` and www.x.com`y`\n',
  'email running into a code span': 'foo`@bar.com` and foo@`bar.com`\n',
  'url in fenced code': '```sh\ncurl https://example.com | jq .\nssh user@host\n```\n',
  'url in indented code': 'Text\n\n    curl https://example.com\n    user@host\n',
  'url in html': '<a href="https://example.com">x</a> and <img src="http://x.com/a.png">\n\n<div>\nwww.example.com\n</div>\n',
  'url in inline html attribute followed by prose': 'x <span title="http://a.b">www.c.d</span>\n',
  'url in an mdc attribute': 'A :badge{href="https://example.com"} and [span]{title="http://x.com"}.\n',
  'url in an mdc component block': '::callout{link="https://example.com"}\nVisit www.example.com\n::\n',
  'url in mdc yaml props': '::card\n---\nurl: https://example.com\nmail: a@b.com\n---\nBody\n::\n',
  'url in mdc label': ':tooltip[see https://example.com]{text="x"}\n',
  'url after a paren in prose': '(https://example.com) and (www.example.com) and ("a@b.com")\n',
  'url after an equals sign': 'x=https://example.com y="www.a.b"\n',
  'url inside emphasis': '*http://example.com* and _www.example.com_ and **a@b.com**\n',
  'url in a heading': '# See https://example.com\n\nSetext www.x.com\n---\n',
  'url in a table cell': '| a | b |\n|---|---|\n| https://x.com | `|` |\n',
  'url in a footnote': 'Note[^1].\n\n[^1]: See https://example.com.\n',
  'url in a blockquote lazy line': '> quote\nhttps://example.com\n',
  'url with backslash escape': 'http:\\/\\/x.com and www\\.x.com and a\\@b.com\n',
  'at sign alone': 'Use npm i foo@1.2.3 and @scope/pkg and a @ b.\n',
  'ampersand without a reference': 'a && b & c\n',
  'table with pipes': 'a | b\n--|--\n1 | 2\n',
  'table with outer pipes': '| a |\n| - |\n| 1 |\n',
  'one-column table without a pipe': 'a\n:-\n',
  'one-column table, right aligned, without a pipe': 'a\n-:\nb\n',
  'setext heading, not a table': 'a\n-\n\nb\n---\n',
  'table in a blockquote and a list': '> a | b\n> -|-\n\n- a | b\n  -|-\n',
  'table in nested blockquotes with indentation': '> > a | b\n> >   -|-\n> > 1 | 2\n',
  'table in a list item continuation': '- item\n\n  a | b\n  :-|-:\n  1 | 2\n',
  'table with tabs in the delimiter row': 'a\t|\tb\n-\t|\t-\n',
  'delimiter-like lines that are no table': '- a: b\n- -|-\n\n---\n\n| x\n',
  'list item starting with a delimiter row': 'a | b\n- -|-\n',
  'list items starting with a delimiter row, other markers': 'c | d\n* -|-\n\ne | f\n1. -|-\n\n- g | h\n+ -|-\n',
  'pipe in code only': '```\nps aux | grep x\n```\n\n`a|b`\n',
  'table with escaped pipe in code': '| a |\n|---|\n| `\\|` |\n',
  'strikethrough single': 'a ~b~ c\n',
  'strikethrough double': 'a ~~b~~ c\n',
  'tilde in fence': '~~~\ncode\n~~~\n\n~user\n',
  'footnote call and definition': 'Text[^note] more[^2].\n\n[^note]: The note.\n[^2]: Two\n    lines.\n',
  'footnote call without definition': 'Text[^missing].\n',
  'footnote-like link': '[^]: x\n\n[^ a](b)\n',
  'task list unchecked and checked': '- [ ] todo\n- [x] done\n- [X] DONE\n',
  'task list ordered': '1. [ ] one\n2. [x] two\n',
  'task list with tab and line ending': '* [\t] tab\n* [\n  ] eol\n',
  'task-like brackets not in a list': '[ ] a and [x] b\n',
  'mdc task check': '- [ ] :badge[x]\n',
  'mixed everything': [
    '# Title with ~strike~ and www.example.com',
    '',
    '| col | other |',
    '|:---|---:|',
    '| ~~x~~ | [link](https://a.b) |',
    '',
    '- [ ] task with foo@bar.com[^f]',
    '- [x] done',
    '',
    '::note{type="info"}',
    'Inside :badge[a] and https://example.com',
    '::',
    '',
    '[^f]: footnote with `code|pipe`',
    '',
  ].join('\n'),
  'colon words and links': 'Pull image :latest from [hub](https://hub.docker.com) on port :8080.\n',
  'crlf line endings': 'a | b\r\n-|-\r\n\r\n- [ ] x\r\n\r\nwww.example.com\r\n',
  'cr line endings (old Mac files)': 'intro\r\rA | B\r--|--\r1 | 2\r\r- [x] y\r',
  'a table whose delimiter row ends at a bare CR': 'x\n\nA | B\r:-|-:\r1 | 2\n',
  'empty': '',
};

describe('parseMarkdown with the GFM extensions a text can use', () => {
  for (const [name, text] of Object.entries(crafted)) {
    it(`gives the full parse: ${name}`, () => expectSameParse(text, name));
  }

  it('gives the full parse on shuffled mixes of the crafted documents', () => {
    // A fixed-seed generator: the same documents on every run.
    let seed = 18;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const parts = Object.values(crafted).flatMap((t) => t.split('\n'));
    for (let i = 0; i < 300; i++) {
      const lines: string[] = [];
      const count = 1 + next(12);
      for (let k = 0; k < count; k++) lines.push(parts[next(parts.length)] as string);
      const text = lines.join(next(3) ? '\n' : '\n\n');
      expectSameParse(text, JSON.stringify(text));
    }
  });

  it('still gives a document the constructs it uses', () => {
    const types = (text: string): Set<string> => {
      const seen = new Set<string>();
      const walk = (n: { type: string; children?: unknown[]; checked?: boolean | null }): void => {
        seen.add(n.type === 'listItem' && typeof n.checked === 'boolean' ? 'taskItem' : n.type);
        for (const c of n.children ?? []) walk(c as typeof n);
      };
      walk(parseMarkdown(text));
      return seen;
    };
    expect(types('a | b\n-|-\n1 | 2\n')).toContain('table');
    expect(types('a\n:-\n')).toContain('table');
    expect(types('a ~b~ c\n')).toContain('delete');
    expect(types('x[^1]\n\n[^1]: y\n')).toContain('footnoteReference');
    expect(types('x[^1]\n\n[^1]: y\n')).toContain('footnoteDefinition');
    expect(types('- [x] done\n')).toContain('taskItem');
    expect(types('See www.example.com\n')).toContain('link');
    expect(types('Mail a@b.co\n')).toContain('link');
    expect(types('Mail a&#64;b.co\n')).toContain('link');
    expect(types('[docs](https://a.b) and https://c.d\n')).toContain('link');
    // A destination alone gives the one link, not a second one.
    const tree = parseMarkdown('[docs](https://a.b/c)\n');
    expect(JSON.stringify(tree).match(/"type":"link"/g)).toHaveLength(1);
  });

  it('reads the triggers of each construct', () => {
    expect(gfmNeeds('plain text, nothing else')).toBe(0);
    expect(gfmNeeds('WWW.X.COM')).toBe(1);
    expect(gfmNeeds('HTTPS://x')).toBe(1);
    expect(gfmNeeds('a@b')).toBe(1);
    expect(gfmNeeds('&#64;')).toBe(1);
    expect(gfmNeeds('a && b')).toBe(0);
    expect(gfmNeeds('[^1]')).toBe(2);
    expect(gfmNeeds('~')).toBe(4);
    expect(gfmNeeds('a|b\n-|-')).toBe(8);
    expect(gfmNeeds('a\n:-')).toBe(8);
    expect(gfmNeeds('a\n-:')).toBe(8);
    expect(gfmNeeds('> > a\n> >  | --- |\r\n')).toBe(8);
    expect(gfmNeeds('a\n-')).toBe(0);
    expect(gfmNeeds('ps aux | grep x\n---\n- a: b\n')).toBe(0);
    expect(gfmNeeds('[ ]')).toBe(16);
    expect(gfmNeeds('[x]')).toBe(16);
    expect(gfmNeeds('[\n]')).toBe(16);
  });

  it('builds on the same GFM packages remark-gfm uses', () => {
    // The subsets are only the full parse if they are the very same code.
    const sdk = createRequire(path.join(repo, 'packages/sdk/package.json'));
    const gfm = createRequire(sdk.resolve('remark-gfm'));
    const micromarkGfm = createRequire(gfm.resolve('micromark-extension-gfm'));
    const mdastGfm = createRequire(gfm.resolve('mdast-util-gfm'));
    for (const name of ['autolink-literal', 'footnote', 'strikethrough', 'table', 'task-list-item']) {
      expect(realpathSync(sdk.resolve(`micromark-extension-gfm-${name}`))).toBe(realpathSync(micromarkGfm.resolve(`micromark-extension-gfm-${name}`)));
      expect(realpathSync(sdk.resolve(`mdast-util-gfm-${name}`))).toBe(realpathSync(mdastGfm.resolve(`mdast-util-gfm-${name}`)));
    }
    expect(realpathSync(sdk.resolve('micromark-util-combine-extensions'))).toBe(realpathSync(micromarkGfm.resolve('micromark-util-combine-extensions')));
  });

  it('gives the full parse on every Markdown file of examples/', () => {
    const files = markdownFiles(path.join(repo, 'examples'));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expectSameParse(body(text), f);
      expectSameParse(text, `${f} (front matter as Markdown)`);
    }
  });

  itCorpus('gives the full parse on every Markdown file of the shared corpus', () => {
    const files = markdownFiles(corpusDir);
    expect(files.length).toBeGreaterThan(50);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expectSameParse(body(text), f);
      expectSameParse(text, `${f} (front matter as Markdown)`);
    }
  }, 60_000);
});
