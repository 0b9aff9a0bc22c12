import type { ChallengeInput } from '../schemas/challenge.ts';
import type { CourseInput, CourseLessonInput, CourseModuleInput, CourseUnitInput } from '../schemas/course.ts';
import type { PlaygroundDefinitionInput } from '../schemas/playground-definition.ts';
import type { SkillPathInput, SkillPathUnitInput } from '../schemas/skill-path.ts';
import type { TaskInput } from '../schemas/task.ts';
import type { TutorialInput } from '../schemas/tutorial.ts';

/*
 * Content as code. A `*.lab.ts` file default-exports one of these; the
 * loader turns it into the same model as the Markdown form. The functions
 * only stamp `kind`: their value is the types. The schemas are loose (so the
 * validator can say "did you mean"), which would let any key through in
 * TypeScript; `Strict` removes those open index signatures so a typo is a
 * type error in the editor, and `needs` must name a task of the same file.
 */

type KnownKeys<T> = keyof { [K in keyof T as string extends K ? never : number extends K ? never : K]: 0 };

/** `T` without the open index signatures of loose objects (records keep theirs). */
export type Strict<T> = T extends string | number | boolean | bigint | symbol | null | undefined
  ? T
  : T extends readonly (infer U)[]
    ? readonly Strict<U>[]
    : T extends object
      ? [KnownKeys<T>] extends [never]
        ? { [K in keyof T]: Strict<T[K]> }
        : { [K in keyof T as string extends K ? never : number extends K ? never : K]: Strict<T[K]> }
      : T;

/** A task as written in TypeScript; `needs` only accepts task names of the same content. */
export type TaskDefinition<Name extends string = string> = Omit<Strict<TaskInput>, 'needs'> & {
  /** Tasks that must complete first (names of tasks defined next to this one). */
  needs?: readonly Name[];
};

/** Where the Markdown body comes from: inline, or a file next to the `.lab.ts`. */
export type BodySource =
  | {
      /** Markdown + MDC body, inline. */
      body: string;
      bodyFile?: never;
    }
  | {
      /** Markdown file (relative to the `.lab.ts`) holding the body; its front matter, if any, is ignored. */
      bodyFile: string;
      body?: never;
    }
  | { body?: undefined; bodyFile?: undefined };

type WithTasks<Meta, Name extends string> = Omit<Strict<Meta>, 'kind' | 'tasks'> & {
  /** Content slug; defaults to the file name (`<name>.lab.ts`) or the folder of `index.lab.ts`. */
  name?: string;
  /** Tasks by name. */
  tasks?: { [K in Name]: TaskDefinition<NoInfer<Name>> };
};

/** A challenge written in TypeScript. */
export type ChallengeDefinition<Name extends string = string> = WithTasks<ChallengeInput, Name> & BodySource;
/** A tutorial written in TypeScript. */
export type TutorialDefinition<Name extends string = string> = WithTasks<TutorialInput, Name> & BodySource;
/** A course lesson written in TypeScript. */
export type LessonDefinition<Name extends string = string> = WithTasks<CourseLessonInput, Name> &
  BodySource & {
    /** Lesson pages after the first. */
    units?: UnitDefinition[];
  };
/** A skill path or course unit written in TypeScript. */
export type UnitDefinition = Omit<Strict<SkillPathUnitInput>, 'kind'> & BodySource;
/** A course module written in TypeScript. */
export type ModuleDefinition = Omit<Strict<CourseModuleInput>, 'kind'> & {
  /** Lessons in order. */
  lessons: LessonDefinition[];
};
/** A skill path written in TypeScript. */
export type SkillPathDefinition = Omit<Strict<SkillPathInput>, 'kind'> &
  BodySource & {
    /** Content slug; defaults to the file name. */
    name?: string;
    /** Units in order. */
    units: UnitDefinition[];
  };
/** A course written in TypeScript: lessons directly (flat) or in modules. */
export type CourseDefinition = Omit<Strict<CourseInput>, 'kind'> &
  BodySource & {
    /** Content slug; defaults to the file name. */
    name?: string;
    /** Modules in order (modular course). */
    modules?: ModuleDefinition[];
    /** Lessons in order (flat course). */
    lessons?: LessonDefinition[];
  };

/** A value produced by one of the `define*` functions. */
export type Defined<K extends string, D> = D & { kind: K };

/** Defines a challenge. Task names are checked: `needs` must name a task of this challenge. */
export function defineChallenge<const Name extends string>(def: ChallengeDefinition<Name>): Defined<'challenge', ChallengeDefinition<Name>> {
  return { ...def, kind: 'challenge' };
}

/** Defines a tutorial. */
export function defineTutorial<const Name extends string>(def: TutorialDefinition<Name>): Defined<'tutorial', TutorialDefinition<Name>> {
  return { ...def, kind: 'tutorial' };
}

/** Defines a skill path with its units. */
export function defineSkillPath(def: SkillPathDefinition): Defined<'skill-path', SkillPathDefinition> {
  return { ...def, kind: 'skill-path' };
}

/** Defines a course with its modules or lessons. */
export function defineCourse(def: CourseDefinition): Defined<'course', CourseDefinition> {
  return { ...def, kind: 'course' };
}

/** Defines a course lesson (for `defineCourse({ lessons: [...] })`). */
export function defineLesson<const Name extends string>(def: LessonDefinition<Name>): LessonDefinition<Name> {
  return def;
}

/** A playground definition written in TypeScript (the body describes it). */
export type PlaygroundDefinitionDef = Omit<Strict<PlaygroundDefinitionInput>, 'kind'> & BodySource;

/** Defines a playground that content uses with `playground: { name: <file name> }`. */
export function definePlayground(def: PlaygroundDefinitionDef): Defined<'playground', PlaygroundDefinitionDef> {
  return { ...def, kind: 'playground' };
}

/** A regular task: loops until `run` exits 0; show it with `::simple-task`. */
export function task<const Name extends string = never>(def: TaskDefinition<Name>): TaskDefinition<Name> {
  return def;
}

/** An init task: runs once while the playground boots. */
export function initTask<const Name extends string = never>(def: Omit<TaskDefinition<Name>, 'init' | 'helper'>): TaskDefinition<Name> {
  return { ...def, init: true };
}

/** A helper task: loops forever in the background, never shown. */
export function helperTask<const Name extends string = never>(def: Omit<TaskDefinition<Name>, 'init' | 'helper'>): TaskDefinition<Name> {
  return { ...def, helper: true };
}

/** `x(.needs.<task>.stdout)` for an `env` entry: `env: [\`ID=${needsOutput('verify')}\`]`. */
export function needsOutput(taskName: string, stream: 'stdout' | 'stderr' = 'stdout'): string {
  return `x(.needs.${taskName}.${stream})`;
}

/** The learner's input (`x(.input)`), for user-input tasks. */
export const userInput = 'x(.input)';

/** Course units and skill path units are written the same way. */
export type { CourseUnitInput };
