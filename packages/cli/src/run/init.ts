import { relative } from 'node:path';
import { frontMatterJsonSchema } from '@labkit/sdk';
import pc from 'picocolors';
import { initProject } from '../scaffold/init-project.ts';

/** `lab init [dir]`. */
export async function initCommand(dir: string, opts: { title?: string }): Promise<void> {
  const schema = `${JSON.stringify(frontMatterJsonSchema(), null, 2)}\n`;
  const result = initProject({ dir, schema, ...(opts.title ? { title: opts.title } : {}) });
  const shown = relative(process.cwd(), result.dir) || '.';
  process.stdout.write(`${pc.green('Created')} a Labkit content repository in ${shown}:\n`);
  for (const file of result.files) process.stdout.write(`  ${relative(result.dir, file)}\n`);
  process.stdout.write(`\nNext:\n  cd ${shown}\n  lab validate\n  lab dev\n`);
}
