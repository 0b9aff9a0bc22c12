import { DirectoryTarget } from './directory-target.ts';
import { S3Target } from './s3-target.ts';
import type { S3TargetOptions } from './s3-target.ts';
import { parseTarget } from './target.ts';
import type { PublishTarget } from './target.ts';

export interface TargetOptions {
  /** S3-compatible endpoint URL (MinIO, R2...); AWS when absent. */
  endpoint?: string;
  region?: string;
  /** Explicit credentials; by default the AWS SDK's environment/profile chain. */
  credentials?: S3TargetOptions['credentials'];
  requestTimeoutMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Makes the target `--to` names. */
export function createTarget(to: string, options: TargetOptions = {}): PublishTarget {
  const spec = parseTarget(to, options.cwd);
  if (spec.kind === 'directory') return new DirectoryTarget(spec.path);
  const s3: S3TargetOptions = { bucket: spec.bucket, prefix: spec.prefix };
  if (options.endpoint) s3.endpoint = options.endpoint;
  if (options.region) s3.region = options.region;
  if (options.credentials) s3.credentials = options.credentials;
  if (options.requestTimeoutMs) s3.requestTimeoutMs = options.requestTimeoutMs;
  if (options.env) s3.env = options.env;
  return new S3Target(s3);
}
