// @labkit/publish: publish a built site and the content bundle to a folder or
// S3-compatible storage (what `lab publish` runs). Named re-exports only; the
// list is pinned by test/api.test.ts.
export { publish } from './publish.ts';
export type { PublishOptions, PublishResult } from './publish.ts';
export { defaultSteps } from './steps.ts';
export type { LoadedContent, PublishSteps } from './steps.ts';
export { publishBundle } from './publish-bundle.ts';
export type { PublishBundleOptions, PublishBundleResult } from './publish-bundle.ts';
export { createTarget } from './create-target.ts';
export type { TargetOptions } from './create-target.ts';
export { DirectoryTarget } from './directory-target.ts';
export { S3Target } from './s3-target.ts';
export type { S3TargetOptions } from './s3-target.ts';
export { parseTarget } from './target.ts';
export type { PublishTarget, RemoteObject, PutRequest, TargetSpec } from './target.ts';
export { syncToTarget } from './sync.ts';
export type { SyncOptions, SyncPlan, SyncResult, SyncUpload } from './sync.ts';
export type { RetryOptions } from './retry.ts';
export { cacheControlFor, contentDispositionFor, isContentHashed } from './content-headers.ts';
export { PublishErrors } from './errors.ts';
