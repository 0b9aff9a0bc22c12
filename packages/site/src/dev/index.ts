// `lab dev`: the programmatic API (the CLI command only parses flags and calls it).
export { dev } from './dev.ts';
export type { DevOptions, DevHandle, DevUpdate } from './dev.ts';
export type { PreviewBackend, BackendState, RenderedPage } from './preview-backend.ts';
export { DEFAULT_DEV_PORT } from './listen.ts';
export { lazyPlaygroundApi } from './lazy-playgrounds.ts';
export type { LazyPlaygroundApi } from './lazy-playgrounds.ts';
export type { DevMount } from './dev-server.ts';
export { playgroundDevMount, playgroundClientFiles, playgroundScriptTag, PLAYGROUND_ASSET_PREFIX } from '../playground/dev-mount.ts';
export type { PlaygroundApi } from '../playground/dev-mount.ts';
export { DEV_SECRET_HEADER, DEV_SECRET_PARAM } from './request-guard.ts';
