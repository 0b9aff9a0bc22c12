import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The comparison point: a plain Astro 7 project over the same files, the
 * way people build such a site without Labkit: `glob()` loader and
 * `markdown.processor: unified({ remarkPlugins: [remarkMdc] })` from
 * @astrojs/markdown-remark (Astro 7's default Sätteri processor does not
 * run remark plugins), one page per entry rendered with `render()`.
 * Images pass through unprocessed (Astro's passthrough image service), as
 * Labkit copies them: Astro's default service needs sharp, which is not
 * installed, and real pages (`--real`) carry images.
 * Created under packages/site so it resolves the same Astro install.
 */
export function writeAstroBaseline(projectDir: string, contentDir: string): void {
  rmSync(projectDir, { recursive: true, force: true });
  mkdirSync(path.join(projectDir, 'src/pages'), { recursive: true });
  const sdkRequire = createRequire(path.resolve(import.meta.dirname, '../../packages/sdk/package.json'));
  const remarkMdc = pathToFileURL(sdkRequire.resolve('remark-mdc')).href;
  writeFileSync(
    path.join(projectDir, 'astro.config.mjs'),
    `import { defineConfig, passthroughImageService } from 'astro/config';
import { unified } from '@astrojs/markdown-remark';
import remarkMdc from ${JSON.stringify(remarkMdc)};

export default defineConfig({
  output: 'static',
  telemetry: false,
  devToolbar: { enabled: false },
  markdown: { processor: unified({ remarkPlugins: [remarkMdc] }) },
  image: { service: passthroughImageService() },
});
`,
  );
  writeFileSync(
    path.join(projectDir, 'src/content.config.ts'),
    `import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';

export const collections = {
  pages: defineCollection({ loader: glob({ pattern: '**/index.md', base: ${JSON.stringify(contentDir)} }) }),
};
`,
  );
  writeFileSync(
    path.join(projectDir, 'src/pages/[...id].astro'),
    `---
import { getCollection, render } from 'astro:content';
export async function getStaticPaths() {
  const pages = await getCollection('pages');
  return pages.map((entry) => ({ params: { id: entry.id }, props: { entry } }));
}
const { entry } = Astro.props;
const { Content } = await render(entry);
---
<html lang="en"><head><meta charset="utf-8"><title>{entry.data.title}</title></head>
<body><main><h1>{entry.data.title}</h1><Content /></main></body></html>
`,
  );
}
