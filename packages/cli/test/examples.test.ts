import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { componentRegistry, loadContent } from '@labkit/sdk';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers.ts';

const examples = join(repoRoot, 'examples');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.md'))
    .map((e) => join(e.parentPath, e.name));
}

describe('examples/', () => {
  it('has every kind, a TypeScript challenge and a multi-machine challenge', async () => {
    const graph = await loadContent(examples);
    const kinds = new Set(graph.items.map((i) => i.kind));
    for (const kind of ['tutorial', 'challenge', 'skill-path', 'course', 'module', 'lesson']) expect(kinds, kind).toContain(kind);
    expect(graph.items.some((i) => i.kind === 'challenge' && i.format === 'typescript')).toBe(true);
    expect(graph.items.some((i) => i.kind === 'challenge' && (i.playground?.machines?.length ?? 0) > 1)).toBe(true);
  });

  it('uses every component of the registry', () => {
    const text = markdownFiles(examples).map((f) => readFileSync(f, 'utf8')).join('\n');
    for (const [name, spec] of Object.entries(componentRegistry)) {
      const usage = spec.form === 'block' ? `::${name}` : `:${name}`;
      expect(text.includes(usage), `${usage} is not used in examples/`).toBe(true);
    }
  });

  it('shows every task feature and gives every challenge a CI solution', async () => {
    const graph = await loadContent(examples);
    const tasks = graph.items.flatMap((i) => i.tasks.map((t) => t.task));
    expect(tasks.some((t) => t.init)).toBe(true);
    expect(tasks.some((t) => t.helper)).toBe(true);
    expect(tasks.some((t) => t.user)).toBe(true);
    expect(tasks.some((t) => t.hintcheck)).toBe(true);
    expect(tasks.some((t) => t.failcheck)).toBe(true);
    expect(tasks.some((t) => t.env?.some((e) => /x\(\.needs\.\w+\.stdout\)/.test(e)))).toBe(true);
    expect(tasks.some((t) => t.run.includes('x(.input)'))).toBe(true);
    for (const item of graph.items.filter((i) => i.kind === 'challenge')) {
      expect(item.solutions.some((s) => s.endsWith('solution.sh')), `${item.id} has solution.sh`).toBe(true);
      expect(item.solutions.some((s) => s.endsWith('solution.md')), `${item.id} has solution.md`).toBe(true);
    }
  });
});
