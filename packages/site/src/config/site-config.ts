import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { contentTypeFor } from '@labkit/sdk';
import type { BrandFile, SiteConfig } from '../shell/page-model.ts';
import { SiteErrors } from '../errors.ts';
import { siteUserConfigSchema, type SiteUserConfig } from './site-config-schema.ts';
import { UI_STRINGS, type UiStrings } from '../shell/ui-strings.ts';

export type { SiteUserConfig } from './site-config-schema.ts';

/** Typed helper for `lab.config.ts`: `export default defineConfig({ site: {...} })`. */
export function defineConfig<T extends { site?: SiteUserConfig }>(config: T): T {
  return config;
}

export function normalizeBase(base: string | undefined): string {
  const b = (base ?? '/').trim();
  if (!/^\/?[\w\-./~]*$/.test(b)) throw SiteErrors.BadBase(b);
  return `/${b.replace(/^\/+|\/+$/g, '')}/`.replace(/^\/\/$/, '/');
}

/**
 * Reads `lab.config.ts` (or `.js`/`.mjs`) from the content folder, if any.
 * Flags given to `lab build` win over the file.
 */
export async function loadSiteConfig(dir: string, overrides: SiteUserConfig & { preview?: boolean } = {}): Promise<SiteConfig> {
  let fromFile: SiteUserConfig = {};
  for (const name of ['lab.config.ts', 'lab.config.mjs', 'lab.config.js']) {
    const file = path.join(dir, name);
    if (!existsSync(file)) continue;
    let mod: { default?: unknown };
    try {
      mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
    } catch (error) {
      throw SiteErrors.BadConfig(file, error instanceof Error ? error.message : String(error));
    }
    const value = (mod.default ?? {}) as { site?: SiteUserConfig } & SiteUserConfig;
    fromFile = value.site ?? value;
    break;
  }
  const checked = siteUserConfigSchema.safeParse(fromFile);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw SiteErrors.BadConfig(path.join(dir, 'lab.config.ts'), `site.${issue.path.join('.')}: ${issue.message}`);
  }
  fromFile = checked.data;
  const url = overrides.url ?? fromFile.url;
  if (url !== undefined && !/^https?:\/\/[^\s/]+/.test(url)) throw SiteErrors.BadUrl(url);
  const runtimeUrl = overrides.runtimeUrl ?? fromFile.runtimeUrl;
  if (runtimeUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(runtimeUrl)) throw SiteErrors.BadUrl(runtimeUrl);
  const base = normalizeBase(overrides.base ?? fromFile.base);
  const files: BrandFile[] = [];
  // Brand files are published under content-hashed names, like the site's own CSS.
  const publish = (rel: string, what: string, allowed: RegExp): string => {
    const source = path.resolve(dir, rel);
    if (!source.startsWith(path.resolve(dir) + path.sep)) throw SiteErrors.BadConfig(path.join(dir, 'lab.config.ts'), `site.${what}: "${rel}" is outside the content folder`);
    const ext = path.extname(source).toLowerCase();
    if (!allowed.test(ext)) throw SiteErrors.BadConfig(path.join(dir, 'lab.config.ts'), `site.${what}: "${rel}" is not one of ${allowed.source.replace(/[\\^$()]/g, '').split('|').join(', ')}`);
    let body: Buffer;
    try {
      body = readFileSync(source);
    } catch {
      throw SiteErrors.BadConfig(path.join(dir, 'lab.config.ts'), `site.${what}: file "${rel}" not found`);
    }
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 10);
    const out = `_lk/brand/${path.basename(source, ext).replace(/[^\w-]/g, '_')}.${hash}${ext}`;
    files.push({ source, path: out });
    return base + out;
  };
  const logo = fromFile.logo === undefined ? undefined : typeof fromFile.logo === 'string' ? { src: fromFile.logo } : fromFile.logo;
  const strings: UiStrings = { ...UI_STRINGS };
  for (const [k, v] of Object.entries(fromFile.strings ?? {})) if (v !== undefined) strings[k as keyof UiStrings] = v;
  let favicon: SiteConfig['favicon'];
  if (fromFile.favicon) {
    const u = publish(fromFile.favicon, 'favicon', /^(\.ico|\.svg|\.png)$/);
    const ext = path.extname(fromFile.favicon).toLowerCase();
    favicon = { url: u, type: contentTypeFor(fromFile.favicon) };
    if (ext === '.ico') files.push({ source: files.at(-1)!.source, path: 'favicon.ico' });
  }
  return {
    title: overrides.title ?? fromFile.title ?? 'Labkit',
    base,
    ...(url ? { url } : {}),
    ...(runtimeUrl ? { runtimeUrl } : {}),
    ...(overrides.preview ? { preview: true } : {}),
    lang: fromFile.lang ?? 'en',
    strings,
    ...(logo ? { logo: { url: publish(logo.src, 'logo', /^(\.svg|\.png|\.jpe?g|\.webp|\.avif|\.gif)$/), alt: logo.alt ?? '', replacesTitle: logo.replacesTitle === true } } : {}),
    ...(favicon ? { favicon } : {}),
    ...(fromFile.colors ? { colors: { ...fromFile.colors } } : {}),
    customCss: (fromFile.customCss ?? []).map((c, i) => publish(c, `customCss[${i}]`, /^\.css$/)),
    ...(fromFile.nav ? { nav: fromFile.nav } : {}),
    ...(fromFile.footer ? { footer: { ...(fromFile.footer.text !== undefined ? { text: fromFile.footer.text } : {}), links: fromFile.footer.links ?? [] } } : {}),
    social: fromFile.social ?? [],
    brandFiles: files,
  };
}
