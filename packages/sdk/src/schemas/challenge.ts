import { z } from 'zod';
import { catalogFields, difficultySchema } from './common.ts';
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
  ...catalogFields,
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
