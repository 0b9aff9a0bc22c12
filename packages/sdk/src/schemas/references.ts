import { z } from 'zod';

/** An embedded reference entry: `{}` or, for courses, a list of lessons. */
export const referenceEntrySchema = z.looseObject({
  /**
   * Lessons of a course to embed, as `lesson` (flat course) or `module/lesson`.
   * @example ["ctr/container-management"]
   */
  lessons: z.array(z.string().min(1)).optional(),
});

/** A reference map: content name → options (usually `{}`). */
export const referenceMapSchema = z.record(z.string(), referenceEntrySchema.nullable());

/**
 * The embedded-reference fields every kind's front matter shares, spread
 * into each schema so their docs and validation stay one definition (the
 * docs generator follows the spread).
 */
export const embeddedReferenceFields = {
  /**
   * Challenges to embed with `::card` (`:challenge: challenges.<name>`).
   * @example { "docker-101-container-run": {} }
   */
  challenges: referenceMapSchema.optional(),
  /**
   * Tutorials to embed with `::card` (`:content: tutorials.<name>`).
   * @example { "sample-tutorial": {} }
   */
  tutorials: referenceMapSchema.optional(),
  /**
   * Skill paths to embed with `::card` (`:content: skill-paths.<name>`).
   * @example { "sample-skill-path": {} }
   */
  'skill-paths': referenceMapSchema.optional(),
  /**
   * Courses, or some of their lessons, to embed with `::card` (`:content: courses.<name>`).
   * @example { "dagger": { "lessons": ["what-is-and-why-dagger"] } }
   */
  courses: referenceMapSchema.optional(),
  /**
   * Playgrounds to embed with `::card` (`:playground: playgrounds.<name>`).
   * @example { "docker": {} }
   */
  playgrounds: referenceMapSchema.optional(),
  /**
   * Roadmaps to embed with `::card` (`:content: roadmaps.<name>`).
   * @example { "docker": {} }
   */
  roadmaps: referenceMapSchema.optional(),
};

/** Front matter keys that hold embedded references, and the kind each points to. */
export const referenceKinds = {
  challenges: 'challenge',
  tutorials: 'tutorial',
  'skill-paths': 'skill-path',
  courses: 'course',
  playgrounds: 'playground',
  roadmaps: 'roadmap',
} as const;

export type ReferenceKey = keyof typeof referenceKinds;
