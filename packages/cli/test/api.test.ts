// Pins the whole public surface of @labkit/cli: the exact, sorted list of exported
// names of each entry in its package.json exports map. Adding, removing or
// renaming an export fails here, so the change is made on purpose (update the
// list in the same commit and say why).
import { describe, expect, it } from 'vitest';

const cliNames = [
  'buildBaseImage', 'buildImages', 'checkLabConfig', 'createMcpServer', 'defineConfig', 'docs', 'doctor',
  'findProjectRoot', 'importKillercoda', 'init', 'installProject', 'labConfigSchema', 'listImages', 'loadLabConfig',
  'main', 'newItem', 'newKinds', 'pruneImages', 'schema', 'silentReporter', 'startPlayground', 'validate',
];
const authorNames = [
  'defineChallenge', 'defineConfig', 'defineCourse', 'defineLesson', 'definePlayground', 'defineSkillPath',
  'defineTutorial', 'helperTask', 'initTask', 'needsOutput', 'task', 'userInput',
];

describe('@labkit/cli public API', () => {
  it('@labkit/cli exports exactly the pinned names', async () => {
    expect(Object.keys(await import('@labkit/cli')).sort()).toEqual(cliNames);
  });
  it('@labkit/cli/author exports exactly the pinned names', async () => {
    expect(Object.keys(await import('@labkit/cli/author')).sort()).toEqual(authorNames);
  });
});
