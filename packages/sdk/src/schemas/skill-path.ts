import { z } from 'zod';
import { catalogFields, dateSchema, difficultySchema } from './common.ts';
import { embeddedReferenceFields } from './references.ts';

/**
 * A skill path: an ordered track of units, each embedding a tutorial,
 * challenge, course (lesson), roadmap or another skill path. `<name>/index.md`
 * holds the introduction; units are `unit-NN.md` files ordered by number.
 */
export const skillPathSchema = z.looseObject({
  /**
   * Content kind, always `skill-path`.
   * @example "skill-path"
   */
  kind: z.literal('skill-path'),
  ...catalogFields,
  /**
   * Difficulty levels the path covers.
   * @example ["easy", "medium"]
   */
  difficulties: z.array(difficultySchema).optional(),
});

/**
 * One unit of a skill path (`unit-NN.md`) or of a course lesson
 * (`unit-NNN.md`): a page that usually embeds one piece of content with a
 * `::card` and declares it in a reference map.
 */
export const skillPathUnitSchema = z.looseObject({
  /**
   * Content kind, always `unit`.
   * @example "unit"
   */
  kind: z.literal('unit'),
  /**
   * Unit title shown in the path's outline.
   * @example "Start Your First Container"
   */
  title: z.string().min(1),
  /**
   * Unit slug, unique within its parent; defaults to the file name.
   * @example "first-container"
   */
  name: z.string().min(1).optional(),
  /**
   * Creation date, `YYYY-MM-DD[THH:MM:SS]`.
   * @example "2024-09-01"
   */
  createdAt: dateSchema.optional(),
  /**
   * Last update date, `YYYY-MM-DD[THH:MM:SS]`.
   * @example "2026-02-21"
   */
  updatedAt: dateSchema.optional(),
  /**
   * Challenges to embed with `::card` (`:challenge: challenges.<name>`).
   * @example { "docker-101-container-run": {} }
   */
  ...embeddedReferenceFields,
});

/** A skill path's front matter as an author writes it. */
export type SkillPathInput = z.input<typeof skillPathSchema>;
/** A resolved skill path front matter. */
export type SkillPath = z.output<typeof skillPathSchema>;
/** A skill path unit as an author writes it. */
export type SkillPathUnitInput = z.input<typeof skillPathUnitSchema>;
/** A resolved skill path unit. */
export type SkillPathUnit = z.output<typeof skillPathUnitSchema>;
