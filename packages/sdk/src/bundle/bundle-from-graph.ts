import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContentGraph, ContentItem } from '../graph/types.ts';
import { renderDocument } from '../render/render-document.ts';
import type { CardTarget } from '../render/render-options.ts';
import { referenceKinds } from '../schemas/references.ts';
import type { ReferenceKey } from '../schemas/references.ts';
import type { BundleInput, BundleSourceItem } from './create-bundle.ts';

/** `format` of `_bundle/model.json`. */
export const MODEL_FORMAT = 'labkit-model/1';

export interface BundleFromGraphOptions {
  /**
   * Render each document to sanitized HTML with the SDK's pipeline, so
   * consumers need no Markdown parser. Default true.
   */
  html?: boolean;
}

/**
 * Turns a loaded content graph into the bundle's input: each item with its
 * files (read from disk) and the resolved model as plain data.
 *
 * Solutions (`solution*.md`, `solution.sh`, `.solution*.sh`) are left out
 * of both: a bundle is published, often publicly, and solutions are the one
 * part of a challenge learners must not be handed.
 *
 * The model keeps what a consumer needs (validated front matter,
 * playground, tasks, references, order, parent/children, rendered HTML) and
 * leaves out the parse internals (source text, mdast, front matter places,
 * sha1 cache keys): they describe how Labkit read the files, not the course.
 */
export async function bundleInputFromGraph(graph: ContentGraph, options: BundleFromGraphOptions = {}): Promise<Omit<BundleInput, 'site'>> {
  const html = options.html ?? true;
  const items: BundleSourceItem[] = [];
  const modelItems: unknown[] = [];
  for (const item of graph.items) {
    const hidden = new Set(item.solutions);
    const files = item.files.filter((f) => !hidden.has(f) && isInside(item.dir, f));
    items.push({
      kind: item.kind,
      name: itemName(item),
      title: titleOf(item),
      path: item.dir,
      files: await Promise.all(
        files.map(async (f) => ({ path: item.dir ? f.slice(item.dir.length + 1) : f, data: await readFile(join(graph.root, ...f.split('/'))) })),
      ),
    });
    const documents = [];
    for (const doc of item.documents) {
      if (doc.role === 'solution') continue;
      const rendered = html ? await renderDocument(doc.parsed.mdast, { resolveCard: (ref) => cardFor(graph, ref.collection, ref.name) }) : undefined;
      documents.push({
        file: doc.file,
        role: doc.role,
        kind: doc.kind,
        name: doc.name,
        order: doc.order,
        data: doc.data,
        ...(rendered ? { html: rendered.html, headings: rendered.headings, tasks: rendered.tasks } : {}),
      });
    }
    modelItems.push({
      id: item.id,
      kind: item.kind,
      name: item.name,
      path: item.path,
      dir: item.dir,
      format: item.format,
      order: item.order,
      parent: item.parent,
      children: item.children,
      data: item.data,
      playground: item.playground,
      tasks: item.tasks.map((t) => ({ name: t.name, task: t.task, file: t.file })),
      references: item.references.map((r) => ({ map: r.map, name: r.name, lessons: r.lessons, target: r.target, file: r.file })),
      assets: item.assets,
      documents,
    });
  }
  return { items, model: { format: MODEL_FORMAT, items: modelItems }, modelOptions: { root: graph.root } };
}

/** The item id without its kind: unique, where a lesson's bare name may not be. */
function itemName(item: ContentItem): string {
  return item.id.startsWith(`${item.kind}:`) ? item.id.slice(item.kind.length + 1) : item.name;
}

function titleOf(item: ContentItem): string {
  const title = item.data?.title;
  return typeof title === 'string' ? title : item.name;
}

function isInside(dir: string, file: string): boolean {
  return dir === '' || file.startsWith(`${dir}/`);
}

function cardFor(graph: ContentGraph, collection: string, name: string): CardTarget | undefined {
  const kind = referenceKinds[collection as ReferenceKey];
  const item = kind ? graph.byId.get(`${kind}:${name}`) : undefined;
  if (!item) return undefined;
  const description = item.data?.description;
  return { kind: item.kind, title: titleOf(item), ...(typeof description === 'string' ? { description } : {}) };
}
