import { z } from 'zod';

/** The `format` value of manifests this SDK writes and reads. */
export const BUNDLE_FORMAT = 'labkit-bundle/1';
/** Where the manifest sits, relative to the publish root. Written last. */
export const MANIFEST_PATH = 'manifest.json';
/** Folder (relative to the publish root) that holds the bundle's other files. */
export const BUNDLE_DIR = '_bundle';
/** The resolved content model, relative to the publish root. */
export const MODEL_PATH = `${BUNDLE_DIR}/model.json`;
/** Item source files are copied under this folder, at their content path. */
export const CONTENT_DIR = `${BUNDLE_DIR}/content`;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');

/** One file with its digest and size. */
export const bundleFileEntrySchema = z.object({
  /**
   * Relative POSIX path (to the item folder for item files, to the publish
   * root for site files).
   * @example "index.md"
   */
  path: z.string().min(1),
  /**
   * SHA-256 of the bytes, lowercase hex.
   * @example "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
   */
  sha256: sha256Hex,
  /**
   * Size in bytes.
   * @example 1873
   */
  size: z.number().int().nonnegative(),
});

/** One content item as the manifest lists it. */
export const bundleItemSchema = z.object({
  /**
   * The item's kind.
   * @example "challenge"
   */
  kind: z.string().min(1),
  /**
   * The item's name, unique within its kind.
   * @example "start-a-container"
   */
  name: z.string().min(1),
  /**
   * Title from the front matter.
   * @example "Start and Inspect a Container With Docker"
   */
  title: z.string(),
  /**
   * The item's folder relative to the content root; its files are published
   * under `_bundle/content/<path>/`.
   * @example "challenges/start-a-container"
   */
  path: z.string(),
  /**
   * Version digest: SHA-256 over the item's file list (path, sha256, size).
   * It changes exactly when one of the item's files changes.
   * @example "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
   */
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  /** The item's own files (its document and `__static__` assets), sorted by path. */
  files: z.array(bundleFileEntrySchema),
});

/**
 * `manifest.json`: what a publish holds. Readers (a platform, a runtime
 * server) fetch it first and then only the files it names; the publisher
 * writes it last, so every file it names is already in place.
 */
export const bundleManifestSchema = z.object({
  /**
   * Manifest format and version.
   * @example "labkit-bundle/1"
   */
  format: z.literal(BUNDLE_FORMAT),
  /**
   * SHA-256 over everything else in the manifest: equal digests mean equal publishes.
   * @example "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
   */
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  /** Every content item, sorted by kind, then name. */
  items: z.array(bundleItemSchema),
  /** The resolved content model as JSON (`_bundle/model.json`). */
  model: bundleFileEntrySchema,
  /** The static site published beside the bundle, if any. */
  site: z.object({ files: z.array(bundleFileEntrySchema) }).optional(),
});

export type BundleFileEntry = z.output<typeof bundleFileEntrySchema>;
export type BundleItem = z.output<typeof bundleItemSchema>;
export type BundleManifest = z.output<typeof bundleManifestSchema>;
