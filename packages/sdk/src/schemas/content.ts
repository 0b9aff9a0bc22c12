import { z } from 'zod';
import { challengeSchema } from './challenge.ts';
import { courseLessonSchema, courseModuleSchema, courseSchema } from './course.ts';
import { playgroundDefinitionSchema } from './playground-definition.ts';
import { skillPathSchema, skillPathUnitSchema } from './skill-path.ts';
import { tutorialSchema } from './tutorial.ts';

/** Every value of the front matter `kind` field. */
export const contentKinds = ['tutorial', 'challenge', 'skill-path', 'unit', 'course', 'module', 'lesson', 'playground'] as const;

/** One of {@link contentKinds}. */
export type ContentKind = (typeof contentKinds)[number];

/**
 * Any content document's front matter, chosen by `kind`. Skill path units and
 * course units share `kind: unit` and the same shape, so `unit` is parsed
 * with {@link skillPathUnitSchema}; the loader knows which parent it has.
 */
export const contentSchema = z.discriminatedUnion('kind', [
  tutorialSchema,
  challengeSchema,
  skillPathSchema,
  skillPathUnitSchema,
  courseSchema,
  courseModuleSchema,
  courseLessonSchema,
  playgroundDefinitionSchema,
]);

/** Front matter of any kind as an author writes it. */
export type ContentInput = z.input<typeof contentSchema>;
/** Resolved front matter of any kind. */
export type Content = z.output<typeof contentSchema>;

/** The schema for one kind. */
export function schemaForKind(kind: ContentKind): z.ZodType {
  return kindSchemas[kind];
}

const kindSchemas: Record<ContentKind, z.ZodType> = {
  tutorial: tutorialSchema,
  challenge: challengeSchema,
  'skill-path': skillPathSchema,
  unit: skillPathUnitSchema,
  course: courseSchema,
  module: courseModuleSchema,
  lesson: courseLessonSchema,
  playground: playgroundDefinitionSchema,
};
