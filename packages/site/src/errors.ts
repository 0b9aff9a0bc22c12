import { defineErrors } from '@labkit/sdk/light';

/** Errors the site build raises itself (content problems are diagnostics). */
export const SiteErrors = defineErrors({
  BadBase: {
    title: 'Invalid base path',
    message: (base: string) => `The site base path "${base}" is not a URL path.`,
    hint: 'Use a path such as "/" or "/labs/" in lab.config.ts (site.base) or --base.',
  },
  BadUrl: {
    title: 'Invalid site URL',
    message: (url: string) => `The site URL "${url}" is not an http(s) origin.`,
    hint: 'Use a full origin such as "https://labs.example.com" in lab.config.ts (site.url) or --site-url.',
  },
  BadConfig: {
    title: 'Cannot load lab.config.ts',
    message: (file: string, reason: string) => `Loading ${file} failed: ${reason}`,
    hint: 'Fix the error in the config file; it must `export default` an object such as `{ site: { title: "..." } }`.',
  },
  ContentDirMissing: {
    title: 'Content folder not found',
    message: (dir: string) => `The content folder ${dir} does not exist.`,
    hint: 'Pass the folder that holds your tutorials, challenges, skill paths and courses: `lab build <dir>`.',
  },
  OutDirUnsafe: {
    title: 'Unsafe output folder',
    message: (out: string) => `Refusing to build into ${out}: it is, or contains, the content folder.`,
    hint: 'Choose an output folder outside the content, e.g. `--out dist`.',
  },
  AstroFailed: {
    title: 'Site build failed',
    message: (reason: string) => `Astro could not build the site: ${reason}`,
    hint: 'The previous output was left untouched. Re-run with --verbose to see Astro\'s log.',
  },
  RenderFailed: {
    title: 'Site build failed',
    message: (reason: string) => `Rendering the pages failed: ${reason}`,
    hint: 'The previous output was left untouched. Check free memory, or build with fewer pages to find the file at fault.',
  },
  SearchIndexFailed: {
    title: 'Search index failed',
    message: (reason: string) => `Pagefind could not index the site: ${reason}`,
    hint: 'The previous output was left untouched. Check that the pagefind package installed its platform binary.',
  },
  RenderCacheUnreadable: {
    title: 'Render cache unreadable',
    message: (file: string, reason: string) => `Reading the cached render ${file} failed: ${reason}`,
    hint: 'Delete the render cache folder (it is rebuilt on the next build), or fix what is wrong with it (permissions, a disk error).',
  },
  DevNoUpdate: {
    title: 'No preview update',
    message: (timeoutMs: number) => `lab dev saw no content change within ${timeoutMs} ms.`,
    hint: 'Check that the file was written inside the content folder (not in an ignored folder such as dist/ or a dot folder), or wait longer (nextUpdate({ timeoutMs })).',
  },
  DevNoFreePort: {
    title: 'No free port',
    message: (host: string, first: number, last: number) => `Ports ${first} to ${last} on ${host} are all in use.`,
    hint: 'Stop the other server or pick another port: `lab dev --port <n>`.',
  },
  DevListenFailed: {
    title: 'Preview server could not start',
    message: (host: string, port: number, reason: string) => `Listening on ${host}:${port} failed: ${reason}`,
    hint: (host: string, _port: number, _reason: string) =>
      host === '127.0.0.1' ? 'Check that nothing blocks local ports.' : `Check that "${host}" is an address of this machine (\`lab dev --host <address>\`).`,
  },
});
