import { mkdirSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lab, tempDir } from './helpers.ts';

// `lab image prune` on a real cache folder (LABKIT_CACHE): what it removes, it names.
describe('lab image prune', () => {
  it('removes the older image of a playground and a killed build\'s work folder, and says so', async () => {
    const cache = tempDir('prune');
    const images = join(cache, 'images');
    const image = (id: string, builtAt: string, bytes: number) => {
      mkdirSync(join(images, id), { recursive: true });
      writeFileSync(join(images, id, 'manifest.json'), JSON.stringify({ builtAt }));
      writeFileSync(join(images, id, 'rootfs.ext4'), Buffer.alloc(bytes, 1));
    };
    image('docker-00000000000000aa', '2026-11-01T00:00:00Z', 2 * 1024 * 1024);
    image('docker-00000000000000bb', '2026-12-01T00:00:00Z', 1024);
    // A work folder without an owner record, two days old: a killed build of an older Labkit.
    mkdirSync(join(images, '.build-docker-x1'));
    const twoDaysAgo = (Date.now() - 2 * 86_400_000) / 1000;
    utimesSync(join(images, '.build-docker-x1'), twoDaysAgo, twoDaysAgo);
    // A fresh one (a build that may still be running elsewhere) stays.
    mkdirSync(join(images, '.build-docker-x2'));

    const r = await lab(['image', 'prune'], { env: { LABKIT_CACHE: cache } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Removed 1 image(s), 2 MiB.\nRemoved 1 work folder(s) of killed builds: .build-docker-x1.\n');
    expect(existsSync(join(images, 'docker-00000000000000aa'))).toBe(false);
    expect(existsSync(join(images, '.build-docker-x2'))).toBe(true);

    const again = await lab(['image', 'prune'], { env: { LABKIT_CACHE: cache } });
    expect(again.stdout).toBe('Removed 0 image(s), 0 MiB.\n');
    const list = await lab(['image', 'list'], { env: { LABKIT_CACHE: cache } });
    expect(list.stdout).toMatch(/^docker\s+00000000000000bb\s+0 MiB\s+2026-12-01T00:00:00Z\n$/);
  });
});
