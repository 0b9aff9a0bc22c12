import { registerHooks } from 'node:module';

let registered = false;

/**
 * `*.lab.ts` files import `@labkit/sdk`. A content repository usually has
 * no node_modules (authors install the `lab` CLI, not the SDK), so Node
 * could not resolve that import from the content folder. This hook makes
 * `@labkit/sdk` always mean the SDK this CLI runs with: the same code, the
 * same version, whatever folder the content lives in. An installed copy in
 * the repository (for editor types) is not needed at run time.
 */
export function registerSdkResolveHook(): void {
  if (registered) return;
  registered = true;
  const sdkUrl = import.meta.resolve('@labkit/sdk');
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === '@labkit/sdk') return { url: sdkUrl, shortCircuit: true };
      return nextResolve(specifier, context);
    },
  });
}
