import { assertBundlePath, compareCodeUnits } from './bundle-path.ts';
import { canonicalJson } from './canonical-json.ts';
import type { CanonicalJsonOptions } from './canonical-json.ts';
import { sha256Hex } from './digest.ts';
import { BundleErrors } from './errors.ts';
import { BUNDLE_DIR, BUNDLE_FORMAT, CONTENT_DIR, MANIFEST_PATH, MODEL_PATH } from './manifest-schema.ts';
import type { BundleFileEntry, BundleItem, BundleManifest } from './manifest-schema.ts';

/** One file of an item, as read from the content folder. */
export interface BundleSourceFile {
  /** Relative POSIX path inside the item's folder, e.g. `__static__/cover.png`. */
  path: string;
  data: Uint8Array;
}

/** One content item handed to {@link createBundle}. */
export interface BundleSourceItem {
  kind: string;
  name: string;
  title: string;
  /** The item's folder relative to the content root (POSIX), e.g. `challenges/foo`. */
  path: string;
  files: BundleSourceFile[];
}

export interface BundleInput {
  items: BundleSourceItem[];
  /** The resolved content model; written as canonical JSON. */
  model: unknown;
  /** How the model is serialized: pass `root` so absolute paths become relative. */
  modelOptions?: Pick<CanonicalJsonOptions, 'root' | 'omitKeys'>;
  /** Files of the static site published beside the bundle, already hashed. */
  site?: BundleFileEntry[];
}

/** A file of the bundle, ready to write or upload. */
export interface BundleOutputFile {
  /** Relative POSIX path under the publish root. */
  path: string;
  data: Uint8Array;
  sha256: string;
  size: number;
}

export interface Bundle {
  manifest: BundleManifest;
  /** Model and item files, sorted by path. Publish these first. */
  files: BundleOutputFile[];
  /** `manifest.json`. Publish it last, after every file it names. */
  manifestFile: BundleOutputFile;
}

const encoder = new TextEncoder();

/**
 * Makes the content bundle: `manifest.json` (every item with kind, name,
 * title, version digest and files), `_bundle/model.json` (the resolved
 * model) and `_bundle/content/**` (the items' files).
 *
 * Pure: the output depends only on the input values, never on the clock,
 * the machine, the input order or the folder the content was read from, so
 * two builds of one commit give byte-identical bundles.
 */
export function createBundle(input: BundleInput): Bundle {
  const files = new Map<string, BundleOutputFile>();
  const add = (path: string, data: Uint8Array): BundleOutputFile => {
    assertBundlePath(path);
    const file = { path, data, sha256: sha256Hex(data), size: data.byteLength };
    const existing = files.get(path);
    if (existing && existing.sha256 !== file.sha256) throw BundleErrors.DuplicatePath(path);
    files.set(path, file);
    return file;
  };

  const seenItems = new Set<string>();
  const items: BundleItem[] = input.items.map((item) => {
    const key = `${item.kind}\0${item.name}`;
    if (seenItems.has(key)) throw BundleErrors.DuplicateItem(item.kind, item.name);
    seenItems.add(key);
    assertBundlePath(item.path, { allowEmpty: true });
    const entries: BundleFileEntry[] = item.files
      .map((f) => {
        assertBundlePath(f.path);
        const out = add(joinPath(CONTENT_DIR, item.path, f.path), f.data);
        return { path: f.path, sha256: out.sha256, size: out.size };
      })
      .sort((a, b) => compareCodeUnits(a.path, b.path));
    for (let i = 1; i < entries.length; i++) {
      if (entries[i]!.path === entries[i - 1]!.path) throw BundleErrors.DuplicatePath(joinPath(item.path, entries[i]!.path));
    }
    return { kind: item.kind, name: item.name, title: item.title, path: item.path, digest: digestOfFiles(entries), files: entries };
  });
  items.sort((a, b) => compareCodeUnits(a.kind, b.kind) || compareCodeUnits(a.name, b.name));

  const modelFile = add(MODEL_PATH, encoder.encode(canonicalJson(input.model, input.modelOptions)));

  let site: BundleManifest['site'];
  if (input.site) {
    const siteFiles = [...input.site].sort((a, b) => compareCodeUnits(a.path, b.path));
    for (const f of siteFiles) {
      assertBundlePath(f.path);
      if (f.path === MANIFEST_PATH || f.path === BUNDLE_DIR || f.path.startsWith(`${BUNDLE_DIR}/`)) throw BundleErrors.DuplicatePath(f.path);
    }
    for (let i = 1; i < siteFiles.length; i++) {
      if (siteFiles[i]!.path === siteFiles[i - 1]!.path) throw BundleErrors.DuplicatePath(siteFiles[i]!.path);
    }
    site = { files: siteFiles.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size })) };
  }

  const body = { format: BUNDLE_FORMAT, items, model: { path: MODEL_PATH, sha256: modelFile.sha256, size: modelFile.size }, ...(site ? { site } : {}) };
  const manifest: BundleManifest = { ...body, format: BUNDLE_FORMAT, digest: `sha256:${sha256Hex(canonicalJson(body, { indent: 0 }))}` };
  const data = encoder.encode(canonicalJson(manifest));
  const manifestFile = { path: MANIFEST_PATH, data, sha256: sha256Hex(data), size: data.byteLength };

  return { manifest, files: [...files.values()].sort((a, b) => compareCodeUnits(a.path, b.path)), manifestFile };
}

/** Version digest of a sorted file list: changes exactly when a file's path, bytes or presence change. */
export function digestOfFiles(files: readonly BundleFileEntry[]): string {
  return `sha256:${sha256Hex(files.map((f) => `${f.path}\0${f.sha256}\0${f.size}\n`).join(''))}`;
}

function joinPath(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}
