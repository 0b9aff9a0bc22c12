import { registerHooks } from 'node:module';

let registered = false;

/**
 * `*.lab.ts` files and `lab.config.ts` import `labkit` (or, in older content,
 * `@labkit/sdk`). A content folder may have no node_modules of its own (the
 * examples in this repository, a folder checked by a globally installed
 * `lab`), so Node could not always resolve those imports from there. This
 * hook makes both names mean the code this CLI runs with: the same SDK, the
 * same version, whatever folder the content lives in. An installed copy in
 * the author's repository still gives the editor and `tsc` their types.
 */
export function registerSdkResolveHook(): void {
  if (registered) return;
  registered = true;
  const targets = new Map([
    ['@labkit/sdk', import.meta.resolve('@labkit/sdk')],
    ['labkit', import.meta.resolve('@labkit/cli/author')],
  ]);
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const url = targets.get(specifier);
      if (url) return { url, shortCircuit: true };
      return nextResolve(specifier, context);
    },
  });
}
