import { stat } from 'node:fs/promises';
import { createBundle, BUNDLE_DIR, MANIFEST_PATH } from '@labkit/sdk';
import type { Bundle, BundleInput } from '@labkit/sdk';
import { PublishErrors } from './errors.ts';
import { bundlePublishFile, readSiteFiles } from './publish-file.ts';
import { syncToTarget } from './sync.ts';
import type { SyncOptions, SyncResult } from './sync.ts';
import type { PublishTarget } from './target.ts';

export interface PublishBundleOptions extends SyncOptions {
  target: PublishTarget;
  /** Items and model (see `bundleInputFromGraph`); the site listing is added here. */
  content: Omit<BundleInput, 'site'>;
  /** A built site folder to publish beside the bundle. */
  siteDir?: string;
}

export interface PublishBundleResult extends SyncResult {
  /** `manifest.json`'s digest field: equal digests, equal publishes. */
  digest: string;
  items: number;
  siteFiles: number;
}

/**
 * Publishes a built site and the content bundle to a target: hashes the
 * site, makes the bundle (its manifest lists the site files too, so the
 * next publish knows every object's digest), then syncs by digest.
 */
export async function publishBundle(options: PublishBundleOptions): Promise<PublishBundleResult & { bundle: Bundle }> {
  let site: Awaited<ReturnType<typeof readSiteFiles>> = [];
  if (options.siteDir) {
    const info = await stat(options.siteDir).catch(() => undefined);
    if (!info?.isDirectory()) throw PublishErrors.SiteNotFound(options.siteDir);
    site = await readSiteFiles(options.siteDir);
    const clash = site.find((f) => f.path === MANIFEST_PATH || f.path.startsWith(`${BUNDLE_DIR}/`));
    if (clash) throw PublishErrors.SiteFileClash(clash.path);
  }
  const bundle = createBundle({ ...options.content, site: site.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size })) });
  const files = [...bundle.files.map(bundlePublishFile), ...site];
  const result = await syncToTarget(options.target, files, bundlePublishFile(bundle.manifestFile), options);
  return { ...result, digest: bundle.manifest.digest, items: bundle.manifest.items.length, siteFiles: site.length, bundle };
}
