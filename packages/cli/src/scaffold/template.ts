import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `packages/cli/templates`: one folder per template. */
export const templatesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../templates');

/** Values substituted for `{{key}}` in template files and paths. */
export type TemplateVars = Record<string, string>;

/** A file to write: path relative to the destination, and its content. */
export interface PlannedFile {
  path: string;
  content: string;
}

/**
 * Reads one template folder and substitutes `{{key}}` in every file.
 * `gitignore` becomes `.gitignore` (package managers drop dotted
 * `.gitignore` files from published packages) and `x.ts.tmpl` becomes `x.ts`.
 */
export function renderTemplate(name: string, vars: TemplateVars): PlannedFile[] {
  const root = join(templatesDir, name);
  const files: PlannedFile[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const abs = join(dir, entry.name);
      if (entry.isDirectory()) walk(abs);
      else {
        let rel = relative(root, abs).split(sep).join('/');
        if (rel === 'gitignore') rel = '.gitignore';
        // TypeScript templates are `.tmpl` so the repository's type check skips them.
        if (rel.endsWith('.tmpl')) rel = rel.slice(0, -'.tmpl'.length);
        files.push({ path: substitute(rel, vars), content: substitute(readFileSync(abs, 'utf8'), vars) });
      }
    }
  };
  walk(root);
  return files;
}

/**
 * Replaces `{{key}}`. Two derived forms exist for every variable, because
 * titles hold colons and quotes: `{{key_yaml}}` (a single-quoted YAML
 * scalar) and `{{key_js}}` (a JSON / TypeScript string literal).
 */
function substitute(text: string, vars: TemplateVars): string {
  return text.replace(/\{\{(\w+)\}\}/g, (match, key: string) => {
    if (Object.hasOwn(vars, key)) return vars[key] as string;
    const derived = /^(\w+)_(yaml|js)$/.exec(key);
    if (derived && Object.hasOwn(vars, derived[1]!)) {
      const value = vars[derived[1]!] as string;
      return derived[2] === 'yaml' ? `'${value.replace(/'/g, "''")}'` : JSON.stringify(value);
    }
    return match;
  });
}

/** `find-the-rogue-process` → `Find The Rogue Process`. */
export function humanize(name: string): string {
  return name
    .split(/[-_\s]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(' ');
}

/** Today as `YYYY-MM-DD` (UTC, so tests and CI agree). */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}
