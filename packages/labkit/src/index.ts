// labkit: what authors import in `*.lab.ts` files and `lab.config.ts`.
// Named re-exports only; the list is pinned by a test.
export {
  defineChallenge,
  defineTutorial,
  defineSkillPath,
  defineCourse,
  defineLesson,
  definePlayground,
  task,
  initTask,
  helperTask,
  needsOutput,
  userInput,
} from '@labkit/cli/author';
export { defineConfig } from '@labkit/cli/author';
export type { LabConfig } from '@labkit/cli/author';
export type {
  ChallengeDefinition,
  TutorialDefinition,
  SkillPathDefinition,
  CourseDefinition,
  LessonDefinition,
  ModuleDefinition,
  UnitDefinition,
  TaskDefinition,
  BodySource,
  Defined,
  Strict,
  ChallengeInput,
  TutorialInput,
  SkillPathInput,
  CourseInput,
  PlaygroundInput,
  TaskInput,
} from '@labkit/cli/author';
