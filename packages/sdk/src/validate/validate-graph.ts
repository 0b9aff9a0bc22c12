import type { Diagnostic, Span } from '../diagnostics/diagnostic.ts';
import { Reporter } from '../diagnostics/reporter.ts';
import { getComponent } from '../components/registry.ts';
import type { ContentDocument, ContentGraph, ContentItem } from '../graph/types.ts';
import { PropLocator, isMdcBinding, readComponentProps, type MdcComponentNode } from '../parse/mdc-props.ts';
import type { Image, Link } from 'mdast';
import type { BodyUsage, BodyVisitor, DocumentContext, DocumentRule, GraphRule, ItemRule, LinkUse } from './rule.ts';
import { checkSchema, type Placement } from './rules/schema.ts';
import { unknownComponent } from './rules/unknown-component.ts';
import { unclosedComponent } from './rules/unclosed-component.ts';
import { componentProps } from './rules/component-props.ts';
import { unknownSlot } from './rules/unknown-slot.ts';
import { taskComponents } from './rules/task-components.ts';
import { cardReferences } from './rules/card-references.ts';
import { images } from './rules/images.ts';
import { componentMachines } from './rules/component-machines.ts';
import { quizStructure } from './rules/quiz-structure.ts';
import { crossLinks, links } from './rules/links.ts';
import { tasks } from './rules/tasks.ts';
import { duplicateItemNames, duplicateUnitNames } from './rules/duplicate-names.ts';
import { playgrounds } from './rules/playgrounds.ts';
import { references } from './rules/references.ts';
import { rewordForDefinitions } from './definition-wording.ts';

/** Rules over one document's body, in one walk (order: the order they report in). */
export const documentRules: readonly DocumentRule[] = [unknownComponent, unclosedComponent, componentProps, unknownSlot, taskComponents, cardReferences, images, componentMachines, links, quizStructure];
/** Rules over one item, after its documents. */
export const itemRules: readonly ItemRule[] = [tasks, duplicateUnitNames];
/** Rules across the graph, after every item. */
export const graphRules: readonly GraphRule[] = [duplicateItemNames, playgrounds, references, crossLinks];

/**
 * Runs every rule over a loaded graph: per document (schema, then the body
 * rules in one walk), per item, then across items. Every cross-item rule
 * goes through maps built once, so the cost stays linear. `orphans` are
 * index documents whose kind fits nowhere.
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
      usage.push(walkBody(documentContext(item, doc, graph.files, dirs, taskNames, machines, r)));
    }
    item.data = item.documents[0]?.data;
    for (const rule of itemRules) rule.item(item, usage, r);
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
  for (const rule of graphRules) rule.graph(graph, links, r);
  return r.out;
}

function documentContext(item: ContentItem, doc: ContentDocument, files: Set<string>, dirs: Set<string>, taskNames: Set<string>, machines: Set<string> | undefined, r: Reporter): DocumentContext {
  const source = doc.parsed.source;
  // Prop places come from the parse (the YAML block's node ranges, the
  // inline block's tokens), built only for a component with a problem.
  let locator: PropLocator | undefined;
  const nameSpan = (n: MdcComponentNode): Span => {
    const p = n.position!;
    // A binding's place is its expression: widen it to the braces around it.
    if (isMdcBinding(n) && p.start.offset !== undefined && source.startsWith('{{', p.start.offset - 2) && p.start.line === p.end.line) {
      return { start: { line: p.start.line, column: p.start.column - 2 }, end: { line: p.end.line, column: p.end.column + 2 } };
    }
    // `::name` / `:::name` (nested blocks take more colons) / `:name`, counted at the node's offset.
    let colons = n.type === 'textComponent' ? 1 : 2;
    if (n.type !== 'textComponent' && p.start.offset !== undefined) {
      let i = p.start.offset;
      while (source[i] === ':') i++;
      colons = Math.max(2, i - p.start.offset);
    }
    return { start: { line: p.start.line, column: p.start.column }, end: { line: p.start.line, column: p.start.column + colons + (n.name?.length ?? 0) } };
  };
  return {
    item,
    doc,
    file: doc.file.includes('#') ? doc.metaFile : doc.file,
    files,
    dirs,
    taskNames,
    machines,
    usage: { shownTasks: [], links: [] },
    r,
    nameSpan,
    propSpan: (n, key, part = 'key') => (locator ??= new PropLocator(source)).place(n, key, readComponentProps(n).origin[key] ?? 'inline', part) ?? nameSpan(n),
    inlinePropSpan: (n, key) => (locator ??= new PropLocator(source)).place(n, key, 'inline', 'value'),
  };
}

interface WalkNode {
  type: string;
  children?: WalkNode[];
  position?: unknown;
}

/** The one walk over a document's body: every document rule's visitor sees each node once. */
function walkBody(ctx: DocumentContext): BodyUsage {
  const visitors: BodyVisitor[] = [];
  for (const rule of documentRules) {
    const v = rule.document(ctx);
    if (v) visitors.push(v);
  }
  const walk = (n: WalkNode): void => {
    switch (n.type) {
      case 'containerComponent':
      case 'leafComponent':
      case 'textComponent':
        if (n.position) {
          const node = n as unknown as MdcComponentNode;
          const visit = { node, name: node.name ?? '', spec: getComponent(node.name ?? ''), props: readComponentProps(node) };
          for (const v of visitors) v.component?.(visit);
        }
        break;
      case 'image':
        for (const v of visitors) v.image?.(n as unknown as Image);
        break;
      case 'link':
        for (const v of visitors) v.link?.(n as unknown as Link);
        break;
      case 'code':
      case 'inlineCode':
        return;
    }
    if (n.children) for (const c of n.children) walk(c);
  };
  walk(ctx.doc.parsed.mdast as unknown as WalkNode);
  for (const v of visitors) v.end?.();
  return ctx.usage;
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
