import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { builtinPlaygrounds, loadContent, playgroundsOf, type PlaygroundEntry } from '@labkit/sdk';
import { RuntimeErrors } from '../errors.ts';
import type { GuestImage } from './build-image.ts';
import { sweepBuildFolders } from './build-folder.ts';
import { cacheDir } from './cache-dir.ts';
import { playgroundImage } from './playground-image.ts';

export interface ImageBuildRequest {
  /** Content folder whose playgrounds are built (default: none, only `names`). */
  content?: string;
  /** Playground names to build; default: every playground the content uses. */
  names?: string[];
  cache?: string;
  force?: boolean;
  onProgress?: (message: string) => void;
}

export interface BuiltImage {
  name: string;
  source: PlaygroundEntry['source'];
  image: GuestImage;
  /** False when the image came from the cache. */
  built: boolean;
  durationMs: number;
}

/**
 * `lab image build [name]`: the images of the playgrounds a repository uses
 * (or the named ones), each cached by the digest of every input. Builds run
 * one after another: each one already uses every core.
 */
export async function buildPlaygroundImages(request: ImageBuildRequest): Promise<BuiltImage[]> {
  const graph = request.content ? await loadContent(request.content) : undefined;
  const known = graph ? playgroundsOf(graph) : builtinPlaygrounds();
  let names = request.names?.length ? request.names : undefined;
  if (!names) {
    const used = new Set<string>();
    for (const item of graph?.items ?? []) if (item.playground?.name && known.has(item.playground.name)) used.add(item.playground.name);
    names = used.size ? [...used].sort() : ['busybox'];
  }
  const out: BuiltImage[] = [];
  for (const name of names) {
    const entry = known.get(name);
    if (!entry) throw RuntimeErrors.PlaygroundUnsupported(name);
    const started = Date.now();
    const image = await playgroundImage(name, entry.source === 'local' ? entry.definition : undefined, {
      ...(request.cache ? { cache: request.cache } : {}),
      ...(request.force ? { force: true } : {}),
      ...(request.onProgress ? { onProgress: request.onProgress } : {}),
    });
    out.push({ name, source: entry.source, image, built: (await builtAt(image.dir)) >= started, durationMs: Date.now() - started });
  }
  return out;
}

export interface StoredImage {
  /** Folder name: `<playground>-<digest>`. */
  id: string;
  name: string;
  digest: string;
  dir: string;
  bytes: number;
  builtAt: string | undefined;
}

/** `lab image list`: every image in the cache, newest first. */
export async function listImages(cache = cacheDir()): Promise<StoredImage[]> {
  const dir = path.join(cache, 'images');
  if (!existsSync(dir)) return [];
  const out: StoredImage[] = [];
  for (const id of await readdir(dir)) {
    if (id.startsWith('.')) continue;
    const m = /^(.+)-([0-9a-f]{16})$/.exec(id);
    if (!m) continue;
    const full = path.join(dir, id);
    let builtAt: string | undefined;
    try {
      builtAt = (JSON.parse(await readFile(path.join(full, 'manifest.json'), 'utf8')) as { builtAt?: string }).builtAt;
    } catch {
      builtAt = undefined;
    }
    out.push({ id, name: m[1]!, digest: m[2]!, dir: full, bytes: await folderBytes(full), builtAt });
  }
  return out.sort((a, b) => (b.builtAt ?? '').localeCompare(a.builtAt ?? ''));
}

/** What `pruneImages` removed. */
export interface PruneResult {
  /** The images removed. */
  images: StoredImage[];
  /** The `.build-*` work folders of killed builds removed (names in the images folder). */
  buildFolders: string[];
}

/**
 * `lab image prune`: removes every cached image but the newest of each
 * playground (or all with `all`), and the build folders of builds that are
 * gone (killed; see build-folder.ts). An image a running VM uses keeps
 * working: QEMU holds its files open.
 */
export async function pruneImages(options: { cache?: string; all?: boolean } = {}): Promise<PruneResult> {
  const cache = options.cache ?? cacheDir();
  const images = await listImages(cache);
  const kept = new Set<string>();
  const removed: StoredImage[] = [];
  for (const image of images) {
    if (!options.all && !kept.has(image.name)) {
      kept.add(image.name);
      continue;
    }
    await rm(image.dir, { recursive: true, force: true });
    removed.push(image);
  }
  // Only folders whose build is gone: a build running in another process keeps its folder.
  const buildFolders = await sweepBuildFolders(path.join(cache, 'images'));
  return { images: removed, buildFolders };
}

async function builtAt(dir: string): Promise<number> {
  try {
    return Date.parse((JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as { builtAt?: string }).builtAt ?? '') || 0;
  } catch {
    return 0;
  }
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const f of await readdir(dir)) {
    // Allocated blocks: ext4 images are sparse.
    const s = await stat(path.join(dir, f));
    total += s.isFile() ? s.blocks * 512 : 0;
  }
  return total;
}
