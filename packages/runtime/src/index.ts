// The runtime's public API. Named re-exports only.
export { RuntimeErrors } from './errors.ts';
export type { Machine, MachineSpec, MachineState, ExecRequest, ExecResult, CopyInFile, PlaygroundSpec, RunningPlayground, Provider } from './provider.ts';
export { buildImage } from './image/build-image.ts';
export type { GuestImage, ImageKind, BuildImageOptions } from './image/build-image.ts';
export { cacheDir } from './image/cache-dir.ts';
export { QemuProvider, playgroundOf } from './providers/qemu/qemu-provider.ts';
export type { QemuProviderOptions } from './providers/qemu/qemu-provider.ts';
export { QemuMachine, hostTscKhz } from './providers/qemu/qemu-machine.ts';
export type { Accelerator, QemuMachineOptions } from './providers/qemu/qemu-machine.ts';
export { chooseAccelerator, kvmCanary } from './providers/qemu/accelerator.ts';
export { VmPool } from './pool/vm-pool.ts';
export type { VmPoolOptions } from './pool/vm-pool.ts';
export { TaskEngine, DEFAULT_POLL_INTERVAL_MS } from './engine/task-engine.ts';
export type { TaskEngineOptions, Evaluation } from './engine/task-engine.ts';
export type { EngineEvent, TaskStatus, TaskKind, ScriptKind, PlaygroundStatus, TaskSnapshot } from './engine/events.ts';
export { expand, expandEnv } from './engine/expand.ts';
export { dependencyOrder } from './engine/task-graph.ts';
