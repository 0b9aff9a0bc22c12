import { describe, expect, it, vi } from 'vitest';
import { parseDocument } from '../src/index.ts';

const doc = `---
kind: tutorial
title: "Parse Test Tutorial"
tasks:
  verify_a:
    needs:
      - init_b
---
Pull the image :latest and run :tab{text='t' machine='m'}.

::simple-task
---
:tasks: tasks
:name: verify_a
---
#active
Waiting.

  #not-a-slot
still active content

#completed
Done.
::
`;

describe('parseDocument', () => {
  const parsed = parseDocument(doc, { file: 'x/index.md' });

  it('keeps a 1-based place for every front matter key and value', () => {
    expect(parsed.frontMatter.places['/title']).toEqual({
      key: { start: { line: 3, column: 1 }, end: { line: 3, column: 6 } },
      value: { start: { line: 3, column: 8 }, end: { line: 3, column: 29 } },
    });
    expect(parsed.frontMatter.places['/tasks/verify_a/needs/0']?.value).toEqual({
      start: { line: 7, column: 9 },
      end: { line: 7, column: 15 },
    });
    expect(parsed.frontMatter.data).toEqual({ kind: 'tutorial', title: 'Parse Test Tutorial', tasks: { verify_a: { needs: ['init_b'] } } });
  });

  it('gives body nodes the file line numbers', () => {
    const first = parsed.mdast.children[0];
    expect(first?.type).toBe('paragraph');
    expect(first?.position?.start).toMatchObject({ line: 9, column: 1, offset: doc.indexOf('Pull') });
  });

  it('reads a bare " :word" as text, not as a component', () => {
    const p = parsed.mdast.children[0] as { children: { type: string; value?: string; name?: string }[] };
    expect(p.children[0]).toMatchObject({ type: 'text', value: 'Pull the image :latest and run ' });
    expect(p.children[1]).toMatchObject({ type: 'textComponent', name: 'tab' });
  });

  it('does not treat an indented #slot line as a slot', () => {
    const task = parsed.mdast.children[1] as { type: string; children: { type: string; name?: string }[] };
    expect(task.type).toBe('containerComponent');
    expect(task.children.filter((c) => c.type === 'componentContainerSection').map((c) => c.name)).toEqual(['active', 'completed']);
  });

  it('reports YAML errors and duplicate keys with places, without throwing', () => {
    const bad = parseDocument('---\nkind: tutorial\nkind: challenge\nlist: [a\n---\nbody\n', { file: 'b.md' });
    expect(bad.diagnostics.map((d) => [d.ruleId, d.span.start.line])).toEqual([
      ['lab:duplicate-key', 3],
      ['lab:yaml-syntax', 5],
    ]);
    expect(bad.frontMatter.data).toBeUndefined();
    expect(bad.mdast.children[0]?.position?.start.line).toBe(6);
  });

  it('handles a file without front matter and an unclosed front matter', () => {
    expect(parseDocument('# Hi\n', { file: 'a.md' }).frontMatter.present).toBe(false);
    const open = parseDocument('---\nkind: tutorial\n', { file: 'a.md' });
    expect(open.diagnostics[0]?.ruleId).toBe('lab:yaml-syntax');
  });
});

describe('front matter with a template placeholder', () => {
  it('prints nothing on stderr and leaves the report to the diagnostics', () => {
    const warn = vi.spyOn(process, 'emitWarning');
    try {
      const doc = parseDocument('---\nkind: tutorial\ntitle: {{ title_yaml }}\n---\n\nBody\n', { file: 'index.md' });
      expect(warn).not.toHaveBeenCalled();
      expect(doc.frontMatter.data).toMatchObject({ kind: 'tutorial' });
    } finally {
      warn.mockRestore();
    }
  });
});
