import path from 'node:path';
import { createHash } from 'node:crypto';
import type { ContentDocument, ContentGraph, ContentItem } from '@labkit/sdk';
import type { ItemKind, SiteContent, SiteDoc, SiteItem, SiteLesson, SiteModule } from './site-content.ts';

/**
 * The site's view of the SDK's content graph. The site never parses:
 * bodies are the graph's mdast (parsed once by the SDK pipeline), and the
 * diagnostics are the graph's (the same ones `lab validate` prints).
 */
const LISTED = new Set<string>(['tutorial', 'challenge', 'skill-path', 'course']);

/**
 * The content hash in a published asset's name (`logo.<10 hex>.png`): sha256,
 * unlike the SDK's sha1 `digestOf` for parse caches, because it names public
 * URLs (changing it would rename every published asset).
 */
export function assetDigest(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return undefined;
}

function list(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * The site model of a graph (the process's one graph: `lab dev`'s store,
 * `lab build`'s or `lab publish`'s load). The site never loads content itself.
 */
export function siteContentFromGraph(graph: ContentGraph): SiteContent {
  const abs = (rel: string) => path.join(graph.root, rel);
  const doc = (d: ContentDocument, slug?: string): SiteDoc => {
    const data = d.data ?? {};
    const name = slug ?? d.name;
    const description = str(data['description'])?.trim();
    return {
      file: abs(d.file),
      digest: d.parsed.digest,
      slug: name,
      title: str(data['title']) ?? name,
      ...(description ? { description } : {}),
      frontMatter: data,
      body: () => d.parsed.mdast,
    };
  };
  const lesson = (item: ContentItem): SiteLesson | undefined => {
    const [index, ...rest] = item.documents;
    if (!index) return undefined;
    return { ...doc(index, item.name), units: rest.filter((d) => d.role === 'unit').map((d) => doc(d)) };
  };
  const modulesOf = (course: ContentItem): SiteModule[] => {
    const modules: SiteModule[] = [];
    const flat: SiteLesson[] = [];
    for (const id of course.children) {
      const child = graph.byId.get(id);
      if (!child) continue;
      if (child.kind === 'lesson') {
        const l = lesson(child);
        if (l) flat.push(l);
        continue;
      }
      const lessons = child.children.map((cid) => graph.byId.get(cid)).filter((c): c is ContentItem => c?.kind === 'lesson').map(lesson).filter((l): l is SiteLesson => l !== undefined);
      const description = str(child.data?.['description']);
      modules.push({ slug: child.name, title: str(child.data?.['title']) ?? child.name, ...(description ? { description } : {}), lessons });
    }
    if (flat.length) modules.unshift({ slug: '', title: 'Lessons', lessons: flat });
    return modules;
  };

  const items: SiteItem[] = [];
  for (const item of graph.items) {
    if (!LISTED.has(item.kind) || item.parent) continue;
    const index = item.documents.find((d) => d.role === 'index');
    if (!index) continue;
    const fm = item.data ?? {};
    const base = doc(index, item.name);
    const difficulty = str(fm['difficulty']) ?? list(fm['difficulties'])[0];
    const cover = str(fm['cover']);
    const createdAt = str(fm['createdAt']);
    const updatedAt = str(fm['updatedAt']);
    items.push({
      ...base,
      kind: item.kind as ItemKind,
      dir: abs(item.dir),
      categories: list(fm['categories']),
      tags: list(fm['tagz'] ?? fm['tags']),
      ...(difficulty ? { difficulty } : {}),
      ...(cover ? { cover } : {}),
      ...(createdAt ? { createdAt } : {}),
      ...(updatedAt ? { updatedAt } : {}),
      taskNames: item.tasks.map((t) => t.name),
      units: item.kind === 'skill-path' ? item.documents.filter((d) => d.role === 'unit').map((d) => doc(d)) : [],
      modules: item.kind === 'course' ? modulesOf(item) : [],
      extras: item.documents.filter((d) => d.role === 'solution' && d.file.endsWith('.md')).map((d) => doc(d)),
    });
  }
  return { root: graph.root, items, diagnostics: graph.diagnostics };
}
