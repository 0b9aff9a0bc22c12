import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineErrors } from '../errors/labkit-error.ts';

/** The errors of a content folder that is not there: one catalogue for every command that takes one. */
export const ContentDirErrors = defineErrors({
  DirectoryNotFound: {
    title: 'Directory not found',
    message: (dir: string) => `There is no directory at ${dir}.`,
    hint: 'Pass the folder that holds your content (the one with your tutorials/ or challenges/), or run the command from inside it.',
  },
  NotADirectory: {
    title: 'Not a directory',
    message: (path: string) => `${path} is a file, not a directory.`,
    hint: 'Pass the folder that holds your content, not a single file.',
  },
});

/** `dir` resolved, once it is known to be a folder; else a {@link ContentDirErrors} error. */
export function contentDir(dir: string): string {
  const root = resolve(dir);
  const info = statSync(root, { throwIfNoEntry: false });
  if (!info) throw ContentDirErrors.DirectoryNotFound(root);
  if (!info.isDirectory()) throw ContentDirErrors.NotADirectory(root);
  return root;
}
