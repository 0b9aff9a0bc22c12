import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { generateReference, staleFiles } from '@labkit/sdk';

export interface DocsOptions {
  /** The Labkit repository root (docs/reference is under it). */
  root: string;
  /** Rewrite the stale files (default: only find them). */
  write?: boolean;
}

export interface DocsResult {
  /** Every generated file, relative to `root`. */
  files: string[];
  /** The files whose content on disk differed from the generated one (before `write`). */
  stale: string[];
  /** Whether the stale files were rewritten. */
  written: boolean;
}

/** `lab docs`: generates the reference docs and finds (or, with `write`, rewrites) the stale files. */
export async function docs(options: DocsOptions): Promise<DocsResult> {
  const files = await generateReference(options.root);
  const stale = staleFiles(options.root, files);
  if (options.write) {
    for (const file of files) {
      if (!stale.includes(relative(options.root, file.path))) continue;
      mkdirSync(dirname(file.path), { recursive: true });
      writeFileSync(file.path, file.content);
    }
  }
  return { files: files.map((f) => relative(options.root, f.path)), stale, written: Boolean(options.write) };
}
