import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { generateReference, staleFiles } from '@labkit/sdk';
import { CliErrors } from '../errors.ts';

/** `lab docs`: checks (default) or rewrites (`--write`) the generated reference. */
export async function docsCommand(opts: { write?: boolean; root: string }): Promise<void> {
  const files = await generateReference(opts.root);
  const stale = staleFiles(opts.root, files);
  if (!opts.write) {
    if (stale.length > 0) throw CliErrors.StaleReference(stale);
    process.stdout.write(`Reference docs are up to date (${files.length} files).\n`);
    return;
  }
  for (const file of files) {
    if (!stale.includes(relative(opts.root, file.path))) continue;
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.content);
  }
  process.stdout.write(stale.length ? `Updated ${stale.length} file(s): ${stale.join(', ')}\n` : 'Reference docs were already up to date.\n');
}
