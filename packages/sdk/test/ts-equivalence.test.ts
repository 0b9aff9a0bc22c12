// The same challenge written three ways (Markdown, TypeScript with an
// inline body, TypeScript metadata + body.md) must resolve to one model.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContent, type ContentItem } from '../src/index.ts';

const base = join(import.meta.dirname, 'fixtures/ts-equivalence');

/** mdast without positions and the props remark-mdc derives from them. */
function stripPositions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripPositions);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) if (k !== 'position') out[k] = stripPositions(v);
  return out;
}

function model(item: ContentItem) {
  return {
    id: item.id,
    kind: item.kind,
    name: item.name,
    data: item.data,
    playground: item.playground,
    tasks: item.tasks.map((t) => ({ name: t.name, task: t.task })),
    body: stripPositions(item.mdast),
  };
}

async function only(dir: string) {
  const graph = await loadContent(join(base, dir));
  expect(graph.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
  expect(graph.items).toHaveLength(1);
  return graph.items[0] as ContentItem;
}

describe('content as code', () => {
  it('resolves Markdown, full TypeScript and TS + Markdown body to equal models', async () => {
    const md = await only('markdown');
    const ts = await only('typescript');
    const split = await only('split');
    expect(md.format).toBe('markdown');
    expect(ts.format).toBe('typescript');
    expect(split.format).toBe('typescript');
    expect(model(ts)).toEqual(model(md));
    expect(model(split)).toEqual(model(md));
    // Defaults are applied the same way: 60 s unless set.
    expect(md.tasks.find((t) => t.name === 'verify_container')?.task.timeout_seconds).toBe(60);
    expect(md.tasks.find((t) => t.name === 'verify_container_id')?.task.timeout_seconds).toBe(30);
  });

  it('keeps body positions in the file that holds the body', async () => {
    const ts = await only('typescript');
    const split = await only('split');
    const first = (i: ContentItem) => i.mdast.children[0]?.position?.start.line;
    // The inline body starts on the `body:` line of the .lab.ts.
    expect(ts.documents[0]?.file).toBe('inspect-a-container.lab.ts');
    expect(first(ts)).toBe(24);
    expect(ts.mdast.children[0]?.position?.start.column).toBe(10);
    expect(split.documents[0]?.file).toBe('inspect-a-container/body.md');
    expect(split.documents[0]?.metaFile).toBe('inspect-a-container/index.lab.ts');
    expect(first(split)).toBe(1);
  });
});
