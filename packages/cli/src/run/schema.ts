import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { frontMatterJsonSchema } from '@labkit/sdk';
import type { ContentKind } from '@labkit/sdk';
import { CliErrors } from '../errors.ts';

/** Prints (or writes) the front matter JSON Schema. */
export async function schemaCommand(opts: { out?: string; kind?: string }): Promise<void> {
  const schema = frontMatterJsonSchema(opts.kind as ContentKind | undefined);
  const text = `${JSON.stringify(schema, null, 2)}\n`;
  if (!opts.out) {
    process.stdout.write(text);
    return;
  }
  const out = resolve(opts.out);
  try {
    writeFileSync(out, text);
  } catch (error) {
    throw CliErrors.WriteFailed(out, (error as Error).message);
  }
  process.stderr.write(`Wrote the JSON Schema to ${out}\n`);
}
