import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusPath, itCorpus } from '../../../../test-support/corpus.ts';
import { parseDocument, parseCodeMeta, renderDocument } from '../../src/index.ts';

const render = (md: string, opts = {}) => renderDocument(parseDocument(md, { file: 'x.md' }).mdast, opts);

describe('renderDocument', () => {
  it('renders task slots, a status indicator and reports the tasks in order', async () => {
    const out = await render('::simple-task\n---\n:name: a\n---\n#active\nWaiting\n\n#completed\nDone!\n::\n\n::user-input-task\n---\n:name: b\n:validateRegex: ^x$\n---\nAsk\n::\n');
    expect(out.tasks).toEqual([{ name: 'a', component: 'simple-task' }, { name: 'b', component: 'user-input-task' }]);
    expect(out.html).toContain('data-task="a"');
    expect(out.html).toContain('<span class="lk-task-status" aria-hidden="true"></span>');
    expect(out.html).toMatch(/lk-task-active"><p>Waiting<\/p>/);
    expect(out.html).toMatch(/lk-task-completed"><p>Done!<\/p>/);
    expect(out.html).toContain('data-pattern="^x$"');
    expect(out.islands).toContain('tasks');
  });

  it('highlights fences with Shiki, keeps the file name and marks the highlighted lines', async () => {
    const out = await render('```yaml [~/my/file.yaml]{2,4-5}\na: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\n```\n');
    expect(out.html).toContain('<span class="lk-code-file">~/my/file.yaml</span>');
    expect(out.html).toContain('class="shiki');
    const lines = [...out.html.matchAll(/<span class="line( hl)?">/g)].map((m) => Boolean(m[1]));
    expect(lines).toEqual([false, true, false, true, true, false]);
    expect(out.html).toContain('data-copy');
  });

  it('parses code meta', () => {
    expect(parseCodeMeta('[a b.txt]{1,3-4}')).toEqual({ filename: 'a b.txt', highlight: new Set([1, 3, 4]) });
    expect(parseCodeMeta(undefined)).toEqual({ highlight: new Set() });
  });

  it('strips scripts, event handlers and javascript: URLs by default', async () => {
    const out = await render(
      [
        '<script>alert(1)</script>',
        '',
        '<img src="x" onerror="alert(2)">',
        '',
        '[x](javascript:alert(3)) [y](  JaVaScRiPt:alert(4))',
        '',
        ':highlight[m]{onclick="alert(5)"}',
        '',
        '::remark-box{kind="info" onmouseover="alert(6)" style="x"}',
        'hi',
        '::',
        '',
        '::image-box',
        '---',
        ':src: javascript:alert(7)',
        ':max-width: "1px;background:url(javascript:alert(8))"',
        '---',
        '::',
      ].join('\n'),
    );
    expect(out.html).not.toMatch(/<script/i);
    expect(out.html).not.toMatch(/\son[a-z]+=/i);
    expect(out.html).not.toMatch(/javascript:/i);
    expect(out.html).not.toMatch(/style="[^"]*url/i);
    expect(out.diagnostics.map((d) => d.ruleId)).toContain('lab:unsafe-url');
  });

  it('keeps raw HTML only with the explicit trusted opt-in', async () => {
    const md = 'Before <kbd class="x">Ctrl</kbd> after\n\n<div class="trusted">ok</div>\n';
    expect((await render(md)).html).not.toContain('<div class="trusted">');
    const trusted = await render(md, { allowDangerousHtml: true });
    expect(trusted.html).toContain('<div class="trusted">ok</div>');
  });

  it('shows unknown components with a notice in preview, quietly otherwise', async () => {
    const md = '::mystery\nBody text\n::\n';
    const preview = await render(md, { preview: true });
    expect(preview.html).toContain('Unknown component “mystery”');
    expect(preview.html).toContain('Body text');
    const prod = await render(md);
    expect(prod.html).not.toContain('Unknown component');
    expect(prod.html).toContain('Body text');
    expect(prod.diagnostics[0]).toMatchObject({ ruleId: 'lab:unknown-component', severity: 'warning', span: { start: { line: 1, column: 1 } } });
  });

  it('shows an MDC binding ({{ expr }}, a component without children) as written instead of throwing', async () => {
    const out = await render('Run `ls`{{exec}} then {{ $doc.title }}.\n', { preview: true });
    expect(out.html).toContain('<code>ls</code>{{ exec }} then {{ $doc.title }}.');
    expect(out.html).not.toContain('Unknown component');
  });

  itCorpus('renders the Killercoda examples that use {{exec}} markers (content by others, read in place)', async () => {
    // code-actions also has `{{}}`, which micromark's development build (the one vitest resolves) rejects, so its
    // body is skipped with a diagnostic here; Node's production build reads it as an empty binding.
    for (const name of ['kubernetes-1node', 'upload-assets', 'theia-ide-visual-editor', 'code-actions']) {
      const doc = parseDocument(readFileSync(corpusPath('killercoda-examples', name, 'step1.md'), 'utf8'), { file: 'step1.md' });
      const out = await renderDocument(doc.mdast, {});
      if (name !== 'code-actions') expect(out.html, name).toContain('{{ exec');
    }
  });

  it('resolves assets and cards through the caller and reports missing ones', async () => {
    const out = await render('![a](__static__/a.png)\n\n::image-box\n---\n:src: __static__/b.png\n---\n::\n\n::card\n---\n:content: tutorials.t\n---\n::\n', {
      resolveAsset: (src: string) => (src === '__static__/b.png' ? { url: '/_assets/b.1.png', width: 10, height: 20 } : undefined),
      resolveCard: () => ({ kind: 'tutorial', title: 'The T', url: '/tutorials/t/' }),
    });
    expect(out.html).toContain('src="/_assets/b.1.png" alt="" loading="lazy" decoding="async" width="10" height="20"');
    expect(out.html).toContain('<a class="lk-card lk-card-tutorial" href="/tutorials/t/"');
    // Plain Markdown images resolve like image-box; unknown ones are reported.
    expect(out.missingAssets).toEqual(['__static__/a.png']);
    expect(out.assets).toEqual(['__static__/a.png', '__static__/b.png']);
    const external = await render('![x](https://example.com/x.png)\n');
    expect(external.html).toContain('src="https://example.com/x.png"');
    expect(external.missingAssets).toEqual([]);
  });

  it('resolves reference-style links and images like inline ones', async () => {
    const md = [
      'See [the other page][other], [the archive][arc] and [Docs][] with ![a diagram][fig].',
      '',
      '[other]: ../other/index.md#setup "Other"',
      '[ARC]: __static__/app.tar.gz?v=1',
      '[docs]: https://example.com/docs',
      '[fig]: __static__/fig.png',
      '',
      'Broken: [no such][nope] and ![gone][nope].',
      '',
    ].join('\n');
    const out = await render(md, {
      resolveAsset: (src: string) => (src === '__static__/app.tar.gz' ? { url: '/_assets/app.1.tar.gz' } : src === '__static__/fig.png' ? { url: '/_assets/fig.2.png', width: 4, height: 3 } : undefined),
      resolveLink: (href: string) => (href === '../other/index.md#setup' ? '/tutorials/other/#setup' : undefined),
    });
    expect(out.html).toContain('<a href="/tutorials/other/#setup" title="Other">the other page</a>');
    expect(out.html).toContain('<a href="/_assets/app.1.tar.gz?v=1">the archive</a>');
    expect(out.html).toContain('<a href="https://example.com/docs">Docs</a>');
    expect(out.html).toContain('src="/_assets/fig.2.png" alt="a diagram"');
    expect(out.assets).toEqual(['__static__/app.tar.gz', '__static__/fig.png']);
    // micromark makes a reference only where a definition exists; the rest stays text.
    expect(out.html).not.toContain('no such</a>');
    const missing = await render('[x][m]\n\n[m]: __static__/missing.zip\n');
    expect(missing.missingAssets).toEqual(['__static__/missing.zip']);
  });

  it('gives headings stable, unique ids for the table of contents', async () => {
    const out = await render('## Intro\n\n## Intro\n\n### Deep `code`\n');
    expect(out.headings).toEqual([
      { depth: 2, id: 'intro', text: 'Intro' },
      { depth: 2, id: 'intro-1', text: 'Intro' },
      { depth: 3, id: 'deep-code', text: 'Deep code' },
    ]);
  });
});
