import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from '../../diagnostics/diagnostic.ts';
import { FILE_START } from '../../diagnostics/diagnostic.ts';
import { diagnostic } from '../../diagnostics/reporter.ts';

/** Reads a listed file's text once per load; `undefined` when it is not there. */
export type ReadFile = (rel: string) => string | undefined;

/**
 * The loader's one way to read a content file. Only listed files are read
 * (a bodyFile naming a refused symlink reads nothing); texts are kept in
 * `texts` for the next `updateFiles`. A file gone since the scan (ENOENT,
 * ENOTDIR) is missing; any other failure (EACCES, EISDIR, EIO) is not the
 * same thing: it becomes one `lab:unreadable` diagnostic for the file and
 * the file reads as nothing, so the rest of the content still loads.
 */
export function createReader(root: string, files: ReadonlySet<string>, texts: Map<string, string>, diagnostics: Diagnostic[]): ReadFile {
  const failed = new Set<string>();
  return (rel) => {
    if (!files.has(rel) || failed.has(rel)) return undefined;
    const known = texts.get(rel);
    if (known !== undefined) return known;
    try {
      const text = readFileSync(join(root, rel), 'utf8');
      texts.set(rel, text);
      return text;
    } catch (error) {
      failed.add(rel);
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') diagnostics.push(unreadableDiagnostic(rel, error, 'file'));
      return undefined;
    }
  };
}

/** `lab:unreadable` for a file or folder the loader could not read. */
export function unreadableDiagnostic(rel: string, error: unknown, what: 'file' | 'folder'): Diagnostic {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = code ?? (error instanceof Error ? error.message : String(error));
  return diagnostic('lab:unreadable', rel || '.', FILE_START, `Labkit cannot read this ${what} (${reason}), so ${what === 'folder' ? 'nothing in it is' : 'it is not'} checked, built or published.`, {
    hint: code === 'EACCES' || code === 'EPERM' ? `Give the user running lab read permission on it (chmod ${what === 'folder' ? 'a+rx' : 'a+r'}).` : `Check that the ${what} can be read.`,
  });
}
