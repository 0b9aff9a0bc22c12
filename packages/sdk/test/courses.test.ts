// Courses: nested numeric-prefixed folders (Markdown) and defineCourse (TS)
// give the same structure; lessons inherit the course playground; lesson
// units show the lesson's tasks; skill path units resolve course lessons.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContent, type ContentGraph } from '../src/index.ts';

const root = join(import.meta.dirname, 'fixtures/courses');

function outline(graph: ContentGraph, id: string): unknown {
  const item = graph.byId.get(id);
  if (!item) return undefined;
  return {
    kind: item.kind,
    path: item.path,
    playground: item.playground?.name,
    tasks: item.tasks.map((t) => t.name),
    units: item.documents.filter((d) => d.role === 'unit').map((d) => d.name),
    children: item.children.map((c) => outline(graph, c)),
  };
}

describe('courses', async () => {
  const graph = await loadContent(root);

  it('load without problems', () => {
    expect(graph.diagnostics).toEqual([]);
  });

  it('order modules and lessons by numeric prefix, strip it from names, and inherit the playground', () => {
    expect(outline(graph, 'course:md-course')).toEqual({
      kind: 'course',
      path: 'md-course',
      playground: 'docker',
      tasks: [],
      units: [],
      children: [
        {
          kind: 'module',
          path: 'basics',
          playground: undefined,
          tasks: [],
          units: [],
          children: [
            { kind: 'lesson', path: 'basics/first', playground: 'docker', tasks: ['verify_run'], units: ['check'], children: [] },
            { kind: 'lesson', path: 'basics/second', playground: 'docker', tasks: [], units: [], children: [] },
          ],
        },
        { kind: 'lesson', path: 'wrap-up', playground: 'debian', tasks: [], units: [], children: [] },
      ],
    });
    expect(graph.byId.get('lesson:md-course/basics/first')?.parent).toBe('module:md-course/basics');
  });

  it('builds the same structure from defineCourse', () => {
    const strip = (o: unknown): unknown => JSON.parse(JSON.stringify(o, (k, v) => (k === 'playground' ? undefined : v)));
    const md = strip(outline(graph, 'course:md-course')) as { children: { children: unknown[] }[] };
    // The TS course has no second lesson and no own wrap-up playground.
    md.children[0]?.children.splice(1, 1);
    expect(strip(outline(graph, 'course:ts-course'))).toEqual({ ...md, path: 'ts-course' });
  });

  it('resolves skill path units to course lessons in the repository', () => {
    const refs = graph.byId.get('skill-path:ts-path')?.references ?? [];
    expect(refs.map((r) => [r.name, r.target, r.lessons])).toEqual([
      ['md-course', 'course:md-course', ['basics/first']],
      ['ts-course', 'course:ts-course', ['basics/first', 'wrap-up']],
    ]);
  });
});
