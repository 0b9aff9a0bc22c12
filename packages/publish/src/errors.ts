import { defineErrors } from '@labkit/sdk';

/**
 * Errors `publish()` (and so `lab publish`) raises; each hint says what to
 * do next.
 */
export const PublishErrors = defineErrors({
  BadTarget: {
    title: 'Invalid publish target',
    message: (target: string, why: string) => `--to "${target}" ${why}.`,
    hint: 'Use a folder (--to ./public or --to file:///srv/site) or S3-compatible storage (--to s3://bucket/prefix, with --endpoint for non-AWS services).',
  },
  SiteNotFound: {
    title: 'Site folder not found',
    message: (dir: string) => `There is no built site at ${dir}.`,
    hint: 'Pass the folder lab build wrote (--site dist), or leave --site out and let lab publish build the site.',
  },
  SiteFileClash: {
    title: 'Site file clashes with the bundle',
    message: (path: string) => `The site output holds "${path}", a path the content bundle reserves (manifest.json and _bundle/).`,
    hint: 'Rename that file in your site (e.g. a web app manifest as manifest.webmanifest).',
  },
  NoCodeWithTest: {
    title: '--no-code with --test',
    message: () => '--test runs the challenge checks, which loads the content code (*.lab.ts) that --no-code promises not to run.',
    hint: 'Drop --test to publish without running code, or drop --no-code on content you trust.',
  },
  UnsafeKey: {
    title: 'Object key outside the target',
    message: (key: string, target: string) => `Refusing to write or delete ${JSON.stringify(key)} in ${target}: the key is not a path inside the target (absolute, empty segment, "." or "..").`,
    hint: 'Publish keys are relative POSIX paths made by the bundle and the site build; a key like this means a bug or tampered input, so nothing was written for it.',
  },
  ValidationFailed: {
    title: 'Content has errors',
    message: (errors: number) => `Validation found ${errors} error${errors === 1 ? '' : 's'}, so nothing was built or published.`,
    hint: 'Fix the errors listed above (lab validate shows them with their place), then publish again.',
  },
  BuildFailed: {
    title: 'Site build failed',
    message: (reason: string) => `lab build failed, so nothing was published: ${reason}`,
    hint: 'Run lab build on its own to see the full output, fix the problem, then publish again.',
  },
  BuildHadErrors: {
    title: 'Site build failed',
    message: (errors: number) => `The site build stopped with ${errors} error${errors === 1 ? '' : 's'}, so nothing was published.`,
    hint: 'Run lab build to see each error with its place, fix them, then publish again.',
  },
  TestsFailed: {
    title: 'Challenge tests failed',
    message: (failures: Array<{ id: string; reason: string }>) =>
      `${failures.length} challenge test${failures.length === 1 ? '' : 's'} failed (--test), so nothing was published: ${failures.map((f) => `${f.id} (${f.reason})`).join('; ')}.`,
    hint: 'Run lab test to see which checks fail, fix them, then publish again (or drop --test to publish without running them).',
  },
  PruneUnownedTarget: {
    title: 'Refusing to prune a target lab publish does not own',
    message: (target: string, count: number) =>
      `${target} holds ${count} object${count === 1 ? '' : 's'} but no Labkit manifest.json, so --prune would delete files lab publish never wrote.`,
    hint: 'Publish to an empty folder or prefix. If those objects really belong to this site, publish once without --prune (that writes the manifest), then use --prune.',
  },
  SyncFailed: {
    title: 'Publish failed',
    message: (target: string, failures: Array<{ path: string; error: string }>) =>
      `${failures.length} object${failures.length === 1 ? '' : 's'} could not be written to ${target} after retries (first: ${failures[0]?.path ?? '?'}: ${failures[0]?.error ?? '?'}). The previous manifest.json is still in place, so readers keep seeing the previous publish.`,
    hint: 'Check the storage service and your network, then run the same command again: objects already uploaded are skipped, so it resumes where it stopped.',
  },
  PruneFailed: {
    title: 'Stale objects not deleted',
    message: (target: string, count: number, reason: string) =>
      `The new publish is complete on ${target} (manifest.json written), but deleting ${count} stale object${count === 1 ? '' : 's'} failed: ${reason}.`,
    hint: 'Readers are fine (the manifest no longer names them). Run the same command with --prune again to finish the clean-up; check that the key may s3:DeleteObject.',
  },
  AccessDenied: {
    title: 'Storage refused the credentials',
    message: (target: string, detail: string) => `${target} answered: ${detail}.`,
    hint: 'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials) for a user allowed s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject on this bucket.',
  },
  MissingCredentials: {
    title: 'No storage credentials',
    message: (detail: string) => `No AWS credentials were found: ${detail}.`,
    hint: 'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment (in GitHub Actions, from repository secrets), or configure an AWS profile (AWS_PROFILE).',
  },
  MissingRegion: {
    title: 'No storage region',
    message: (target: string) => `No region is set for ${target}.`,
    hint: 'Set AWS_REGION (e.g. AWS_REGION=eu-central-1) or pass --region. For S3-compatible storage, --endpoint alone is enough (the region defaults to us-east-1).',
  },
  NoSuchBucket: {
    title: 'Bucket not found',
    message: (bucket: string, endpoint: string) => `The bucket "${bucket}" does not exist at ${endpoint}.`,
    hint: 'Create the bucket first, or fix the bucket name in --to s3://<bucket>/<prefix> (and --endpoint for non-AWS storage).',
  },
  Unreachable: {
    title: 'Storage unreachable',
    message: (target: string, detail: string) => `Could not reach ${target}: ${detail}.`,
    hint: 'Check --endpoint (scheme, host and port), the network, and AWS_REGION; then run again.',
  },
});
