// The packages @labkit/cli's bundle (scripts/bundle-cli.mjs) leaves in
// node_modules: native parts, binaries or WASM, their own file lookups
// (Pagefind, Astro, TypeScript), or large and loaded by only some commands.
export const EXTERNAL = new Set([
  'astro', 'shiki', 'pagefind', 'ws', 'chokidar', 'esbuild', 'typescript', '@babel/parser', 'ssh2', 'dockerode', 'ioredis', 'tar',
  '@napi-rs/lzma', '@aws-sdk/client-s3', '@modelcontextprotocol/sdk',
]);

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
export const packageName = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

/** The file name of the re-export of `spec` in a package's dist/_ext/ (its `./_ext/*` export). */
export const shimName = (spec) => spec.replace(/^@/, '').replaceAll('/', '+');
