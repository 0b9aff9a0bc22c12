import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listRules } from '../diagnostics/rules.ts';
import type { ContentKind } from '../schemas/content.ts';
import type { SchemaDoc } from './extract-jsdoc.ts';
import { buildJsonSchema } from './json-schema.ts';
import type { JsonSchemaNode } from './json-schema.ts';
import { renderReference } from './render-reference.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** The SDK's schema sources, whose JSDoc is extracted. */
export const schemasDir = resolve(here, '../schemas');

/**
 * The extracted JSDoc, committed beside the generator so `lab schema` works
 * without the TypeScript compiler at run time. `lab docs --write` refreshes
 * it; the docs-gen test fails when it is stale.
 */
export const fieldDocsFile = join(here, 'field-docs.generated.json');

/** Reads the committed JSDoc extraction (fast path for `lab schema`). */
export function loadFieldDocs(): SchemaDoc[] {
  return JSON.parse(readFileSync(fieldDocsFile, 'utf8')) as SchemaDoc[];
}

/**
 * The front matter JSON Schema that `lab schema` prints: zod's JSON Schema
 * with the committed JSDoc descriptions. `kind` narrows it to one kind.
 */
export function frontMatterJsonSchema(kind?: ContentKind): JsonSchemaNode {
  return buildJsonSchema(loadFieldDocs(), kind ? { kind } : {});
}

/** Extracts the JSDoc from the schema sources now (needs the `typescript` package). */
export async function extractFieldDocs(): Promise<SchemaDoc[]> {
  const { extractSchemaDocs } = await import('./extract-jsdoc.ts');
  const files = readdirSync(schemasDir)
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((f) => join(schemasDir, f));
  return extractSchemaDocs(files);
}

export interface GeneratedFile {
  /** Absolute path. */
  path: string;
  content: string;
}

/**
 * Everything `lab docs --write` produces, in memory: the JSDoc extraction,
 * `docs/reference/*.md` and `docs/reference/content.schema.json`.
 */
export async function generateReference(repoRoot: string): Promise<GeneratedFile[]> {
  const docs = await extractFieldDocs();
  const rules = listRules();
  const referenceDir = join(repoRoot, 'docs/reference');
  const files: GeneratedFile[] = [{ path: fieldDocsFile, content: `${JSON.stringify(docs, null, 2)}\n` }];
  for (const [name, content] of renderReference(docs, rules)) files.push({ path: join(referenceDir, name), content });
  files.push({ path: join(referenceDir, 'content.schema.json'), content: `${JSON.stringify(buildJsonSchema(docs), null, 2)}\n` });
  return files;
}

/** Paths (relative to `repoRoot`) whose content on disk differs from what the generator produces. */
export function staleFiles(repoRoot: string, files: readonly GeneratedFile[]): string[] {
  const stale: string[] = [];
  for (const file of files) {
    let current: string | undefined;
    try {
      current = readFileSync(file.path, 'utf8');
    } catch {
      current = undefined;
    }
    if (current !== file.content) stale.push(relative(repoRoot, file.path));
  }
  return stale;
}
