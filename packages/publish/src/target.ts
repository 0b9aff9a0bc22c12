import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PublishErrors } from './errors.ts';

/** What a target reports about an object it holds. */
export interface RemoteObject {
  size: number;
  /** SHA-256 when the listing already carries it (a folder does not; S3 listings do not). */
  sha256?: string;
}

/** An object to write, with its headers. */
export interface PutRequest {
  path: string;
  data: Uint8Array;
  sha256: string;
  contentType: string;
  cacheControl: string;
  /** `attachment` for SVGs (see `contentDispositionFor`); stored where the target can (S3). */
  contentDisposition?: string;
}

/**
 * Where a publish goes. Paths are relative POSIX paths under the target's
 * root (a folder, or a bucket prefix). One class per kind of storage; the
 * sync engine only sees this interface.
 */
export interface PublishTarget {
  /** The target as the user would write it, for messages. */
  readonly url: string;
  /** Every object under the root, by path. */
  list(): Promise<Map<string, RemoteObject>>;
  /** The SHA-256 of a stored object (object metadata, or hashing the file); undefined when unknown or absent. */
  digest(path: string): Promise<string | undefined>;
  /** The bytes of a stored object; undefined when absent. */
  read(path: string): Promise<Uint8Array | undefined>;
  put(request: PutRequest): Promise<void>;
  delete(paths: readonly string[]): Promise<void>;
  /** Whether an error is worth retrying (5xx, throttling, network). */
  isRetryable(error: unknown): boolean;
  /** Turns a storage error into a catalogue error with a hint, when it knows one. */
  explain(error: unknown): Error;
  close(): void;
}

export type TargetSpec = { kind: 'directory'; path: string } | { kind: 's3'; bucket: string; prefix: string };

/**
 * Reads `--to`: `s3://bucket[/prefix]`, `file:///abs/path`, or a plain path
 * (relative to `cwd`). Other schemes are refused rather than guessed.
 */
export function parseTarget(to: string, cwd = process.cwd()): TargetSpec {
  if (!to) throw PublishErrors.BadTarget(to, 'is empty');
  if (to.startsWith('s3://')) {
    const rest = to.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    const prefix = slash === -1 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '');
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw PublishErrors.BadTarget(to, `names the bucket "${bucket}", which is not a valid bucket name (3-63 lowercase letters, digits, dots and dashes)`);
    if (prefix.split('/').some((s) => s === '.' || s === '..' || s === '') && prefix !== '') throw PublishErrors.BadTarget(to, 'has an empty, "." or ".." segment in its prefix');
    return { kind: 's3', bucket, prefix };
  }
  if (to.startsWith('file:')) {
    let path: string;
    try {
      path = fileURLToPath(to);
    } catch (error) {
      throw PublishErrors.BadTarget(to, `is not a valid file URL (${(error as Error).message})`);
    }
    return { kind: 'directory', path };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(to)) throw PublishErrors.BadTarget(to, 'uses a scheme lab publish does not know');
  return { kind: 'directory', path: isAbsolute(to) ? to : resolve(cwd, to) };
}
