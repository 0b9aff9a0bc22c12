import { z } from 'zod';
import { catalogFields, dateSchema, difficultySchema } from './common.ts';
import { playgroundSchema } from './playground.ts';
import { embeddedReferenceFields } from './references.ts';
import { skillPathUnitSchema } from './skill-path.ts';
import { tasksSchema } from './task.ts';

/*
 * Courses, designed by analogy with skill paths (the samples only show
 * references to courses, never a course folder):
 *
 *   my-course/
 *     index.md                 kind: course   (listing fields, playground)
 *     010.intro/               a module; numeric prefix orders, slug "intro"
 *       000.index.md           kind: module   (optional: title, description)
 *       10.what/               a lesson; slug "what", path "intro/what"
 *         000.index.md         kind: lesson   (title, playground, tasks, body)
 *         unit-010.md          kind: unit     (more pages of the lesson)
 *     020.flat-lesson/         a lesson directly under the course (flat course)
 *       000.index.md           kind: lesson
 *
 * A folder with a `kind: lesson` index is a lesson; a folder with
 * sub-folders is a module. `index.md` is accepted for `000.index.md`.
 * Lesson paths (`module/lesson`) are what skill path units reference with
 * `courses: { <course>: { lessons: [...] } }`. A lesson's units share the
 * lesson's tasks and playground; the course's playground is the default.
 */

/** A course: a book-sized sequence of modules and lessons. */
export const courseSchema = z.looseObject({
  /**
   * Content kind, always `course`.
   * @example "course"
   */
  kind: z.literal('course'),
  ...catalogFields,
  /**
   * Difficulty levels the course covers.
   * @example ["easy", "medium"]
   */
  difficulties: z.array(difficultySchema).optional(),
  /**
   * Default playground of every lesson that does not set its own.
   * @example { "name": "docker" }
   */
  playground: playgroundSchema.optional(),
});

/** A module: a group of lessons (`NNN.<slug>/000.index.md`). */
export const courseModuleSchema = z.looseObject({
  /**
   * Content kind, always `module`.
   * @example "module"
   */
  kind: z.literal('module'),
  /**
   * Module title.
   * @example "Container Management With ctr"
   */
  title: z.string().min(1),
  /**
   * Short description of the module.
   * @example "Create, start and inspect containers with ctr."
   */
  description: z.string().optional(),
  /**
   * Module slug; defaults to the folder name without its numeric prefix.
   * @example "ctr"
   */
  name: z.string().min(1).optional(),
});

/** A lesson: one page (plus optional units) with its own playground and tasks. */
export const courseLessonSchema = z.looseObject({
  /**
   * Content kind, always `lesson`.
   * @example "lesson"
   */
  kind: z.literal('lesson'),
  /**
   * Lesson title.
   * @example "What Is Dagger and Why Use It"
   */
  title: z.string().min(1),
  /**
   * Short description of the lesson.
   * @example "The problem Dagger solves."
   */
  description: z.string().optional(),
  /**
   * Lesson slug; defaults to the folder name without its numeric prefix.
   * @example "what-is-and-why-dagger"
   */
  name: z.string().min(1).optional(),
  /**
   * Creation date, `YYYY-MM-DD[THH:MM:SS]`.
   * @example "2024-09-01"
   */
  createdAt: dateSchema.optional(),
  /**
   * Last update date, `YYYY-MM-DD[THH:MM:SS]`.
   * @example "2024-09-02"
   */
  updatedAt: dateSchema.optional(),
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

/**
 * A lesson page (`unit-NNN.md` in a lesson folder). The same schema as a
 * skill path's unit, not a copy: a unit is validated and documented once.
 */
export const courseUnitSchema = skillPathUnitSchema;

/** A course's front matter as an author writes it. */
export type CourseInput = z.input<typeof courseSchema>;
/** A resolved course front matter. */
export type Course = z.output<typeof courseSchema>;
export type CourseModuleInput = z.input<typeof courseModuleSchema>;
export type CourseModule = z.output<typeof courseModuleSchema>;
export type CourseLessonInput = z.input<typeof courseLessonSchema>;
export type CourseLesson = z.output<typeof courseLessonSchema>;
export type CourseUnitInput = z.input<typeof courseUnitSchema>;
export type CourseUnit = z.output<typeof courseUnitSchema>;
