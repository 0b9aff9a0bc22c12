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
