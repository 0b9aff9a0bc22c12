import { describe, expect, it } from 'vitest';

describe('the labkit package', () => {
  it('exports exactly the authoring API (a change here is a change to what authors import)', async () => {
    const api = await import('../../../labkit/src/index.ts');
    expect(Object.keys(api).sort()).toEqual(
      ['defineChallenge', 'defineConfig', 'defineCourse', 'defineLesson', 'definePlayground', 'defineSkillPath', 'defineTutorial', 'helperTask', 'initTask', 'needsOutput', 'task', 'userInput'].sort(),
    );
    // The same functions the SDK and the CLI export, not copies.
    const sdk = await import('@labkit/sdk');
    const cli = await import('@labkit/cli');
    expect(api.defineChallenge).toBe(sdk.defineChallenge);
    expect(api.defineConfig).toBe(cli.defineConfig);
  });
});
