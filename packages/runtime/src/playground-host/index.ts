export { startPlayground, listPlaygrounds, findPlayground, stopPlayground, runInPlayground, connectToPlayground, forwardPort, sshProxy, copyToPlayground, copyFromPlayground, openControl } from './client.ts';
export type { StartPlaygroundOptions, RunInPlaygroundOptions, PortForward } from './client.ts';
export { hostPlayground } from './supervisor.ts';
export { keepPlayground } from './keep-playground.ts';
export type { KeepPlaygroundOptions, KeptPlaygroundHandle } from './keep-playground.ts';
export type { HostOptions, ControlRequest } from './supervisor.ts';
export type { PlaygroundRecord } from './host-record.ts';
export { playgroundStateDir } from './state-dir.ts';
export { resolvePlaygroundTarget } from './resolve-target.ts';
