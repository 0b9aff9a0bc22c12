import { z } from 'zod';
import type { SiteUserConfig } from './site-config.ts';

/**
 * The `site` block of `lab.config.ts` as a zod schema: what `defineConfig`
 * types and what `lab` checks the file against (unknown keys are errors with
 * a did-you-mean). The top-level schema (labConfigSchema in @labkit/cli)
 * composes this one. Add a new site setting here AND to SiteUserConfig: the
 * type test below fails the type check when the two disagree.
 */
export const siteUserConfigSchema = z.strictObject({
  /** Shown in the header and the page titles. @example "Acme Labs" */
  title: z.string().optional(),
  /** Path the site is served under. @example "/labs/" */
  base: z.string().optional(),
  /** Public origin, for canonical links. @example "https://labs.acme.dev" */
  url: z.string().optional(),
  /** URL of the playground server (`lab serve`); without it pages stay static. @example "https://play.acme.dev/" */
  runtimeUrl: z.string().optional(),
});

// Both directions, so a key added to only one of them is a type error here.
type SchemaKeys = keyof z.input<typeof siteUserConfigSchema>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const keysAgree: Same<SchemaKeys, keyof SiteUserConfig> = true;
void keysAgree;
