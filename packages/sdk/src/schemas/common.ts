import { z } from 'zod';

/** The closed list of categories. */
export const categories = [
  'linux',
  'networking',
  'containers',
  'kubernetes',
  'programming',
  'observability',
  'security',
  'ci-cd',
] as const;

/** Difficulty levels. */
export const difficulties = ['easy', 'medium', 'hard'] as const;

/**
 * `YYYY-MM-DD[THH:MM[:SS]]`. YAML 1.2 (the `yaml` package's core schema)
 * keeps dates as strings, so no Date objects reach the model.
 */
export const dateSchema = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?$/,
    'expected YYYY-MM-DD[THH:MM:SS]',
  );

const openEnums = new WeakMap<z.ZodType, readonly string[]>();

/**
 * An enumeration the iximiuz format may grow: the values Labkit knows, but
 * any other string is accepted and carried through unchanged (`lab validate`
 * warns with a did-you-mean, `lab:unknown-value`). Labkit is a guest in the
 * format: a category or tab kind added by the platform must not stop a build.
 */
export function openEnum<const T extends readonly [string, ...string[]]>(values: T): z.ZodType<T[number] | (string & {}), T[number] | (string & {})> {
  const schema = z.union([z.enum(values), z.string()]);
  openEnums.set(schema, values);
  // `string & {}` keeps the known values as editor suggestions in *.lab.ts.
  return schema as unknown as z.ZodType<T[number] | (string & {}), T[number] | (string & {})>;
}

/** The known values of an {@link openEnum} schema, else `undefined`. */
export function knownValuesOf(schema: z.ZodType): readonly string[] | undefined {
  return openEnums.get(schema);
}

/** Listing title: 10-120 characters (iximiuz Labs limit). */
export const titleSchema = z.string().min(10).max(120);
/** Listing description: up to 500 characters. */
export const descriptionSchema = z.string().min(1).max(500);
/** Up to 2 categories (the format reference's limit); values outside the known list are warnings. */
export const categoriesSchema = z.array(openEnum(categories)).min(1).max(2);
/** Up to 5 tags. */
export const tagsSchema = z.array(z.string().min(1)).max(5);
/** One difficulty level; other values are warnings. */
export const difficultySchema = openEnum(difficulties);

/**
 * The catalog fields every top-level kind (tutorial, challenge, skill path,
 * course) shares, spread into each schema so they are defined and documented
 * once (the docs generator follows the spread).
 */
export const catalogFields = {
  /**
   * Title, 10-120 characters.
   * @example "Master Container Images"
   */
  title: titleSchema,
  /**
   * Short description for cards and search, up to 500 characters.
   * @example "A deep dive into containers with hands-on examples."
   */
  description: descriptionSchema,
  /**
   * Up to 2 categories from the list (linux, networking, containers, kubernetes, programming, observability, security, ci-cd); another value is a warning and is kept.
   * @example ["linux", "containers"]
   */
  categories: categoriesSchema,
  /**
   * Up to 5 tags (the key really is spelled `tagz`).
   * @example ["docker", "example"]
   */
  tagz: tagsSchema.optional(),
  /**
   * Creation date, `YYYY-MM-DD[THH:MM:SS]`.
   * @example "2025-03-28"
   */
  createdAt: dateSchema,
  /**
   * Last update date, `YYYY-MM-DD[THH:MM:SS]`.
   * @example "2025-07-30"
   */
  updatedAt: dateSchema.optional(),
  /**
   * Cover image, a file in `__static__/`.
   * @example "__static__/cover.png"
   */
  cover: z.string().min(1).optional(),
};
