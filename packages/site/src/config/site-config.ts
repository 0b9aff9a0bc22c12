import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SiteConfig } from '../shell/page-model.ts';
import { SiteErrors } from '../errors.ts';

/** The `site` block of `lab.config.ts`. */
export interface SiteUserConfig {
  /** Shown in the header and the page titles. @example "Acme Labs" */
  title?: string;
  /** Path the site is served under. @example "/labs/" */
  base?: string;
  /** Public origin, for canonical links. @example "https://labs.acme.dev" */
  url?: string;
  /** URL of the playground server (`lab serve`); without it pages stay static. @example "https://play.acme.dev/" */
  runtimeUrl?: string;
}

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
  const url = overrides.url ?? fromFile.url;
  if (url !== undefined && !/^https?:\/\/[^\s/]+/.test(url)) throw SiteErrors.BadUrl(url);
  const runtimeUrl = overrides.runtimeUrl ?? fromFile.runtimeUrl;
  if (runtimeUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(runtimeUrl)) throw SiteErrors.BadUrl(runtimeUrl);
  return {
    title: overrides.title ?? fromFile.title ?? 'Labkit',
    base: normalizeBase(overrides.base ?? fromFile.base),
    ...(url ? { url } : {}),
    ...(runtimeUrl ? { runtimeUrl } : {}),
    ...(overrides.preview ? { preview: true } : {}),
  };
}
