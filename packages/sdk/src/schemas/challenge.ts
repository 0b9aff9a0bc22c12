import { z } from 'zod';
import { categoriesSchema, dateSchema, descriptionSchema, difficultySchema, tagsSchema, titleSchema } from './common.ts';
import { playgroundSchema } from './playground.ts';
import { embeddedReferenceFields } from './references.ts';
import { tasksSchema } from './task.ts';

/**
 * A challenge: a focused problem the learner solves on a playground, checked
 * automatically by tasks. `<name>/index.md`, `__static__/`, and solutions in
 * `solution.md` / `solution-NN.md` (human) and `.solution-NN.sh` (CI).
 */
export const challengeSchema = z.looseObject({
  /**
   * Content kind, always `challenge`.
   * @example "challenge"
   */
  kind: z.literal('challenge'),
  /**
   * Title, 10-120 characters.
   * @example "Start and Inspect a Container With Docker"
   */
  title: titleSchema,
  /**
   * Short description for cards and search, up to 500 characters.
   * @example "Start a container and find its ID, PID and IP address."
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
   * How hard the challenge is.
   * @example "easy"
   */
  difficulty: difficultySchema,
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

/** A challenge's front matter as an author writes it. */
export type ChallengeInput = z.input<typeof challengeSchema>;
/** A resolved challenge front matter (defaults applied). */
export type Challenge = z.output<typeof challengeSchema>;
