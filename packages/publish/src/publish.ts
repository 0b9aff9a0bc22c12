import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { contentDir, isIgnoredFolder, isLabkitError } from '@labkit/sdk';
import type { LabkitError } from '@labkit/sdk';
import { createTarget } from './create-target.ts';
import { DirectoryTarget } from './directory-target.ts';
import type { TargetOptions } from './create-target.ts';
import { PublishErrors } from './errors.ts';
import { publishBundle } from './publish-bundle.ts';
import type { PublishBundleResult } from './publish-bundle.ts';
import { defaultSteps } from './steps.ts';
import type { LoadedContent, PublishSteps } from './steps.ts';
import type { SyncOptions } from './sync.ts';

export interface PublishOptions extends SyncOptions, TargetOptions {
  /** The content folder. */
  dir: string;
  /** `s3://bucket/prefix`, `file:///path` or a folder path. */
  to: string;
  /** Publish this already built site instead of building one. */
  site?: string;
  /** Build the site here and keep it (default: a temporary folder, removed after). */
  out?: string;
  /** Run challenge tests before publishing (`--test`). */
  test?: boolean;
  /** `false` (`--no-code`): never import `*.lab.ts` files; their items are not published. */
  code?: boolean;
  /** Called with every diagnostic once content is loaded (to print them). */
  onDiagnostics?: (graph: LoadedContent) => void;
  /** Progress lines ("validating", "building"...). */
  log?: (line: string) => void;
}

export interface PublishResult extends Omit<PublishBundleResult, 'error'> {
  /** Which stages ran. */
  stages: { validated: boolean; built: boolean; tested: boolean };
  validation: { errors: number; warnings: number };
  tests?: { passed: number; failed: number; failures?: Array<{ id: string; reason: string }> };
  error?: LabkitError;
}

/**
 * `lab publish`: validate, build (unless `site` is given), test (with
 * `test`), then publish the site and the content bundle to `to`. Stops at
 * the first failing stage with a catalogue error; returns the sync result
 * (with `ok: false` and `error` when the upload failed part-way).
 */
export async function publish(options: PublishOptions, steps: PublishSteps = defaultSteps): Promise<PublishResult> {
  const log = options.log ?? (() => {});
  const dir = contentDir(options.dir);
  if (options.code === false && options.test) throw PublishErrors.NoCodeWithTest();
  // Parse --to before the slow stages, so a typo fails in a second.
  const target = createTarget(options.to, options);
  if (target instanceof DirectoryTarget) assertOutsideContent(dir, target.root, options.to);
  let scratch: string | undefined;
  try {
    log('validating');
    const codeOption = options.code === false ? { code: false } : {};
    const graph = await steps.load(dir, codeOption);
    options.onDiagnostics?.(graph);
    const errors = graph.diagnostics.filter((d) => d.severity === 'error').length;
    const warnings = graph.diagnostics.filter((d) => d.severity === 'warning').length;
    if (errors > 0) throw PublishErrors.ValidationFailed(errors);

    let siteDir = options.site && resolve(options.site);
    if (!siteDir) {
      log('building the site');
      if (options.out) siteDir = resolve(options.out);
      else {
        scratch = await mkdtemp(join(tmpdir(), 'labkit-publish-'));
        siteDir = join(scratch, 'site');
      }
      try {
        await steps.build(graph, siteDir, codeOption);
      } catch (error) {
        throw isLabkitError(error) ? error : PublishErrors.BuildFailed(error instanceof Error ? error.message : String(error));
      }
    }

    let tests: PublishResult['tests'];
    if (options.test) {
      log('testing challenges');
      tests = await steps.test(graph);
      if (tests.failed > 0) throw PublishErrors.TestsFailed(tests.failures ?? [{ id: `${tests.failed} challenge(s)`, reason: 'see lab test' }]);
    }

    log('making the content bundle');
    const content = await steps.bundle(graph);
    log(`${options.dryRun ? 'planning' : 'publishing'} to ${target.url}`);
    const { bundle: _bundle, ...result } = await publishBundle({ ...options, target, content, siteDir, log });
    return {
      ...result,
      stages: { validated: true, built: !options.site, tested: Boolean(options.test) },
      validation: { errors, warnings },
      ...(tests ? { tests } : {}),
    };
  } finally {
    target.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * A folder target inside the content folder would be read as content by the
 * next validate/build/publish (every published index.md a duplicate item),
 * unless it sits where the loader does not look (the SDK's isIgnoredFolder:
 * `dist/`, `node_modules/`, a dot folder).
 */
function assertOutsideContent(contentDir: string, targetDir: string, to: string): void {
  const rel = relative(contentDir, targetDir);
  if (rel === '..' || rel.startsWith(`..${sep}`) || resolve(contentDir, rel) !== targetDir || /^[a-zA-Z]:/.test(rel)) return;
  const first = rel.split(sep)[0] ?? '';
  if (rel !== '' && isIgnoredFolder(first)) return;
  throw PublishErrors.BadTarget(to, `is inside the content folder ${contentDir}, so the next run would read the published files as content`);
}
