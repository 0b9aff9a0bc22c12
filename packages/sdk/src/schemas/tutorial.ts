import { z } from 'zod';
import { catalogFields } from './common.ts';
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
  ...catalogFields,
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
