import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { ContentDocument, ContentGraph, ContentItem } from '../graph/types.ts';
import { referenceKinds } from '../schemas/references.ts';
import { placeOf, Reporter } from './context.ts';
import { checkQuizzes } from './quiz-rules.ts';
import { checkAnchor, checkDocumentBody, normalizeName, type BodyUsage, type LinkUse } from './document-rules.ts';
import { checkSchema, type Placement } from './schema-rules.ts';
import { checkPlaygrounds } from './playground-rules.ts';
import { checkTasks } from './task-rules.ts';
import { rewordForDefinitions } from './definition-wording.ts';
import { closest } from './suggest.ts';

/**
 * Runs every rule over a loaded graph: per document (schema, MDC, assets,
 * links), per item (tasks), then across items (names, references). Every
 * cross-item rule goes through maps built once, so the cost stays linear.
 * `orphans` are index documents whose kind fits nowhere.
 */
export function validateGraph(
  graph: ContentGraph,
  orphans: readonly ContentDocument[] = [],
  cache?: ValidationCache,
): Diagnostic[] {
  const r = new Reporter();
  const filesKey = cache ? fileSetKey(graph.files) : '';
  const nextCache: ValidationCache['items'] = new Map();
  for (const doc of orphans) checkSchema(doc, doc.name && graph.items.some((i) => i.kind === 'course' && doc.file.startsWith(i.dir + '/')) ? 'course-part' : 'top', r);

  const dirs = new Set<string>();
  for (const f of graph.files) {
    for (let i = f.indexOf('/'); i !== -1; i = f.indexOf('/', i + 1)) dirs.add(f.slice(0, i));
  }
  // Links into other documents are checked after every item: their targets
  // may change without the linking item changing (so they are not cached).
  const links: LinkUse[] = [];
  for (const item of graph.items) {
    const key = cache ? itemKey(item, filesKey) : '';
    const hit = cache?.items.get(item.id);
    if (hit && hit.key === key) {
      // Same documents, same file set: per-item results cannot differ.
      item.documents.forEach((d, i) => {
        const v = hit.validated[i];
        if (v) {
          d.data = v;
          d.valid = true;
        }
      });
      item.data = item.documents[0]?.data;
      r.out.push(...hit.diagnostics);
      links.push(...hit.links);
      nextCache.set(item.id, hit);
      continue;
    }
    const before = r.out.length;
    const usage: BodyUsage[] = [];
    const taskNames = new Set(item.tasks.map((t) => t.name));
    const listed = item.playground?.machines;
    const machines = Array.isArray(listed) ? new Set(listed.map((m) => m?.name).filter((n): n is string => typeof n === 'string')) : undefined;
    for (const doc of item.documents) {
      const placement: Placement =
        doc.role === 'solution' ? 'solution' : doc.role === 'unit' ? 'unit' : item.kind === 'module' || item.kind === 'lesson' ? 'course-part' : 'top';
      const validated = checkSchema(doc, placement, r);
      if (validated) {
        doc.data = validated;
        doc.valid = true;
      }
      usage.push(checkDocumentBody({ item, doc, files: graph.files, dirs, taskNames, machines }, r));
      checkQuizzes(doc, doc.file.includes('#') ? doc.metaFile : doc.file, r);
    }
    item.data = item.documents[0]?.data;
    checkTasks(item, usage, r);
    checkUnitNames(item, r);
    if (item.format === 'typescript') rewordForDefinitions(r.out, before);
    const itemLinks = usage.flatMap((u) => u.links);
    links.push(...itemLinks);
    if (cache) {
      nextCache.set(item.id, {
        key,
        links: itemLinks,
        diagnostics: r.out.slice(before),
        validated: item.documents.map((d) => (d.valid ? d.data : undefined)),
      });
    }
  }
  if (cache) cache.items = nextCache;
  checkNames(graph, r);
  checkPlaygrounds(graph, r);
  checkReferences(graph, r);
  checkLinks(graph, links, r);
  return r.out;
}

/** URL collections of the site (and the platform) whose pages are content items. */
const PAGE_COLLECTIONS: Record<string, ContentItem['kind']> = { tutorials: 'tutorial', challenges: 'challenge', 'skill-paths': 'skill-path', courses: 'course' };

/**
 * Root-relative links (`/tutorials/getting-started#setup`) against the
 * graph's pages, and anchors into other documents against their headings.
 * A page that is not in this repository may exist on the platform, so that
 * is info, unless a local page has a near-identical name (likely a typo).
 */
function checkLinks(graph: ContentGraph, links: LinkUse[], r: Reporter): void {
  if (!links.length) return;
  const pages = new Map<string, Map<string, ContentItem>>();
  for (const item of graph.items) {
    const collection = Object.keys(PAGE_COLLECTIONS).find((c) => PAGE_COLLECTIONS[c] === item.kind);
    if (!collection) continue;
    let m = pages.get(collection);
    if (!m) pages.set(collection, (m = new Map()));
    m.set(normalizeName(item.name), item);
  }
  for (const link of links) {
    if (link.kind === 'doc') {
      const target = graph.documents.get(link.target);
      if (target && link.anchor) checkAnchor(target.parsed.mdast, link.anchor, link.span, link.file, r, `"${link.target}"`);
      continue;
    }
    const [collection, name, ...rest] = link.target.split('/').filter(Boolean);
    if (!collection || !name || !Object.hasOwn(PAGE_COLLECTIONS, collection)) continue;
    const kind = PAGE_COLLECTIONS[collection]!;
    const candidates = pages.get(collection) ?? new Map<string, ContentItem>();
    const item = candidates.get(normalizeName(name));
    if (item) {
      const doc = item.documents[0];
      if (doc && link.anchor && rest.length === 0) checkAnchor(doc.parsed.mdast, link.anchor, link.span, link.file, r, `/${collection}/${item.name}`);
      continue;
    }
    const near = closest(normalizeName(name), candidates.keys());
    r.report(
      'lab:broken-link',
      link.file,
      link.span,
      near
        ? `No ${kind} "${name}" in this repository: "${link.target}" leads nowhere. Did you mean "/${collection}/${candidates.get(near)?.name}"?`
        : `"${link.target}": no ${kind} "${name}" in this repository; it must exist on the platform.`,
      { severity: near ? 'warning' : 'info' },
    );
  }
}

function checkUnitNames(item: ContentItem, r: Reporter): void {
  const seen = new Map<string, ContentDocument>();
  for (const doc of item.documents) {
    if (doc.role !== 'unit') continue;
    const prev = seen.get(doc.name);
    if (prev) {
      r.report('lab:duplicate-name', doc.metaFile, placeOf(doc, ['name'], 'value'), `Unit name "${doc.name}" is already used in this ${item.kind}.`, {
        related: [{ file: prev.metaFile, span: placeOf(prev, ['name'], 'value'), message: 'first used here' }],
      });
    } else seen.set(doc.name, doc);
  }
}

function checkNames(graph: ContentGraph, r: Reporter): void {
  const seen = new Map<string, ContentItem>();
  for (const item of graph.items) {
    const key = item.kind === 'module' || item.kind === 'lesson' ? item.id : `${item.kind}:${normalizeName(item.name)}`;
    const prev = seen.get(key);
    const doc = item.documents[0];
    if (!doc) continue;
    if (prev) {
      const prevDoc = prev.documents[0] as ContentDocument;
      r.report('lab:duplicate-name', doc.metaFile, placeOf(doc, ['kind'], 'key'), `Another ${item.kind} is already named "${item.name}"; their URLs would collide.`, {
        related: [{ file: prevDoc.metaFile, span: placeOf(prevDoc, ['kind'], 'key'), message: `the other ${item.kind}` }],
        hint: 'Rename one of the folders (the folder name is the slug).',
      });
    } else seen.set(key, item);
  }
}

function checkReferences(graph: ContentGraph, r: Reporter): void {
  // kind → normalised name → item, built once.
  const local = new Map<string, Map<string, ContentItem>>();
  const lessonsOf = new Map<string, Set<string>>();
  for (const item of graph.items) {
    if (item.kind === 'lesson') {
      const course = item.id.slice('lesson:'.length).split('/')[0] as string;
      let s = lessonsOf.get(course);
      if (!s) lessonsOf.set(course, (s = new Set()));
      s.add(item.path);
      continue;
    }
    if (item.kind === 'module') continue;
    let m = local.get(item.kind);
    if (!m) local.set(item.kind, (m = new Map()));
    m.set(normalizeName(item.name), item);
  }
  for (const item of graph.items) {
    for (const ref of item.references) {
      const kind = referenceKinds[ref.map];
      if (kind === 'playground' || kind === 'roadmap') continue; // never content of this repository
      const candidates = local.get(kind);
      const target = candidates?.get(normalizeName(ref.name));
      if (target) {
        ref.target = target.id;
        if (kind === 'course') {
          const have = lessonsOf.get(target.name) ?? new Set<string>();
          for (const l of ref.lessons) {
            if (!have.has(l)) {
              r.report('lab:missing-lesson', ref.file, ref.span, `Course "${ref.name}" has no lesson "${l}".${suggest(l, have)}`, {
                expected: [...have].join(', ') || 'a lesson of the course',
                actual: l,
              });
            }
          }
        }
        continue;
      }
      // Not in this repository: it may exist on the platform (the iximiuz
      // samples reference such content), so this is info, not an error,
      // unless a local item has a near-identical name (likely a typo).
      const near = candidates ? closest(normalizeName(ref.name), candidates.keys()) : undefined;
      r.report(
        'lab:missing-reference',
        ref.file,
        ref.span,
        near
          ? `No ${kind} "${ref.name}" in this repository. Did you mean "${candidates?.get(near)?.name}"?`
          : `${kind} "${ref.name}" is not in this repository; it must exist on the platform.`,
        near ? { severity: 'warning' } : {},
      );
    }
  }
}

function suggest(word: string, options: Iterable<string>): string {
  const c = closest(word, options);
  return c ? ` Did you mean "${c}"?` : '';
}

/**
 * Per-item results of the previous run, for `updateFiles`: an item whose
 * documents and the repository's file set are unchanged is not re-checked.
 * Cross-item rules always run (they are linear).
 */
export interface ValidationCache {
  items: Map<string, { key: string; diagnostics: Diagnostic[]; links: LinkUse[]; validated: (Record<string, unknown> | undefined)[] }>;
}

function fileSetKey(files: Set<string>): string {
  let h = 0;
  let n = 0;
  for (const f of files) {
    for (let i = 0; i < f.length; i++) h = (Math.imul(h, 31) + f.charCodeAt(i)) | 0;
    h = (Math.imul(h, 31) + 47) | 0;
    n++;
  }
  return `${n}:${h}`;
}

function itemKey(item: ContentItem, filesKey: string): string {
  // `machines` may be anything an author wrote (`machines: ...`): the schema rule reports it, this must not throw.
  const machines = item.playground?.machines;
  let key = `${filesKey}|${item.kind}|${JSON.stringify(Array.isArray(machines) ? machines.map((m) => m?.name) : null)}`;
  for (const d of item.documents) {
    key += `|${d.file}:${d.parsed.digest}`;
    // TS metadata lives outside the body's digest.
    if (d.metaFile !== d.file || item.format === 'typescript') key += JSON.stringify(d.data);
  }
  return key;
}
