import { createWriteStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';

/** `lab cp <src> <dest>`: one file into or out of a machine; the remote side is `<id>:<path>`. */
export function register(program: Command): void {
  program
    .command('cp')
    .description('Copy a file into or out of a running playground (`lab cp ./f <id>:/tmp/f`, `lab cp <id>:/etc/hostname .`)')
    .argument('<src>', 'local path, or <id>:<path>')
    .argument('<dest>', 'local path, or <id>:<path>')
    .option('-m, --machine <name>', 'machine (default: the first)')
    .option('-u, --user <name>', 'guest user that reads or writes the file (default: the login user)')
    .action(async (src: string, dest: string, opts: { machine?: string; user?: string }) => {
      const { copyFromPlayground, copyToPlayground } = await import('@labkit/runtime/playground-host');
      const { CliErrors } = await import('../errors.ts');
      const from = remote(src);
      const to = remote(dest);
      const options = { ...(opts.machine ? { machine: opts.machine } : {}), ...(opts.user ? { user: opts.user } : {}) };
      if (from && !to) {
        let target = dest;
        if (existsSync(dest) && statSync(dest).isDirectory()) target = path.join(dest, path.posix.basename(from.path));
        const out = createWriteStream(target);
        await copyFromPlayground(from.id, from.path, out, options);
        await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
      } else if (to && !from) {
        if (!existsSync(src) || !statSync(src).isFile()) throw CliErrors.BadOption('<src>', src, 'a local file (folders are not copied)');
        await copyToPlayground(to.id, src, to.path, options);
      } else throw CliErrors.BadOption('<src> <dest>', `${src} ${dest}`, 'exactly one side written as <id>:<path>');
    });
}

/** `id:/path` → parts; a local path (even with a colon after a slash) → undefined. */
function remote(arg: string): { id: string; path: string } | undefined {
  const m = /^([A-Za-z0-9][\w-]*):(.*)$/.exec(arg);
  return m ? { id: m[1]!, path: m[2] || '.' } : undefined;
}
