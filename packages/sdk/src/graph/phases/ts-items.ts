import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FILE_START, type Diagnostic, type Span } from '../../diagnostics/diagnostic.ts';
import { diagnostic } from '../../diagnostics/reporter.ts';
import { tsRuntimeErrorSpan, tsSyntaxError } from '../../define/ts-source.ts';
import { LineIndex } from '../../parse/line-index.ts';
import { parseDocument, type ParsedDocument } from '../../parse/parse-document.ts';
import type { ContentKind } from '../../schemas/content.ts';
import { resolvePosix } from '../../util/posix-path.ts';
import { baseName, dirName } from '../discover.ts';
import type { ContentDocument, ContentItem, DocumentRole } from '../types.ts';
import { virtualDocument } from '../virtual-document.ts';
import { newItem } from './new-item.ts';
import type { ReadFile } from './read-files.ts';
import type { TsModule } from './ts-modules.ts';

interface Definition {
  kind: string;
  [key: string]: unknown;
}

function isDefinition(v: unknown): v is Definition {
  return !!v && typeof v === 'object' && typeof (v as { kind?: unknown }).kind === 'string';
}

/**
 * Phase 5: items of the imported `*.lab.ts` modules, in path order (a
 * module that failed or exports no definition is one `lab:ts-load`).
 * `index.lab.ts` owns its folder like `index.md` does (files, assets,
 * solutions), so it is entered in `itemByDir`.
 */
export function tsContentItems(
  root: string,
  modules: ReadonlyMap<string, TsModule>,
  read: ReadFile,
  documents: Map<string, ContentDocument>,
  itemByDir: Map<string, ContentItem>,
  solutionsByDir: ReadonlyMap<string, string[]>,
  diagnostics: Diagnostic[],
): ContentItem[] {
  const out: ContentItem[] = [];
  for (const [rel, mod] of [...modules].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const text = read(rel) ?? '';
    if (mod.error !== undefined || !isDefinition(mod.value)) {
      diagnostics.push(tsLoadDiagnostic(rel, text, pathToFileURL(join(root, rel)).href, mod));
      continue;
    }
    const made = tsItems(rel, text, mod.value, read, (doc) => documents.set(doc.file, doc), diagnostics);
    out.push(...made);
    const top = made[0];
    if (top && baseName(rel) === 'index.lab.ts' && !itemByDir.has(top.dir)) {
      itemByDir.set(top.dir, top);
      top.files.length = 0;
      top.solutions.push(...(solutionsByDir.get(top.dir) ?? []));
    }
  }
  return out;
}

const STRUCTURE_KEYS = new Set(['name', 'body', 'bodyFile', 'units', 'lessons', 'modules']);

function tsItems(
  rel: string,
  text: string,
  def: Definition,
  read: (rel: string) => string | undefined,
  addDoc: (doc: ContentDocument) => void,
  diagnostics: Diagnostic[],
): ContentItem[] {
  const dir = dirName(rel);
  const stem = baseName(rel).replace(/\.lab\.ts$/, '');
  const fileName = stem === 'index' ? (dir === '' ? 'index' : baseName(dir)) : stem;
  const meta = (o: Record<string, unknown>, kind: string): Record<string, unknown> => {
    const out: Record<string, unknown> = { kind };
    for (const [k, v] of Object.entries(o)) if (!STRUCTURE_KEYS.has(k) && k !== 'kind') out[k] = v;
    if (kind === 'unit' && typeof o['name'] === 'string') out['name'] = o['name'];
    return out;
  };
  // `base`: where `o` sits in the definition (`['units', 0]`), for places.
  const doc = (o: Record<string, unknown>, kind: string, role: DocumentRole, name: string, order: number, key: string, base: (string | number)[] = []): ContentDocument => {
    const data = meta(o, kind);
    let parsed: ParsedDocument;
    let file = key;
    if (typeof o['bodyFile'] === 'string') {
      file = resolvePosix(dir, o['bodyFile']) ?? o['bodyFile'];
      const src = read(file);
      if (src === undefined) {
        parsed = virtualDocument(key, text, data, '', base);
        diagnostics.push(
          diagnostic('lab:broken-link', rel, parsed.frontMatter.places['/bodyFile']?.value ?? FILE_START, `bodyFile "${o['bodyFile']}" does not exist.`, {
            hint: `Create ${file}, or point bodyFile at the Markdown body next to this definition.`,
          }),
        );
        file = key;
      } else {
        const body = parseDocument(src, { file });
        diagnostics.push(...body.diagnostics);
        const v = virtualDocument(rel, text, data, undefined, base);
        parsed = { ...v, file, source: src, digest: body.digest, mdast: body.mdast, frontMatter: { ...v.frontMatter } };
        // Metadata places stay in the .lab.ts; the body's lines are the body file's.
        parsed.frontMatter.places = v.frontMatter.places;
      }
    } else {
      parsed = virtualDocument(key, text, data, typeof o['body'] === 'string' ? o['body'] : undefined, base);
    }
    const d: ContentDocument = { file, metaFile: rel, role, kind: kind as ContentKind, name, order, data, valid: false, parsed };
    addDoc(d);
    return d;
  };
  const name = typeof def['name'] === 'string' ? def['name'] : fileName;
  const kind = def.kind;
  if (kind !== 'tutorial' && kind !== 'challenge' && kind !== 'skill-path' && kind !== 'course' && kind !== 'playground') {
    diagnostics.push(diagnostic('lab:unknown-kind', rel, FILE_START, `A .lab.ts file must define a tutorial, challenge, skill path, course or playground, not "${kind}".`));
    return [];
  }
  const index = doc(def, kind, 'index', name, -1, rel);
  const item = newItem(kind, name, dir, 'typescript', index);
  item.files.push(rel);
  const units = Array.isArray(def['units']) ? (def['units'] as Record<string, unknown>[]) : [];
  units.forEach((u, i) => {
    const uname = typeof u['name'] === 'string' ? u['name'] : `unit-${(i + 1) * 10}`;
    item.documents.push(doc(u, 'unit', 'unit', uname, (i + 1) * 10, `${rel}#${uname}`, ['units', i]));
  });
  const out = [item];
  if (kind === 'course') {
    const addLessons = (lessons: unknown, parent: ContentItem, prefix: string, at: (string | number)[]): void => {
      if (!Array.isArray(lessons)) return;
      lessons.forEach((l: Record<string, unknown>, i) => {
        const lname = typeof l['name'] === 'string' ? l['name'] : `lesson-${i + 1}`;
        const path = prefix ? `${prefix}/${lname}` : lname;
        const ld = doc(l, 'lesson', 'index', lname, -1, `${rel}#${path}`, [...at, i]);
        const lesson = newItem('lesson', lname, dir, 'typescript', ld);
        lesson.id = `lesson:${name}/${path}`;
        lesson.path = path;
        lesson.parent = parent.id;
        lesson.order = (i + 1) * 10;
        const lu = Array.isArray(l['units']) ? (l['units'] as Record<string, unknown>[]) : [];
        lu.forEach((u, j) => {
          const uname = typeof u['name'] === 'string' ? u['name'] : `unit-${(j + 1) * 10}`;
          lesson.documents.push(doc(u, 'unit', 'unit', uname, (j + 1) * 10, `${rel}#${path}/${uname}`, [...at, i, 'units', j]));
        });
        parent.children.push(lesson.id);
        out.push(lesson);
      });
    };
    item.id = `course:${name}`;
    const modules = Array.isArray(def['modules']) ? (def['modules'] as Record<string, unknown>[]) : [];
    modules.forEach((m, i) => {
      const mname = typeof m['name'] === 'string' ? m['name'] : `module-${i + 1}`;
      const md = doc(m, 'module', 'index', mname, -1, `${rel}#${mname}`, ['modules', i]);
      const mod = newItem('module', mname, dir, 'typescript', md);
      mod.id = `module:${name}/${mname}`;
      mod.path = mname;
      mod.parent = item.id;
      mod.order = (i + 1) * 10;
      item.children.push(mod.id);
      out.push(mod);
      addLessons(m['lessons'], mod, mname, ['modules', i, 'lessons']);
    });
    // Flat lessons after the modules, in the order written.
    addLessons(def['lessons'], item, '', ['lessons']);
  }
  return out;
}

/**
 * `lab:ts-load` at the real place: a syntax error where the parser stops
 * (with its message), a module that throws at its stack frame in the file,
 * else the file's first line.
 */
function tsLoadDiagnostic(rel: string, text: string, fileUrl: string, mod: TsModule): Diagnostic {
  const lines = new LineIndex(text);
  const start: Span = { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
  if (mod.error === undefined) {
    return diagnostic('lab:ts-load', rel, start, 'The default export is not content: export default defineChallenge({...}) (or defineTutorial, defineSkillPath, defineCourse).');
  }
  const syntax = tsSyntaxError(text, lines);
  if (syntax) return diagnostic('lab:ts-load', rel, syntax.span, `Syntax error in this definition: ${syntax.message}.`);
  return diagnostic('lab:ts-load', rel, tsRuntimeErrorSpan(mod.stack, fileUrl, lines) ?? start, `Cannot import this file: ${mod.error.split('\n')[0]}`);
}
