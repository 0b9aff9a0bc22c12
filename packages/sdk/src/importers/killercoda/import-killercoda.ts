import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { compareDiagnostics, type Diagnostic } from '../../diagnostics/diagnostic.ts';
import { ImportErrors } from '../import-errors.ts';
import { writeFolderAtomically, type OutputFiles } from '../write-atomic.ts';
import { convertScenario } from './convert-scenario.ts';
import { escapeMdcText } from './convert-markdown.ts';
import { DiagnosticSink } from './diagnostics.ts';
import { jsonErrorSpan, readSourceJson } from './source-json.ts';
import { ignoredFolders } from '../../graph/discover.ts';

export interface ImportKillercodaOptions {
  /** Output content folder; created by the import. */
  out: string;
  /** Replace an existing output folder. */
  force?: boolean;
  /** `createdAt` of the imported items (default: today, UTC). Tests pin it. */
  createdAt?: string;
}

/** One content item the import wrote. */
export interface ImportedItem {
  kind: 'tutorial' | 'challenge' | 'skill-path';
  /** Folder name under `out`, also the item's name in references. */
  name: string;
  /** Source folder, relative to the import source ('' for the source itself). */
  source: string;
}

export interface ImportKillercodaResult {
  out: string;
  items: ImportedItem[];
  /** Everything without a Labkit equivalent, with the source file and position. */
  diagnostics: Diagnostic[];
}

type SourceNode =
  | { type: 'scenario'; abs: string; rel: string; title?: string }
  | { type: 'collection'; abs: string; rel: string; title?: string; description?: string; children: SourceNode[] };

// The loader's ignored folders, plus a scenario's own asset folders (not scenarios).
const SKIP_DIRS = new Set([...ignoredFolders, 'assets', '__static__']);

function titleCase(slug: string): string {
  return slug.replace(/[-_]+/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase()).trim();
}

/**
 * Finds scenarios (folders with index.json) and collections: a folder with
 * a structure.json, or one that holds scenario folders, is a Killercoda
 * course. The import source itself is never a collection: it is the repository.
 */
function discover(abs: string, rel: string, sink: DiagnosticSink, root: string = abs): SourceNode[] {
  if (existsSync(path.join(abs, 'index.json'))) return [{ type: 'scenario', abs, rel }];
  const children: Array<{ abs: string; rel: string; title?: string; description?: string }> = [];
  const structurePath = path.join(abs, 'structure.json');
  if (existsSync(structurePath)) {
    const file = path.posix.join(rel, 'structure.json');
    const text = readFileSync(structurePath, 'utf8').replace(/^\uFEFF/, '');
    try {
      const structure = readSourceJson(file, text);
      const items = (structure.value as { items?: unknown }).items;
      if (!Array.isArray(items)) {
        sink.add(file, structure.spanOf([]), 'killercoda:unknown-field', 'warning', 'structure.json has no "items" list; its folders are read in name order instead.');
      } else {
        items.forEach((item: Record<string, unknown>, i) => {
          for (const key of Object.keys(item)) {
            if (!['path', 'title', 'description'].includes(key)) {
              sink.add(file, structure.spanOf(['items', i, key], 'key'), 'killercoda:unknown-field', 'warning', `"items[${i}].${key}" has no Labkit equivalent; it is ignored.`);
            }
          }
          const p = String(item.path ?? '');
          const childAbs = path.resolve(abs, p);
          if (p && !insideReal(root, childAbs)) {
            sink.add(file, structure.spanOf(['items', i, 'path']), 'killercoda:outside-source', 'warning', `structure.json item "${p}" is outside the import source; it is skipped.`);
            return;
          }
          if (!p || !existsSync(childAbs) || !statSync(childAbs).isDirectory()) {
            sink.add(file, structure.spanOf(['items', i, 'path']), 'killercoda:missing-file', 'warning', `structure.json item "${p}" is not a folder; it is skipped.`);
            return;
          }
          const child: { abs: string; rel: string; title?: string; description?: string } = { abs: childAbs, rel: path.posix.normalize(path.posix.join(rel, p)) };
          if (typeof item.title === 'string') child.title = item.title;
          if (typeof item.description === 'string') child.description = item.description;
          children.push(child);
        });
      }
    } catch (error) {
      sink.add(file, jsonErrorSpan(text, error), 'killercoda:invalid-json', 'error', `structure.json is not valid JSON (${(error as Error).message}); its folders are read in name order instead.`);
    }
  }
  if (children.length === 0) {
    for (const entry of readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (!entry.isDirectory() || entry.name.startsWith('.') || SKIP_DIRS.has(entry.name)) continue;
      children.push({ abs: path.join(abs, entry.name), rel: path.posix.join(rel, entry.name) });
    }
  }
  const nodes: SourceNode[] = [];
  for (const child of children) {
    if (existsSync(path.join(child.abs, 'index.json'))) {
      nodes.push({ type: 'scenario', abs: child.abs, rel: child.rel, ...(child.title ? { title: child.title } : {}) });
      continue;
    }
    const grand = discover(child.abs, child.rel, sink, root);
    if (grand.length === 0) continue;
    const node: SourceNode = { type: 'collection', abs: child.abs, rel: child.rel, children: grand };
    if (child.title) node.title = child.title;
    if (child.description) node.description = child.description;
    nodes.push(node);
  }
  return nodes;
}

/** The real path of `p`, through symlinks, even when its last parts do not exist yet. */
function realPath(p: string): string {
  let existing = p;
  const rest: string[] = [];
  while (!existsSync(existing)) {
    rest.unshift(path.basename(existing));
    const up = path.dirname(existing);
    if (up === existing) break;
    existing = up;
  }
  return path.join(realpathSync(existing), ...rest);
}

/** `p` exists and its real path is inside the real `root`. */
function insideReal(root: string, p: string): boolean {
  try {
    return isInside(realpathSync(p), realpathSync(root));
  } catch {
    return true; // missing: reported as a missing folder
  }
}

function isInside(child: string, parent: string): boolean {
  const r = path.relative(parent, child);
  return r === '' || (!r.startsWith('..') && !path.isAbsolute(r));
}

/**
 * Imports a Killercoda scenario folder, or a repository of them, into a new
 * Labkit content folder. Scenarios become tutorials (challenges when a step
 * has a verify script); Killercoda courses (structure.json or sub-folders)
 * become skill paths whose units embed them. Never writes into the source;
 * writes `out` atomically; refuses an existing `out` unless `force`.
 */
export async function importKillercoda(source: string, options: ImportKillercodaOptions): Promise<ImportKillercodaResult> {
  const src = path.resolve(source);
  const out = path.resolve(options.out);
  if (!existsSync(src) || !statSync(src).isDirectory()) throw ImportErrors.SourceNotFound(source);
  // Real paths: a symlinked --out must not lead back into the source.
  const realSrc = realPath(src);
  const realOut = realPath(out);
  if (isInside(realOut, realSrc) || isInside(realSrc, realOut)) throw ImportErrors.OutputOverlapsSource(options.out, source);
  if (existsSync(out) && !options.force) throw ImportErrors.OutputExists(options.out);

  const sink = new DiagnosticSink();
  const roots = discover(src, '', sink);
  if (roots.length === 0) throw ImportErrors.NoScenarios(source);

  // Scripts, texts and assets must resolve inside their scenario; images may
  // also come from the repository (the source, or the folder holding a
  // scenario imported on its own), when they really are images.
  const imageRoot = roots.length === 1 && roots[0]!.rel === '' ? path.dirname(src) : src;
  const createdAt = options.createdAt ?? new Date().toISOString().slice(0, 10);
  const files: OutputFiles = new Map();
  const items: ImportedItem[] = [];
  const taken = new Set<string>();
  const claim = (wanted: string): string => {
    const base = wanted.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'item';
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
    taken.add(name);
    return name;
  };

  interface Emitted {
    kind: 'tutorial' | 'challenge' | 'skill-path';
    name: string;
    title: string;
    categories: string[];
  }

  const emit = (node: SourceNode): Emitted | undefined => {
    if (node.type === 'scenario') {
      const converted = convertScenario(node.abs, node.rel, sink, createdAt, imageRoot);
      if (!converted) return undefined;
      const name = claim(path.basename(node.abs));
      for (const [rel, content] of converted.files) files.set(`${name}/${rel}`, content);
      items.push({ kind: converted.kind, name, source: node.rel });
      return { kind: converted.kind, name, title: node.title ?? converted.title, categories: converted.categories };
    }
    const members = node.children.map(emit).filter((m): m is Emitted => m !== undefined);
    if (members.length === 0) return undefined;
    const name = claim(path.basename(node.abs));
    let title = node.title ?? titleCase(path.basename(node.abs));
    if (title.length < 10) title = `${title} (imported)`;
    const categories = [...new Set(members.flatMap((m) => m.categories))].slice(0, 2);
    const front = {
      kind: 'skill-path',
      title: title.slice(0, 120),
      description: (node.description ?? `Imported from the Killercoda course "${path.basename(node.abs)}".`).slice(0, 500),
      categories: categories.length > 0 ? categories : ['linux'],
      tagz: ['killercoda'],
      createdAt,
    };
    files.set(`${name}/index.md`, `---\n${stringify(front, { lineWidth: 0 })}---\n\n${escapeMdcText(front.description)}\n`);
    members.forEach((member, i) => {
      const map = member.kind === 'challenge' ? 'challenges' : member.kind === 'tutorial' ? 'tutorials' : 'skill-paths';
      const prop = member.kind === 'challenge' ? ':challenge' : ':content';
      const unit = { kind: 'unit', title: member.title.slice(0, 120), name: member.name, createdAt, [map]: { [member.name]: {} } };
      const card = ['::card', '---', stringify({ [prop]: `${map}.${member.name}` }, { lineWidth: 0 }).trimEnd(), '---', '::'].join('\n');
      files.set(`${name}/unit-${String((i + 1) * 10).padStart(2, '0')}.md`, `---\n${stringify(unit, { lineWidth: 0 })}---\n\n${card}\n`);
    });
    items.push({ kind: 'skill-path', name, source: node.rel });
    return { kind: 'skill-path', name, title, categories };
  };
  for (const root of roots) emit(root);

  if (items.length > 0) await writeFolderAtomically(out, files, options.force ?? false);
  return { out, items, diagnostics: sink.list.sort(compareDiagnostics) };
}
