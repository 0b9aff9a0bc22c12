import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { PublishErrors } from './errors.ts';
import type { PublishTarget, PutRequest, RemoteObject } from './target.ts';

export interface S3TargetOptions {
  bucket: string;
  /** Key prefix without leading or trailing slash; '' for the bucket root. */
  prefix: string;
  /** A custom endpoint (MinIO, R2, Ceph...). Implies path-style addressing. */
  endpoint?: string;
  /** Defaults to AWS_REGION / AWS_DEFAULT_REGION, then us-east-1 for custom endpoints. */
  region?: string;
  /** Explicit credentials; by default the AWS SDK's chain (AWS_ACCESS_KEY_ID... , profiles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Environment to read the region and endpoint from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Per-request timeout in ms. Default 60 000. */
  requestTimeoutMs?: number;
}

/** Metadata key holding the object's SHA-256 (sent as `x-amz-meta-sha256`). */
export const SHA256_METADATA = 'sha256';

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET']);
const RETRYABLE_NAMES = new Set(['InternalError', 'ServiceUnavailable', 'SlowDown', 'RequestTimeout', 'TimeoutError', 'RequestTimeTooSkewed', 'ThrottlingException']);

interface AwsLikeError {
  name?: string;
  code?: string;
  message?: string;
  cause?: { code?: string };
  $metadata?: { httpStatusCode?: number };
}

/**
 * S3-compatible object storage. Each object carries its SHA-256 in
 * metadata, so the sync engine can check an object's content with a HEAD
 * instead of downloading it. The SDK's own retries are off (maxAttempts 1):
 * the sync engine retries with backoff itself, so it can count retries and
 * stop the whole publish cleanly when the service stays down.
 */
export class S3Target implements PublishTarget {
  readonly url: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly endpoint: string;
  readonly client: S3Client;
  #keyPrefix: string;

  constructor(options: S3TargetOptions) {
    const env = options.env ?? process.env;
    this.bucket = options.bucket;
    this.prefix = options.prefix;
    this.#keyPrefix = options.prefix ? `${options.prefix}/` : '';
    const endpoint = options.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
    const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (endpoint ? 'us-east-1' : undefined);
    this.endpoint = endpoint ?? `https://s3.${region ?? 'us-east-1'}.amazonaws.com`;
    this.url = `s3://${options.bucket}${options.prefix ? `/${options.prefix}` : ''}${endpoint ? ` (${endpoint})` : ''}`;
    const config: S3ClientConfig = {
      maxAttempts: 1,
      // Custom endpoints (MinIO, R2, s3rver) rarely support virtual-host buckets.
      forcePathStyle: Boolean(endpoint),
      // Only send checksums where S3 requires them: several S3-compatible
      // services reject the newer default CRC32 trailers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: 10_000, requestTimeout: options.requestTimeoutMs ?? 60_000 },
    };
    if (endpoint) config.endpoint = endpoint;
    if (region) config.region = region;
    if (options.credentials) config.credentials = options.credentials;
    this.client = new S3Client(config);
  }

  async list(): Promise<Map<string, RemoteObject>> {
    const out = new Map<string, RemoteObject>();
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.#keyPrefix || undefined, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        if (!o.Key || o.Key.endsWith('/') || !o.Key.startsWith(this.#keyPrefix)) continue;
        out.set(o.Key.slice(this.#keyPrefix.length), { size: o.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async digest(path: string): Promise<string | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.#key(path) }));
      return head.Metadata?.[SHA256_METADATA];
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    try {
      const got = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.#key(path) }));
      return got.Body ? await got.Body.transformToByteArray() : new Uint8Array();
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async put(request: PutRequest): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.#key(request.path),
        Body: request.data,
        ContentLength: request.data.byteLength,
        ContentType: request.contentType,
        CacheControl: request.cacheControl,
        ...(request.contentDisposition ? { ContentDisposition: request.contentDisposition } : {}),
        Metadata: { [SHA256_METADATA]: request.sha256 },
      }),
    );
  }

  async delete(paths: readonly string[]): Promise<void> {
    for (let i = 0; i < paths.length; i += 1000) {
      const batch = paths.slice(i, i + 1000);
      const result = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((p) => ({ Key: this.#key(p) })), Quiet: true } }),
      );
      const failed = result.Errors ?? [];
      if (failed.length) {
        const first = failed[0]!;
        const error = new Error(`${failed.length} deletions failed (first: ${first.Key}: ${first.Code} ${first.Message ?? ''})`) as Error & AwsLikeError;
        error.name = first.Code ?? 'DeleteFailed';
        throw error;
      }
    }
  }

  isRetryable(error: unknown): boolean {
    const e = error as AwsLikeError | undefined;
    if (!e) return false;
    const status = e.$metadata?.httpStatusCode;
    if (status !== undefined && (status >= 500 || status === 429 || status === 408)) return true;
    if (e.name && RETRYABLE_NAMES.has(e.name)) return true;
    return NETWORK_CODES.has(e.code ?? '') || NETWORK_CODES.has(e.cause?.code ?? '');
  }

  explain(error: unknown): Error {
    const e = error as AwsLikeError | undefined;
    const detail = `${e?.name ?? 'Error'}${e?.message ? `: ${e.message}` : ''}`;
    if (e?.name === 'CredentialsProviderError') return PublishErrors.MissingCredentials(e.message ?? 'the credential chain found nothing');
    if (/region is missing/i.test(e?.message ?? '')) return PublishErrors.MissingRegion(this.url);
    if (e?.name === 'NoSuchBucket') return PublishErrors.NoSuchBucket(this.bucket, this.endpoint);
    if (e?.$metadata?.httpStatusCode === 403 || e?.name === 'AccessDenied' || e?.name === 'InvalidAccessKeyId' || e?.name === 'SignatureDoesNotMatch') {
      return PublishErrors.AccessDenied(this.url, detail);
    }
    if (NETWORK_CODES.has(e?.code ?? '') || NETWORK_CODES.has(e?.cause?.code ?? '') || e?.name === 'TimeoutError') {
      return PublishErrors.Unreachable(this.url, detail);
    }
    return error instanceof Error ? error : new Error(String(error));
  }

  close(): void {
    this.client.destroy();
  }

  #key(path: string): string {
    return this.#keyPrefix + path;
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as AwsLikeError | undefined;
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || (e?.$metadata?.httpStatusCode === 404 && e?.name !== 'NoSuchBucket');
}
