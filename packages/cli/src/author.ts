// What a content author imports in `*.lab.ts` files and `lab.config.ts`:
// `import { defineChallenge, task } from 'labkit'`. The `labkit` package
// re-exports this module, and the CLI maps the bare `labkit` specifier to it
// at run time (sdk-resolve-hook.ts), so content runs with the very SDK the
// CLI was installed with. Named re-exports only.
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
} from '@labkit/sdk';
export { defineConfig } from './config/lab-config.ts';
export type { LabConfig } from './config/lab-config.ts';
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
} from '@labkit/sdk';
