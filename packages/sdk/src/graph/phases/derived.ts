import type { Root } from 'mdast';
import { pointerSegment } from '../../parse/front-matter.ts';
import { referenceKinds, type ReferenceKey } from '../../schemas/references.ts';
import { DEFAULT_TASK_TIMEOUT_SECONDS, taskSchema, type Task } from '../../schemas/task.ts';
import type { Playground } from '../../schemas/playground.ts';
import { dirName } from '../discover.ts';
import type { ContentDocument, ContentItem, ContentReference, TaskEntry } from '../types.ts';
import type { Span } from '../../diagnostics/diagnostic.ts';
import { lazyProperty } from '../../util/lazy-property.ts';
import { EMPTY_ROOT } from './new-item.ts';
import { isLazyDocument } from '../snapshot.ts';

/**
 * Phase 6, derived fields: each file goes to the item owning its folder
 * (`__static__` files are also its assets); each item takes its index's
 * data, body, tasks and references; lessons inherit the playground of the
 * nearest module or course that has one. Returns the items by id.
 */
export function deriveFields(items: readonly ContentItem[], fileList: readonly string[], itemByDir: ReadonlyMap<string, ContentItem>): Map<string, ContentItem> {
  const ownerOf = (rel: string): ContentItem | undefined => {
    let d = dirName(rel);
    for (;;) {
      const it = itemByDir.get(d);
      if (it) return it;
      if (d === '') return undefined;
      d = dirName(d);
    }
  };
  for (const rel of fileList) {
    const owner = ownerOf(rel);
    if (!owner) continue;
    owner.files.push(rel);
    const inItem = owner.dir === '' ? rel : rel.slice(owner.dir.length + 1);
    if (inItem.startsWith('__static__/')) owner.assets.push(inItem);
  }
  for (const item of items) {
    if (item.format === 'typescript' && itemByDir.get(item.dir) !== item) {
      const staticPrefix = item.dir === '' ? '__static__/' : `${item.dir}/__static__/`;
      for (const rel of fileList) if (rel.startsWith(staticPrefix)) item.assets.push(rel.slice(staticPrefix.length - '__static__/'.length));
    }
    const index = item.documents[0];
    item.data = index?.data;
    if (index && isLazyDocument(index.parsed)) {
      // A snapshot's tree is read when first used: the item's view of it must not read it now.
      const parsed = index.parsed;
      Object.defineProperty(item, 'mdast', {
        enumerable: true,
        configurable: true,
        get: () => parsed.mdast,
        set: (v: Root) => Object.defineProperty(item, 'mdast', { value: v, writable: true, enumerable: true, configurable: true }),
      });
    } else item.mdast = index?.parsed.mdast ?? EMPTY_ROOT;
    item.tasks = tasksOf(index);
    item.references = item.documents.flatMap(referencesOf);
  }
  const byId = new Map<string, ContentItem>();
  for (const item of items) byId.set(item.id, item);
  for (const item of items) {
    // A definition's own `playground:` is its machines, not a playground it runs on.
    if (item.kind === 'playground') continue;
    const own = playgroundOf(item.data);
    if (own) item.playground = own;
    else if (item.kind === 'lesson') {
      let p = item.parent ? byId.get(item.parent) : undefined;
      while (p && !p.playground && p.parent) p = byId.get(p.parent);
      item.playground = p?.playground ?? (p ? playgroundOf(p.data) : undefined);
    }
  }
  return byId;
}

function playgroundOf(data: Record<string, unknown> | undefined): Playground | undefined {
  const p = data?.['playground'];
  return p && typeof p === 'object' && typeof (p as { name?: unknown }).name === 'string' ? (p as Playground) : undefined;
}

/** Tasks of a document, each resolved on its own so one bad task does not hide the others. */
function tasksOf(doc: ContentDocument | undefined): TaskEntry[] {
  const raw = doc?.data?.['tasks'];
  if (!doc || !raw || typeof raw !== 'object' || Array.isArray(raw)) return [];
  const out: TaskEntry[] = [];
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) continue;
    const r = taskSchema.safeParse(value);
    const task: Task = r.success
      ? r.data
      : ({ ...(value as object), timeout_seconds: (value as { timeout_seconds?: number }).timeout_seconds ?? DEFAULT_TASK_TIMEOUT_SECONDS } as Task);
    out.push(withSpan({ name, task, file: doc.metaFile }, doc, `/tasks/${pointerSegment(name)}`));
  }
  return out;
}

function referencesOf(doc: ContentDocument): ContentReference[] {
  const data = doc.data;
  if (!data || doc.role === 'solution') return [];
  const out: ContentReference[] = [];
  for (const map of Object.keys(referenceKinds) as ReferenceKey[]) {
    const m = data[map];
    if (!m || typeof m !== 'object' || Array.isArray(m)) continue;
    for (const [name, entry] of Object.entries(m as Record<string, unknown>)) {
      const lessons = entry && typeof entry === 'object' && Array.isArray((entry as { lessons?: unknown }).lessons)
        ? ((entry as { lessons: unknown[] }).lessons.filter((l) => typeof l === 'string') as string[])
        : [];
      out.push(withSpan({ map, name, lessons, file: doc.metaFile, target: undefined }, doc, `/${pointerSegment(map)}/${pointerSegment(name)}`));
    }
  }
  return out;
}

/**
 * `entry` with `span`: where `pointer`'s key is in the document's front
 * matter (else the whole front matter), looked up when first read. Only a
 * diagnostic reads it, and a document restored from a graph snapshot
 * unpacks its places on first use: every task's span read eagerly was
 * ~75 ms of a restored load of 1,000 challenges (and its garbage).
 */
function withSpan<T extends object>(entry: T, doc: ContentDocument, pointer: string): T & { span: Span } {
  return lazyProperty(entry, 'span', (): Span => doc.parsed.frontMatter.places[pointer]?.key ?? doc.parsed.frontMatter.span);
}
