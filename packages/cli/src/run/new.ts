import { relative } from 'node:path';
import pc from 'picocolors';
import { newItem } from '../scaffold/new-item.ts';

/** `lab new <kind> <name>`. */
export async function newCommand(kind: string, name: string, opts: { dir: string; ts?: boolean; title?: string }): Promise<void> {
  const result = newItem({ kind, name, root: opts.dir, ...(opts.ts ? { ts: true } : {}), ...(opts.title ? { title: opts.title } : {}) });
  process.stdout.write(`${pc.green('Created')} ${result.kind} ${relative(process.cwd(), result.path) || '.'}\n`);
  for (const file of result.files) process.stdout.write(`  ${relative(process.cwd(), file)}\n`);
}
