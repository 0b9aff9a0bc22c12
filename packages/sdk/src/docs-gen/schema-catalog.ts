import type { z } from 'zod';
import { challengeSchema } from '../schemas/challenge.ts';
import { courseLessonSchema, courseModuleSchema, courseSchema } from '../schemas/course.ts';
import {
  machineInterfaceSchema,
  machineResourcesSchema,
  machineSchema,
  machineUserSchema,
  networkSchema,
  playgroundSchema,
  startupFileSchema,
  tabSchema,
} from '../schemas/playground.ts';
import {
  containerImageSchema,
  definitionMachineSchema,
  driveSchema,
  imageBuildSchema,
  initConditionValueSchema,
  playgroundDefinitionSchema,
  playgroundSpecSchema,
  serviceSchema,
} from '../schemas/playground-definition.ts';
import { referenceEntrySchema } from '../schemas/references.ts';
import { skillPathSchema, skillPathUnitSchema } from '../schemas/skill-path.ts';
import { taskConditionSchema, taskSchema } from '../schemas/task.ts';
import { tutorialSchema } from '../schemas/tutorial.ts';

/** One documented object schema: where its reference section lives. */
export interface CatalogEntry {
  /** Export name in `packages/sdk/src/schemas/*.ts`; the key into the extracted JSDoc. */
  exportName: string;
  schema: z.ZodType;
  /** Reference page (`docs/reference/<page>.md`). */
  page: string;
  /** Section title on that page. */
  title: string;
  /** Where this object is written, for the section's intro line. */
  where: string;
}

/**
 * Every object schema that gets its own reference section, in page order.
 * A field whose schema is one of these links to its section instead of
 * being expanded inline, so each shape is documented exactly once.
 */
export const schemaCatalog: readonly CatalogEntry[] = [
  { exportName: 'tutorialSchema', schema: tutorialSchema, page: 'tutorial', title: 'Tutorial', where: 'front matter of `<tutorial>/index.md`' },
  { exportName: 'challengeSchema', schema: challengeSchema, page: 'challenge', title: 'Challenge', where: 'front matter of `<challenge>/index.md` (or `defineChallenge()` in `*.lab.ts`)' },
  { exportName: 'skillPathSchema', schema: skillPathSchema, page: 'skill-path', title: 'Skill path', where: 'front matter of `<skill-path>/index.md`' },
  { exportName: 'skillPathUnitSchema', schema: skillPathUnitSchema, page: 'skill-path', title: 'Unit', where: 'front matter of `<skill-path>/unit-NN.md` and of a course lesson\'s `<lesson>/unit-NNN.md` (one schema for both)' },
  { exportName: 'courseSchema', schema: courseSchema, page: 'course', title: 'Course', where: 'front matter of `<course>/index.md`' },
  { exportName: 'courseModuleSchema', schema: courseModuleSchema, page: 'course', title: 'Module', where: 'front matter of `<course>/NNN.<module>/000.index.md`' },
  { exportName: 'courseLessonSchema', schema: courseLessonSchema, page: 'course', title: 'Lesson', where: 'front matter of `<course>/[NNN.<module>/]NNN.<lesson>/000.index.md`' },
  { exportName: 'playgroundSchema', schema: playgroundSchema, page: 'playground', title: 'Playground', where: '`playground:` of a tutorial, challenge, course or lesson' },
  { exportName: 'machineSchema', schema: machineSchema, page: 'playground', title: 'Machine', where: 'items of `playground.machines`' },
  { exportName: 'machineResourcesSchema', schema: machineResourcesSchema, page: 'playground', title: 'Machine resources', where: '`playground.machines[].resources`' },
  { exportName: 'startupFileSchema', schema: startupFileSchema, page: 'playground', title: 'Startup file', where: 'items of `playground.machines[].startupFiles`' },
  { exportName: 'machineUserSchema', schema: machineUserSchema, page: 'playground', title: 'Machine user', where: 'items of `playground.machines[].users`' },
  { exportName: 'machineInterfaceSchema', schema: machineInterfaceSchema, page: 'playground', title: 'Network interface', where: 'items of `playground.machines[].network.interfaces`' },
  { exportName: 'tabSchema', schema: tabSchema, page: 'playground', title: 'Tab', where: 'items of `playground.tabs`' },
  { exportName: 'networkSchema', schema: networkSchema, page: 'playground', title: 'Network', where: 'items of `playground.networks`' },
  { exportName: 'playgroundDefinitionSchema', schema: playgroundDefinitionSchema, page: 'playground-definition', title: 'Playground definition', where: 'front matter of `<playground>/index.md` (or `definePlayground()` in `*.lab.ts`)' },
  { exportName: 'playgroundSpecSchema', schema: playgroundSpecSchema, page: 'playground-definition', title: 'Playground spec', where: '`playground:` of a playground definition' },
  { exportName: 'definitionMachineSchema', schema: definitionMachineSchema, page: 'playground-definition', title: 'Definition machine', where: 'items of `playground.machines` in a definition (a content machine plus `kernel` and `drives`)' },
  { exportName: 'driveSchema', schema: driveSchema, page: 'playground-definition', title: 'Drive', where: 'items of `playground.machines[].drives`' },
  { exportName: 'initConditionValueSchema', schema: initConditionValueSchema, page: 'playground-definition', title: 'Init condition value', where: 'items of `playground.initConditions.values`' },
  { exportName: 'imageBuildSchema', schema: imageBuildSchema, page: 'playground-definition', title: 'Image build', where: '`build:` of a playground definition (Labkit only)' },
  { exportName: 'serviceSchema', schema: serviceSchema, page: 'playground-definition', title: 'Service', where: 'items of `build.services`' },
  { exportName: 'containerImageSchema', schema: containerImageSchema, page: 'playground-definition', title: 'Container image', where: 'recipe items of `build.images`' },
  { exportName: 'taskSchema', schema: taskSchema, page: 'task', title: 'Task', where: 'values of the `tasks:` map (key = task name)' },
  { exportName: 'taskConditionSchema', schema: taskConditionSchema, page: 'task', title: 'Task condition', where: 'items of a task\'s `conditions`' },
  { exportName: 'referenceEntrySchema', schema: referenceEntrySchema, page: 'references', title: 'Reference entry', where: 'values of `challenges:`, `tutorials:`, `skill-paths:`, `courses:`, `playgrounds:`, `roadmaps:`' },
];

/** The reference pages, in the order the index lists them. */
export const referencePages: ReadonlyArray<{ page: string; title: string; intro: string }> = [
  { page: 'tutorial', title: 'Tutorial', intro: 'A tutorial blends explanation with hands-on steps on a playground. One folder per tutorial: `index.md`, `__static__/` for assets.' },
  { page: 'challenge', title: 'Challenge', intro: 'A challenge is a focused problem checked automatically by tasks. One folder per challenge: `index.md`, `__static__/`, `solution.md` (for learners) and `solution.sh` / `.solution*.sh` (for `lab test`).' },
  { page: 'skill-path', title: 'Skill path', intro: 'A skill path is an ordered track of units; each unit usually embeds one tutorial, challenge, course (lesson) or other skill path with a `::card`.' },
  { page: 'course', title: 'Course', intro: 'A course is a book-sized sequence of modules and lessons, stored as nested folders ordered by numeric prefixes (`010.intro/10.what/000.index.md`). A lesson\'s pages (`unit-NNN.md`) are [units](skill-path.md#unit), the same as a skill path\'s.' },
  { page: 'playground', title: 'Playground', intro: 'The `playground:` field picks a base playground and customises its machines, tabs and networks.' },
  { page: 'playground-definition', title: 'Playground definition', intro: 'A `kind: playground` definition describes a playground content can name: the platform\'s playground manifest (machines, networks, tabs, init tasks, init conditions) plus `build:`, what `lab image build` turns into a guest image. Labkit ships `busybox`, `debian`, `docker` and `docker-multi` as ordinary definitions (`packages/sdk/playgrounds/`); see docs/playgrounds.md.' },
  { page: 'task', title: 'Task', intro: 'Tasks are the checks the task engine runs on the playground: `init` tasks finish the setup, regular tasks are polled until they pass, `helper` tasks run in the background.' },
  { page: 'references', title: 'Embedded references', intro: 'Front matter maps that declare the content a page embeds with `::card` or `::grid`. Each key is the embedded item\'s name; the value is `{}` (or, for courses, the lessons to embed).' },
];
