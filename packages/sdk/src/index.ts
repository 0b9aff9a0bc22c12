// The SDK's public API. Named re-exports only (no `export *`), so the
// surface is explicit and a test can pin it.
export { LabkitError, defineErrors, isLabkitError } from './errors/labkit-error.ts';
export type { ErrorSpec, ErrorFactory } from './errors/labkit-error.ts';

// Content model
export { DEFAULT_TASK_TIMEOUT_SECONDS, taskSchema, tasksSchema, taskConditionSchema } from './schemas/task.ts';
export type { Task, TaskInput } from './schemas/task.ts';
export {
  playgroundSchema,
  machineSchema,
  machineResourcesSchema,
  machineUserSchema,
  startupFileSchema,
  tabSchema,
  tabKinds,
  networkSchema,
} from './schemas/playground.ts';
export type { Playground, PlaygroundInput, Machine, Tab } from './schemas/playground.ts';
export { tutorialSchema } from './schemas/tutorial.ts';
export type { Tutorial, TutorialInput } from './schemas/tutorial.ts';
export { challengeSchema } from './schemas/challenge.ts';
export type { Challenge, ChallengeInput } from './schemas/challenge.ts';
export { skillPathSchema, skillPathUnitSchema } from './schemas/skill-path.ts';
export type { SkillPath, SkillPathInput, SkillPathUnit, SkillPathUnitInput } from './schemas/skill-path.ts';
export { courseSchema, courseModuleSchema, courseLessonSchema, courseUnitSchema } from './schemas/course.ts';
export type {
  Course,
  CourseInput,
  CourseModule,
  CourseModuleInput,
  CourseLesson,
  CourseLessonInput,
  CourseUnit,
  CourseUnitInput,
} from './schemas/course.ts';
export { contentSchema, contentKinds, schemaForKind } from './schemas/content.ts';
export type { Content, ContentInput, ContentKind } from './schemas/content.ts';
export { referenceMapSchema, referenceKinds } from './schemas/references.ts';
export type { ReferenceKey } from './schemas/references.ts';
export { categories, difficulties } from './schemas/common.ts';

// MDC components
export { componentRegistry, taskComponentNames, getComponent } from './components/registry.ts';
export type { ComponentSpec, ComponentProp, PropType } from './components/registry.ts';
