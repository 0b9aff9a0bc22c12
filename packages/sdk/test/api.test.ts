// Pins the whole public surface of @labkit/sdk: the exact, sorted list of exported
// names of each entry in its package.json exports map. Adding, removing or
// renaming an export fails here, so the change is made on purpose (update the
// list in the same commit and say why).
import { describe, expect, it } from 'vitest';
import * as sdk from '../src/index.ts';
import * as light from '../src/light.ts';

const publicNames = [
  'BUNDLE_DIR', 'BUNDLE_FORMAT', 'BundleErrors', 'CONTENT_DIR', 'ContentDirErrors', 'ContentStore',
  'DEFAULT_TASK_TIMEOUT_SECONDS', 'FILE_START', 'ImportErrors', 'KNOWN_COMPONENTS', 'LOOPBACK_HOSTS',
  'LabkitError', 'LineIndex', 'MANIFEST_PATH', 'MODEL_FORMAT', 'MODEL_PATH', 'SVG_CONTENT_SECURITY_POLICY',
  'StoreErrors', 'buildJsonSchema', 'builtinContainerImages', 'builtinPlaygrounds', 'builtinPlaygroundsDir',
  'bundleFileEntrySchema', 'bundleInputFromGraph', 'bundleItemSchema', 'bundleManifestSchema',
  'canonicalJson', 'categories', 'challengeSchema', 'closest', 'compareDiagnostics', 'compatibilityReport',
  'componentRegistry', 'containerImageSchema', 'contentDir', 'contentKinds', 'contentLimits',
  'contentSanitizeSchema', 'contentSchema', 'contentTypeFor', 'courseLessonSchema', 'courseModuleSchema',
  'courseSchema', 'courseUnitSchema', 'createBundle', 'defineChallenge', 'defineCourse', 'defineErrors',
  'defineLesson', 'definePlayground', 'defineSkillPath', 'defineTutorial', 'definitionMachineSchema',
  'diagnostic', 'didYouMean', 'difficulties', 'digestOf', 'digestOfFiles', 'discoverFiles', 'driveSchema',
  'formatDiagnostics', 'frontMatterJsonSchema', 'generateReference', 'getComponent', 'helperTask',
  'hostnameOf', 'ignoredFolders', 'imageBuildSchema', 'importKillercoda', 'initConditionValueSchema',
  'initTask', 'isIgnoredFolder', 'isLabkitError', 'killercodaRules', 'labkitCacheDir', 'listRules',
  'loadContent', 'loadFieldDocs', 'machineResourcesSchema', 'machineSchema', 'machineUserSchema',
  'manifestFileDigests', 'markdownProcessor', 'needsOutput', 'networkSchema', 'normalizeHost',
  'parseBundleManifest', 'parseCodeMeta', 'parseDocument', 'pipelineVersion', 'platformOnlyPlaygrounds',
  'playgroundDefinitionSchema', 'playgroundSchema', 'playgroundSpecSchema', 'playgroundsOf', 'propsOf',
  'readComponentProps', 'readIfExists', 'referenceKinds', 'referenceMapSchema', 'renderDocument',
  'resolvePlayground', 'resolvePosix', 'rules', 'schemaForKind', 'secretMatches', 'serviceSchema', 'shQuote',
  'sha256Hex', 'skillPathSchema', 'skillPathUnitSchema', 'staleFiles', 'stampFiles', 'startWorkerThread', 'startupFileSchema', 'summarize',
  'svgResponseHeaders', 'tabKinds', 'tabSchema', 'task', 'taskComponentNames', 'taskConditionSchema',
  'taskSchema', 'tasksSchema', 'toPointer', 'tutorialSchema', 'updateFiles', 'userInput', 'usersOf',
  'validateGraph', 'workerExecArgv',
];

describe('@labkit/sdk public API', () => {
  it('exports exactly the pinned names', () => {
    expect(Object.keys(sdk).sort()).toEqual(publicNames);
  });

  it('@labkit/sdk/light exports the pinned names, each the same value as the main entry', () => {
    expect(Object.keys(light).sort()).toEqual([
      'ContentDirErrors', 'LabkitError', 'compareDiagnostics', 'compatibilityReport', 'contentDir', 'defineErrors',
      'discoverFiles', 'formatDiagnostics', 'isLabkitError', 'labkitCacheDir', 'pipelineVersion', 'readIfExists',
      'startWorkerThread', 'summarize', 'workerExecArgv',
    ]);
    for (const [name, value] of Object.entries(light)) expect((sdk as Record<string, unknown>)[name], name).toBe(value);
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
