import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { closest } from '@labkit/sdk';
import { CliErrors } from '../errors.ts';
import { humanize, renderTemplate, today } from './template.ts';
import type { PlannedFile, TemplateVars } from './template.ts';
import { writeFiles } from './write-files.ts';

/** Every kind `lab new` creates, with where it goes. */
export const newKinds = {
  tutorial: { folder: 'tutorials', parent: undefined },
  challenge: { folder: 'challenges', parent: undefined },
  'skill-path': { folder: 'skill-paths', parent: undefined },
  course: { folder: 'courses', parent: undefined },
  unit: { folder: undefined, parent: ['skill-path', 'lesson'] },
  module: { folder: undefined, parent: ['course'] },
  lesson: { folder: undefined, parent: ['course', 'module'] },
} as const satisfies Record<string, { folder: string | undefined; parent: readonly string[] | undefined }>;

export type NewKind = keyof typeof newKinds;

export interface NewItemOptions {
  /** One of {@link newKinds}. */
  kind: string;
  /**
   * Item name (becomes the folder name and URL slug). For `unit`, `module`
   * and `lesson`: `<parent>/<name>`, the parent being a path relative to
   * `root` or the name of a skill path / course in the usual folders.
   */
  name: string;
  /** Content root (default: the current directory). */
  root?: string;
  /** Challenge only: write a TypeScript challenge (`index.lab.ts` + Markdown body). */
  ts?: boolean;
  /** Title; default: the name, humanised. */
  title?: string;
}

export interface NewItemResult {
  kind: NewKind;
  /** The new item's folder (or, for a unit, its file). */
  path: string;
  /** Every file written, absolute. */
  files: string[];
}

const NAME = /^[a-z0-9][a-z0-9-]*$/;

/**
 * `lab new <kind> <name>`: instantiates the kind's template. Never
 * overwrites: an existing destination is an error, and files are opened
 * with `wx`.
 */
export function newItem(options: NewItemOptions): NewItemResult {
  const root = resolve(options.root ?? '.');
  const kind = checkKind(options.kind);
  const spec = newKinds[kind];
  const slash = options.name.lastIndexOf('/');
  const name = options.name.slice(slash + 1);
  checkName(name);
  const vars: TemplateVars = { name, title: options.title ?? titleFor(kind, name), date: today() };

  if (spec.folder !== undefined) {
    // Already in the kind's folder (`lab new challenge x` run inside challenges/
    // of a folder that is not a project): the item goes beside its siblings.
    const base = basename(root) === spec.folder ? root : join(root, spec.folder);
    const dest = slash >= 0 ? join(root, options.name) : join(base, name);
    if (existsSync(dest)) throw CliErrors.AlreadyExists(dest);
    const template = kind === 'challenge' && options.ts ? 'challenge-ts' : kind;
    return { kind, path: dest, files: writeFiles(dest, renderTemplate(template, vars)) };
  }

  if (slash < 0) throw CliErrors.MissingParent(kind, spec.parent.join(' or '), join(root, '<parent>'));
  const parentArg = options.name.slice(0, slash);
  const parent = findParent(root, parentArg, spec.parent);
  if (!parent) throw CliErrors.MissingParent(kind, spec.parent.join(' or '), join(root, parentArg));

  if (kind === 'unit') {
    const digits = parent.kind === 'lesson' ? 3 : 2;
    const file = `unit-${nextPrefix(parent.dir, /^unit-(\d+)\.md$/, digits)}.md`;
    const planned: PlannedFile[] = renderTemplate('unit', vars).map((f) => ({ ...f, path: file }));
    return { kind, path: join(parent.dir, file), files: writeFiles(parent.dir, planned) };
  }
  // module or lesson: a numeric-prefixed folder with a 000.index.md.
  const existing = readdirSync(parent.dir).find((e) => e.replace(/^\d+\./, '') === name);
  if (existing) throw CliErrors.AlreadyExists(join(parent.dir, existing));
  const dest = join(parent.dir, `${nextPrefix(parent.dir, /^(\d+)\.[^/]+$/, 3, true)}.${name}`);
  return { kind, path: dest, files: writeFiles(dest, renderTemplate(kind, vars)) };
}

function checkKind(kind: string): NewKind {
  if (Object.hasOwn(newKinds, kind)) return kind as NewKind;
  const known = Object.keys(newKinds);
  throw CliErrors.UnknownKind(kind, known, closest(kind, known));
}

function checkName(name: string): void {
  if (!name) throw CliErrors.InvalidName(name, 'it is empty');
  if (!NAME.test(name)) throw CliErrors.InvalidName(name, 'only lowercase letters, digits and dashes are allowed, starting with a letter or digit');
}

/** Titles must be 10-120 characters, so short names get the kind appended. */
function titleFor(kind: NewKind, name: string): string {
  const base = humanize(name);
  if (base.length >= 10) return base.slice(0, 120);
  const label = { tutorial: 'Tutorial', challenge: 'Challenge', 'skill-path': 'Skill Path', course: 'Course', unit: 'Unit', module: 'Module', lesson: 'Lesson' }[kind];
  return `${base}: A ${label}`.padEnd(10, '.');
}

interface Parent {
  dir: string;
  kind: string;
}

/** The parent folder: `root/<arg>`, or `<arg>` looked up in the usual top-level folders. */
function findParent(root: string, arg: string, kinds: readonly string[]): Parent | undefined {
  for (const base of [root, join(root, 'skill-paths'), join(root, 'courses')]) {
    const dir = resolveSegments(base, arg.split('/').filter(Boolean));
    if (!dir) continue;
    const kind = kindOf(dir);
    if (kind && kinds.includes(kind)) return { dir, kind };
  }
  return undefined;
}

/** Follows path segments, letting `advanced` match a `020.advanced` folder (course order prefixes). */
function resolveSegments(base: string, segments: string[]): string | undefined {
  let dir = base;
  for (const segment of segments) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) return undefined;
    const exact = join(dir, segment);
    if (existsSync(exact) && statSync(exact).isDirectory()) {
      dir = exact;
      continue;
    }
    const prefixed = readdirSync(dir, { withFileTypes: true }).find((e) => e.isDirectory() && e.name.replace(/^\d+\./, '') === segment);
    if (!prefixed) return undefined;
    dir = join(dir, prefixed.name);
  }
  return existsSync(dir) && statSync(dir).isDirectory() ? dir : undefined;
}

/** The `kind:` of a folder's index file (`index.md` or `000.index.md`), read without a full parse. */
function kindOf(dir: string): string | undefined {
  for (const file of ['index.md', '000.index.md']) {
    const path = join(dir, file);
    if (!existsSync(path)) continue;
    const match = /^---\r?\n[\s\S]*?^kind:\s*["']?([\w-]+)/m.exec(readFileSync(path, 'utf8'));
    if (match) return match[1];
  }
  return undefined;
}

/** The next free numeric prefix in steps of 10 (`010`, `020`...), zero-padded to `digits`. */
function nextPrefix(dir: string, pattern: RegExp, digits: number, dirsOnly = false): string {
  let max = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (dirsOnly && !entry.isDirectory()) continue;
    const match = pattern.exec(entry.name);
    if (match) max = Math.max(max, Number(match[1]));
  }
  return String(Math.floor(max / 10) * 10 + 10).padStart(digits, '0');
}

