// lab image list / prune on a real cache folder, and lab image build's
// choice of playgrounds (what the content uses, or the names given).
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPlaygroundImages, listImages, pruneImages } from '../../src/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const cache = mkdtempSync(path.join(os.tmpdir(), 'labkit-store-'));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

function image(id: string, builtAt: string, bytes: number): void {
  const dir = path.join(cache, 'images', id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ builtAt }));
  writeFileSync(path.join(dir, 'rootfs.ext4'), Buffer.alloc(bytes, 1));
}

describe('image store', () => {
  it('lists images newest first with their allocated size, and prunes all but the newest of each playground', async () => {
    image('docker-00000000000000aa', '2026-12-01T00:00:00Z', 8192);
    image('docker-00000000000000bb', '2026-12-02T00:00:00Z', 4096);
    image('busybox-00000000000000cc', '2026-11-30T00:00:00Z', 4096);
    // A build folder from before owner records, two days old (build-folders.test.ts covers the rest).
    mkdirSync(path.join(cache, 'images', '.build-docker-x1'), { recursive: true });
    const twoDaysAgo = (Date.now() - 2 * 86_400_000) / 1000;
    utimesSync(path.join(cache, 'images', '.build-docker-x1'), twoDaysAgo, twoDaysAgo);
    const listed = await listImages(cache);
    expect(listed.map((i) => i.id)).toEqual(['docker-00000000000000bb', 'docker-00000000000000aa', 'busybox-00000000000000cc']);
    expect(listed[1]!.bytes).toBeGreaterThanOrEqual(8192);
    const removed = await pruneImages({ cache });
    expect(removed.images.map((i) => i.id)).toEqual(['docker-00000000000000aa']);
    expect(removed.buildFolders).toEqual(['.build-docker-x1']);
    expect(existsSync(path.join(cache, 'images', '.build-docker-x1'))).toBe(false);
    expect((await listImages(cache)).map((i) => i.id)).toEqual(['docker-00000000000000bb', 'busybox-00000000000000cc']);
    expect(await pruneImages({ cache, all: true })).toMatchObject({ images: [{ id: 'docker-00000000000000bb' }, { id: 'busybox-00000000000000cc' }], buildFolders: [] });
    expect(await listImages(cache)).toEqual([]);
  });

  it('refuses a playground that has no definition, naming it', async () => {
    await expect(buildPlaygroundImages({ names: ['k3s'], cache })).rejects.toThrow(/k3s/);
    await expect(buildPlaygroundImages({ content: path.join(here, '../../../sdk/test/fixtures/playgrounds/lab'), names: ['nope'], cache })).rejects.toThrow(/nope/);
  });
});
