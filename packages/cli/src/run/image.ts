import { buildImage, buildPlaygroundImages, listImages as listStored, pruneImages as pruneStored } from '@labkit/runtime';
import type { BuiltImage, GuestImage } from '@labkit/runtime';
import { silentReporter } from './reporter.ts';
import type { CommandReporter } from './reporter.ts';

export interface BuildImagesOptions {
  /** Content folder whose playgrounds are built (default `.`). */
  content?: string;
  /** Only these playgrounds (default: the ones the content uses, else busybox). */
  names?: string[];
  /** Rebuild even when an image with the same inputs exists. */
  force?: boolean;
  /** Look up the newest kernel and busybox in Debian's archive again. */
  refresh?: boolean;
  reporter?: CommandReporter;
}

/** `lab image build`: the images of the playgrounds a content folder uses, each cached by digest. */
export async function buildImages(options: BuildImagesOptions = {}): Promise<BuiltImage[]> {
  const onProgress = (options.reporter ?? silentReporter).progress;
  if (options.refresh) await buildImage({ kind: 'busybox', refresh: true, onProgress });
  return buildPlaygroundImages({ content: options.content ?? '.', names: options.names ?? [], force: Boolean(options.force), onProgress });
}

/** `lab image build --rootfs <kind>`: one base image. */
export async function buildBaseImage(options: { kind: 'busybox' | 'debian'; force?: boolean; refresh?: boolean; reporter?: CommandReporter }): Promise<GuestImage & { durationMs: number }> {
  const started = Date.now();
  const image = await buildImage({ kind: options.kind, force: Boolean(options.force), refresh: Boolean(options.refresh), onProgress: (options.reporter ?? silentReporter).progress });
  return { ...image, durationMs: Date.now() - started };
}

/** `lab image list`: the cached images, newest first. */
export const listImages = (): ReturnType<typeof listStored> => listStored();

/** `lab image prune`: removes cached images but the newest of each playground (`all`: every one) and killed builds' work folders; returns what it removed. */
export const pruneImages = (options: { all?: boolean } = {}): ReturnType<typeof pruneStored> => pruneStored({ all: Boolean(options.all) });
