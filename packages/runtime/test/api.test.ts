// Pins the whole public surface of @labkit/runtime: the exact, sorted list of exported
// names of each entry in its package.json exports map. Adding, removing or
// renaming an export fails here, so the change is made on purpose (update the
// list in the same commit and say why).
import { describe, expect, it } from 'vitest';

const runtimeNames = [
  'AGENT_VSOCK_PORT', 'BOOT_SCRIPT', 'CANARY_TIMEOUT_MS', 'DEFAULT_MAX_SESSIONS_PER_CLIENT',
  'DEFAULT_POLL_INTERVAL_MS', 'DEFAULT_SERVE_PORT', 'DEFAULT_SETTLE_MS', 'FirecrackerApi',
  'FirecrackerMachine', 'FirecrackerProvider', 'MAX_CONDITION_COMBINATIONS', 'PlaygroundServer',
  'PlaygroundSession', 'QemuMachine', 'QemuProvider', 'RuntimeErrors', 'SAVED_HOSTNAME', 'SavedStates', 'SharedState', 'SshMachine', 'SshProvider', 'SwarmProvider',
  'TASK_STATUS_CODES', 'TaskEngine', 'VmPool', 'bootScript', 'buildImage', 'buildPlaygroundImages', 'buildRunnerImage', 'cacheDir',
  'chooseAccelerator', 'conditionCombinations', 'conditionsMatch', 'connectVsock', 'contentCatalog',
  'dependencyOrder', 'devPlaygrounds', 'expand', 'expandEnv', 'expandScript', 'findPlaygroundImage', 'hostTscKhz',
  'inputDestinations', 'kvmCanary', 'listImages', 'localCoordinator', 'phaseBreakdown', 'playgroundImage', 'playgroundItemOf',
  'playgroundItemsOf', 'playgroundMachines', 'playgroundOf', 'pruneImages', 'ramMiB', 'resolveConditions',
  'seedRegistry', 'selectTasks', 'serve', 'setupScript', 'shQuote', 'splitSolution', 'storeCatalog', 'testChallenges',
];

describe('@labkit/runtime public API', () => {
  it('@labkit/runtime exports exactly the pinned names', async () => {
    expect(Object.keys(await import('@labkit/runtime')).sort()).toEqual(runtimeNames);
  });
});
