import { sep } from 'node:path';
import type { Diagnostic } from '../../diagnostics/diagnostic.ts';
import type { ParsedDocument } from '../../parse/parse-document.ts';
import { contentKinds, type ContentKind } from '../../schemas/content.ts';
import { baseName, dirName, isIndexFile, isSolutionFile, isUnitFile, orderOf, slugOf } from '../discover.ts';
import type { ContentDocument, ContentItem, DocumentRole, ItemKind } from '../types.ts';
import { newItem } from './new-item.ts';

/** What the Markdown layout gave: items by folder, their documents, and what fits nowhere. */
export interface MarkdownItems {
  items: ContentItem[];
  /** The item that owns each folder (an index file's folder). */
  itemByDir: Map<string, ContentItem>;
  documents: Map<string, ContentDocument>;
  /** Index documents whose kind fits nowhere; validation reports them. */
  orphans: ContentDocument[];
  /** Solution files by folder (`index.lab.ts` folders take theirs too). */
  solutionsByDir: Map<string, string[]>;
  /** Folders of `kind: course` index files. */
  courseDirs: string[];
}

/** Whether a file is a Markdown document of the folder layout (index, unit or solution). */
export function isContentMarkdown(rel: string): boolean {
  if (rel.includes('__static__/')) return false;
  const b = baseName(rel);
  return isIndexFile(b) || isUnitFile(b) || (b.endsWith('.md') && isSolutionFile(b));
}

/** The content kind a parsed document declares, if it is one Labkit knows. */
export function kindOf(parsed: ParsedDocument | undefined): ContentKind | undefined {
  const data = parsed?.frontMatter.data;
  const k = data && typeof data === 'object' ? (data as { kind?: unknown }).kind : undefined;
  return typeof k === 'string' && (contentKinds as readonly string[]).includes(k) ? (k as ContentKind) : undefined;
}

/**
 * Phase 3: items from the folder layout. A folder with an index file is an
 * item of the kind it declares (inside a course: a module when it has child
 * items, else a lesson); its units and solutions are documents of it. Each
 * document's parse diagnostics go to `diagnostics` once.
 */
export function markdownItems(
  root: string,
  fileList: readonly string[],
  mdFiles: readonly string[],
  bodyFiles: ReadonlySet<string>,
  parsed: ReadonlyMap<string, ParsedDocument>,
  diagnostics: Diagnostic[],
): MarkdownItems {
  const items: ContentItem[] = [];
  const documents = new Map<string, ContentDocument>();
  const orphans: ContentDocument[] = [];
  const itemDirs = new Map<string, string>(); // dir → index file
  for (const rel of mdFiles) {
    if (bodyFiles.has(rel) || !isIndexFile(baseName(rel))) continue;
    const d = dirName(rel);
    if (!itemDirs.has(d)) itemDirs.set(d, rel);
  }
  const courseDirs = [...itemDirs].filter(([, f]) => kindOf(parsed.get(f)) === 'course').map(([d]) => d);
  const courseOf = (dir: string): string | undefined => courseDirOf(courseDirs, dir);

  const unitsByDir = new Map<string, string[]>();
  const solutionsByDir = new Map<string, string[]>();
  for (const rel of fileList) {
    const b = baseName(rel);
    if (rel.includes('__static__/')) continue;
    if (isUnitFile(b) && !bodyFiles.has(rel)) push(unitsByDir, dirName(rel), rel);
    else if (isSolutionFile(b)) push(solutionsByDir, dirName(rel), rel);
  }

  const makeDocument = (rel: string, role: DocumentRole, fallbackName: string, order: number): ContentDocument | undefined => {
    const p = parsed.get(rel);
    if (!p) return undefined;
    diagnostics.push(...p.diagnostics);
    const data = p.frontMatter.data;
    const raw = data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : undefined;
    const declared = typeof raw?.['name'] === 'string' ? (raw['name'] as string) : undefined;
    const doc: ContentDocument = {
      file: rel,
      metaFile: rel,
      role,
      kind: kindOf(p),
      name: role === 'index' ? fallbackName : (declared ?? fallbackName),
      order,
      data: raw,
      valid: false,
      parsed: p,
    };
    documents.set(rel, doc);
    return doc;
  };

  const dirsSorted = [...itemDirs.keys()].sort();
  const itemByDir = new Map<string, ContentItem>();
  for (const dir of dirsSorted) {
    const indexFile = itemDirs.get(dir) as string;
    const course = courseOf(dir);
    const kind = kindOf(parsed.get(indexFile));
    const base = dir === '' ? baseName(root.split(sep).join('/')) : baseName(dir);
    let itemKind: ItemKind | undefined;
    if (course !== undefined) {
      itemKind = kind === 'module' || kind === 'lesson' ? kind : dirsSorted.some((d) => d.startsWith(dir + '/')) ? 'module' : 'lesson';
    } else if (kind === 'tutorial' || kind === 'challenge' || kind === 'skill-path' || kind === 'course' || kind === 'playground') {
      itemKind = kind;
    }
    const index = makeDocument(indexFile, 'index', course !== undefined ? slugOf(base) : base, -1);
    if (!index) continue;
    if (itemKind === undefined) {
      // Kind missing or misplaced: reported by validation on the document.
      orphans.push(index);
      continue;
    }
    const item = newItem(itemKind, course !== undefined ? slugOf(base) : base, dir, 'markdown', index);
    item.order = course !== undefined ? orderOf(base) : 0;
    const units = (unitsByDir.get(dir) ?? [])
      .map((u) => makeDocument(u, 'unit', baseName(u).replace(/\.md$/, ''), orderOf(baseName(u))))
      .filter((d): d is ContentDocument => d !== undefined)
      .sort((a, b) => a.order - b.order || (a.file < b.file ? -1 : 1));
    item.documents.push(...units);
    for (const s of solutionsByDir.get(dir) ?? []) {
      item.solutions.push(s);
      if (s.endsWith('.md')) {
        const d = makeDocument(s, 'solution', baseName(s).replace(/\.md$/, ''), 0);
        if (d) item.documents.push(d);
      }
    }
    items.push(item);
    itemByDir.set(dir, item);
  }
  return { items, itemByDir, documents, orphans, solutionsByDir, courseDirs };
}

/** The innermost course folder strictly above `dir` (or the root course), if any. */
export function courseDirOf(courseDirs: readonly string[], dir: string): string | undefined {
  let best: string | undefined;
  for (const c of courseDirs) if (c !== dir && (c === '' || dir.startsWith(c + '/')) && (best === undefined || c.length > best.length)) best = c;
  return best;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}
