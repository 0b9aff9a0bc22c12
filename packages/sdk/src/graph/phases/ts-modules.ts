import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diagnostic } from '../../diagnostics/diagnostic.ts';
import { FILE_START } from '../../diagnostics/diagnostic.ts';
import { diagnostic } from '../../diagnostics/reporter.ts';
import { digestOf } from '../../parse/parse-document.ts';
import { resolvePosix } from '../../util/posix-path.ts';
import { baseName, dirName, isLabTsFile } from '../discover.ts';
import type { ReadFile } from './read-files.ts';

/** One imported `*.lab.ts` module. */
export interface TsModule {
  digest: string;
  value: unknown;
  error: string | undefined;
  /** The import error's stack, for where a module that parses failed while running. */
  stack?: string | undefined;
}

/**
 * Phase 1, content as code: imports every `*.lab.ts` (in parallel) whose
 * text changed or that is in `changed` (its body file may have), keeping
 * the others from `modules`; with `runCode` false none runs and each is
 * reported (`lab:code-not-run`). Returns the body files the modules name,
 * which the Markdown phase parses as documents.
 */
export async function importTsModules(
  root: string,
  fileList: readonly string[],
  files: ReadonlySet<string>,
  modules: Map<string, TsModule>,
  changed: ReadonlySet<string>,
  runCode: boolean,
  read: ReadFile,
  diagnostics: Diagnostic[],
): Promise<Set<string>> {
  const all = fileList.filter((f) => isLabTsFile(baseName(f)) && !f.includes('__static__/'));
  if (!runCode) for (const rel of all) diagnostics.push(codeNotRunDiagnostic(rel));
  await Promise.all(
    (runCode ? all : []).map(async (rel) => {
      const text = read(rel) ?? '';
      const digest = digestOf(text);
      const prev = modules.get(rel);
      if (prev && prev.digest === digest && !changed.has(rel)) return;
      try {
        const mod = (await import(pathToFileURL(join(root, rel)).href + `?v=${digest}`)) as { default?: unknown };
        modules.set(rel, { digest, value: mod.default, error: undefined });
      } catch (error) {
        modules.set(rel, { digest, value: undefined, error: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined });
      }
    }),
  );
  for (const key of [...modules.keys()]) if (!files.has(key)) modules.delete(key);
  const bodyFiles = new Set<string>();
  for (const [rel, mod] of modules) {
    for (const b of bodyFilesOf(mod.value)) {
      const body = resolvePosix(dirName(rel), b);
      if (body !== undefined) bodyFiles.add(body);
    }
  }
  return bodyFiles;
}

function bodyFilesOf(v: unknown): string[] {
  const out: string[] = [];
  const visit = (x: unknown): void => {
    if (!x || typeof x !== 'object') return;
    if (Array.isArray(x)) {
      x.forEach(visit);
      return;
    }
    const o = x as Record<string, unknown>;
    if (typeof o['bodyFile'] === 'string') out.push(o['bodyFile']);
    for (const k of ['units', 'lessons', 'modules']) if (Array.isArray(o[k])) visit(o[k]);
  };
  visit(v);
  return out;
}

function codeNotRunDiagnostic(rel: string): Diagnostic {
  return diagnostic('lab:code-not-run', rel, FILE_START, 'Not evaluated (--no-code): this file\'s code was not run, so its content is not checked or built.');
}
