import { bundleManifestSchema, CONTENT_DIR } from './manifest-schema.ts';
import type { BundleManifest } from './manifest-schema.ts';

/**
 * Reads a published `manifest.json`. Returns `undefined` for bytes that are
 * not a manifest this SDK understands (another tool's file, a newer format):
 * callers treat that as "no previous publish" rather than trusting it.
 */
export function parseBundleManifest(data: Uint8Array | string): BundleManifest | undefined {
  let json: unknown;
  try {
    json = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
  const parsed = bundleManifestSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Every file a manifest names, keyed by its path under the publish root,
 * with its SHA-256: the model, each item's files under `_bundle/content/`
 * and the site's files. (The manifest itself is not included.)
 */
export function manifestFileDigests(manifest: BundleManifest): Map<string, { sha256: string; size: number }> {
  const out = new Map<string, { sha256: string; size: number }>();
  out.set(manifest.model.path, { sha256: manifest.model.sha256, size: manifest.model.size });
  for (const item of manifest.items) {
    for (const f of item.files) {
      const path = [CONTENT_DIR, item.path, f.path].filter((p) => p !== '').join('/');
      out.set(path, { sha256: f.sha256, size: f.size });
    }
  }
  for (const f of manifest.site?.files ?? []) out.set(f.path, { sha256: f.sha256, size: f.size });
  return out;
}
