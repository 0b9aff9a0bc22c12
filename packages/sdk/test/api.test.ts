// Pins the public surface of @labkit/sdk's core: other packages import
// these names, so a removal or rename must show up here.
import { describe, expect, it } from 'vitest';
import * as sdk from '../src/index.ts';

const core = [
  'DEFAULT_TASK_TIMEOUT_SECONDS',
  'FILE_START',
  'LineIndex',
  'categories',
  'compatibilityReport',
  'challengeSchema',
  'compareDiagnostics',
  'componentRegistry',
  'contentKinds',
  'contentSchema',
  'courseLessonSchema',
  'courseModuleSchema',
  'courseSchema',
  'courseUnitSchema',
  'defineChallenge',
  'defineCourse',
  'defineLesson',
  'definePlayground',
  'defineSkillPath',
  'defineTutorial',
  'difficulties',
  'digestOf',
  'formatDiagnostics',
  'getComponent',
  'helperTask',
  'initTask',
  'listRules',
  'loadContent',
  'markdownProcessor',
  'needsOutput',
  'parseDocument',
  'playgroundSchema',
  'propsOf',
  'readComponentProps',
  'rules',
  'schemaForKind',
  'skillPathSchema',
  'skillPathUnitSchema',
  'summarize',
  'task',
  'taskComponentNames',
  'taskSchema',
  'tasksSchema',
  'toPointer',
  'tutorialSchema',
  'updateFiles',
  'userInput',
  'validateGraph',
];

describe('@labkit/sdk public API', () => {
  it('exports the core names', () => {
    const exported = new Set(Object.keys(sdk));
    expect(core.filter((n) => !exported.has(n))).toEqual([]);
  });

  it('uses a 60 s default task timeout and fills it in', () => {
    expect(sdk.DEFAULT_TASK_TIMEOUT_SECONDS).toBe(60);
    expect(sdk.taskSchema.parse({ run: 'true' }).timeout_seconds).toBe(60);
  });

  it('picks the schema by kind', () => {
    const r = sdk.contentSchema.safeParse({ kind: 'unit', title: 'A unit' });
    expect(r.success).toBe(true);
    expect(sdk.contentSchema.safeParse({ kind: 'nope' }).success).toBe(false);
    expect([...sdk.contentKinds]).toEqual(['tutorial', 'challenge', 'skill-path', 'unit', 'course', 'module', 'lesson', 'playground']);
  });

  it('lists every rule with a description, sorted', () => {
    const list = sdk.listRules();
    expect(list.length).toBe(Object.keys(sdk.rules).length);
    for (const r of list) expect(r.description.length).toBeGreaterThan(20);
  });
});
