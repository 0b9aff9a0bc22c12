import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { frontMatterJsonSchema } from '@labkit/sdk';
import type { ContentKind } from '@labkit/sdk';
import { CliErrors } from '../errors.ts';

export interface SchemaOptions {
  /** Only the schema of one kind (default: every kind). */
  kind?: ContentKind;
  /** Write the schema to this file. */
  out?: string;
}

export interface SchemaResult {
  /** The JSON Schema, as JSON text (two-space indent, final newline). */
  text: string;
  /** The file written (absolute), with `out`. */
  written?: string;
}

/** `lab schema`: the front matter JSON Schema, returned and (with `out`) written. */
export async function schema(options: SchemaOptions = {}): Promise<SchemaResult> {
  const text = `${JSON.stringify(frontMatterJsonSchema(options.kind), null, 2)}\n`;
  if (!options.out) return { text };
  const out = resolve(options.out);
  try {
    writeFileSync(out, text);
  } catch (error) {
    throw CliErrors.WriteFailed(out, (error as Error).message);
  }
  return { text, written: out };
}
