import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { closest } from '@labkit/sdk';
import { siteUserConfigSchema } from '@labkit/site/config';
import { z } from 'zod';
import { CliErrors } from '../errors.ts';
import { CONFIG_FILES } from './lab-config-files.ts';

/**
 * `lab.config.ts`: one block per part of Labkit. Each block's schema belongs
 * to the package that reads it (the site's comes from @labkit/site); this
 * file only composes them, so a new site setting needs no change here.
 */
export const labConfigSchema = z.strictObject({
  /** The learner site: title, base path, public URL, playground server. */
  site: siteUserConfigSchema.optional(),
  /** Where `lab serve` and `lab test` run playground machines. */
  runtime: z
    .strictObject({
      /**
       * The VM provider: `qemu` (the default; runs anywhere, faster with KVM) or
       * `firecracker` (needs the `firecracker` binary and /dev/kvm; never run
       * in Labkit's CI, see docs/runtime.md). `--provider` overrides it.
       * @example "qemu"
       */
      provider: z.enum(['qemu', 'firecracker', 'swarm']).optional(),
      /** Where `provider: 'swarm'` runs sessions (docs/scale-out.md). */
      swarm: z
        .strictObject({
          /** The Docker API of a Swarm manager: a unix socket path or `tcp://host:2376`. @example "/var/run/docker.sock" */
          docker: z.string().default('/var/run/docker.sock'),
          /** The runner image tag, loaded on every node. @example "labkit-runner:df7730e138d96318" */
          image: z.string(),
          /** An attachable overlay network this `lab serve` is attached to. @example "labkit-sessions" */
          network: z.string(),
          /** Pool name (labels every service). @example "default" */
          pool: z.string().optional(),
          /** Idle runner services kept ready. @example 2 */
          poolSize: z.number().int().min(0).optional(),
          /** Redis shared by every `lab serve` replica: `redis://host:6379` or a unix socket path. @example "/run/redis/redis.sock" */
          redis: z.string().optional(),
          /** The address other replicas reach this one at. @example "10.0.9.4" */
          advertiseHost: z.string().optional(),
        })
        .optional(),
    })
    .optional(),
});

/** What an author writes in `lab.config.ts`. */
export type LabConfig = z.input<typeof labConfigSchema>;

/**
 * Types `lab.config.ts`: `export default defineConfig({ site: { title: 'Acme Labs' } })`.
 * Returns its argument; `lab` checks it against {@link labConfigSchema} when it loads it.
 */
export function defineConfig(config: LabConfig): LabConfig {
  return config;
}

/** The config file in `dir`, if any. */
export function findConfigFile(dir: string): string | undefined {
  for (const name of CONFIG_FILES) {
    const file = path.join(dir, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/**
 * Loads and checks `lab.config.ts` in `dir` (undefined when there is none).
 * An unknown key is an error at its line:column with the closest known key;
 * a value of the wrong type names the key path and what was expected.
 */
export async function loadLabConfig(dir: string): Promise<{ file: string; config: z.output<typeof labConfigSchema> } | undefined> {
  const file = findConfigFile(dir);
  if (!file) return undefined;
  let value: unknown;
  try {
    const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
    value = mod.default ?? {};
  } catch (error) {
    throw CliErrors.ConfigLoadFailed(file, error instanceof Error ? error.message : String(error));
  }
  return { file, config: checkLabConfig(value, file) };
}

/** Checks a config value; `file` is read only to place an error. */
export function checkLabConfig(value: unknown, file: string): z.output<typeof labConfigSchema> {
  const result = labConfigSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const source = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const known = Object.keys(shapeAt(issue.path));
    const where = [...issue.path.map(String), key].join('.');
    throw CliErrors.ConfigUnknownKey(place(file, source, key), where, closest(key, known), known);
  }
  const where = issue.path.map(String).join('.') || '(the default export)';
  throw CliErrors.ConfigInvalid(place(file, source, String(issue.path.at(-1) ?? '')), where, issue.message);
}

/** The object shape the schema expects at `keyPath` (for the list of known keys). */
function shapeAt(keyPath: readonly PropertyKey[]): Record<string, unknown> {
  let schema: z.ZodType = labConfigSchema;
  for (const key of keyPath) {
    let inner: z.ZodType = schema;
    while (inner instanceof z.ZodOptional || inner instanceof z.ZodDefault) inner = inner.unwrap() as z.ZodType;
    if (!(inner instanceof z.ZodObject)) return {};
    schema = (inner.shape as Record<string, z.ZodType>)[String(key)] ?? z.object({});
  }
  while (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) schema = schema.unwrap() as z.ZodType;
  return schema instanceof z.ZodObject ? (schema.shape as Record<string, unknown>) : {};
}

/** `file:line:column` of the first `key:` (or `'key':`) in the source; the file alone if not found. */
function place(file: string, source: string, key: string): string {
  if (!key) return file;
  const match = new RegExp(`(^|[\\s{,])(["']?)${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\2\\s*:`, 'm').exec(source);
  if (!match) return file;
  const offset = match.index + match[1]!.length;
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `${file}:${line}:${column}`;
}
