import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { CliErrors } from '../errors.ts';
import { newItem } from './new-item.ts';
import { humanize, renderTemplate, today } from './template.ts';
import { writeFiles } from './write-files.ts';

export interface InitOptions {
  /** Folder to create (or an existing empty one). */
  dir: string;
  /** Project title; default: the folder name, humanised. */
  title?: string;
  /** The JSON Schema text written to `.vscode/labkit.schema.json`. */
  schema: string;
}

export interface InitResult {
  dir: string;
  files: string[];
}

/**
 * `lab init [dir]`: a new content repository from local templates: a config
 * file, a README, editor settings wired to the front matter JSON Schema, a CI
 * workflow, a tutorial and a challenge. Refuses a non-empty folder.
 */
export function initProject(options: InitOptions): InitResult {
  const dir = resolve(options.dir);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw CliErrors.NotADirectory(dir);
    const entries = readdirSync(dir);
    if (entries.length > 0) throw CliErrors.DirectoryNotEmpty(dir, entries);
  }
  const title = options.title ?? `${humanize(basename(dir))} Labs`;
  const files = writeFiles(dir, [
    ...renderTemplate('project', { title, date: today() }),
    { path: '.vscode/labkit.schema.json', content: options.schema },
  ]);
  files.push(...newItem({ kind: 'tutorial', name: 'getting-started', root: dir, title: 'Getting Started With the Playground' }).files);
  files.push(...newItem({ kind: 'challenge', name: 'first-challenge', root: dir, title: 'Switch an App to Production Mode' }).files);
  return { dir, files };
}

