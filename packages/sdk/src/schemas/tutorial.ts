import { z } from 'zod';
import { categoriesSchema, dateSchema, descriptionSchema, tagsSchema, titleSchema } from './common.ts';
import { playgroundSchema } from './playground.ts';
import { embeddedReferenceFields } from './references.ts';
import { tasksSchema } from './task.ts';

/**
 * A tutorial: prose that blends theory with hands-on steps on a playground.
 * Lives in `<name>/index.md` with assets in `<name>/__static__/`.
 */
export const tutorialSchema = z.looseObject({
  /**
   * Content kind, always `tutorial`.
   * @example "tutorial"
   */
  kind: z.literal('tutorial'),
  /**
   * Title, 10-120 characters.
   * @example "Sample Tutorial: Containers From Scratch"
   */
  title: titleSchema,
  /**
   * Short description for cards and search, up to 500 characters.
   * @example "A deep dive into containers with hands-on examples."
   */
  description: descriptionSchema,
  /**
   * Up to 2 categories from the closed list (linux, networking, containers, kubernetes, programming, observability, security, ci-cd).
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
  /**
   * The playground learners get, and its customisations.
   * @example { "name": "docker" }
   */
  playground: playgroundSchema.optional(),
  /**
   * Tasks run by the task engine on the playground, by name.
   * @example { "verify_file": { "run": "test -f /tmp/file" } }
   */
  tasks: tasksSchema.optional(),
  /**
   * Challenges to embed with `::card` (`:challenge: challenges.<name>`).
   * @example { "docker-101-container-run": {} }
   */
  ...embeddedReferenceFields,
});

/** A tutorial's front matter as an author writes it. */
export type TutorialInput = z.input<typeof tutorialSchema>;
/** A resolved tutorial front matter (defaults applied). */
export type Tutorial = z.output<typeof tutorialSchema>;
