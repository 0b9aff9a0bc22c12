// The playground registry's seed: a busybox image made from Debian's
// busybox-static, written as a distribution v2 storage tree. Checks the tree
// the way the registry reads it: tag link -> manifest blob -> config and
// layer blobs, every digest the sha256 of its blob, the config's diff_id the
// sha256 of the uncompressed layer, and the layer holding busybox and sh.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheDir, seedRegistry } from '../../src/index.ts';
import { fetchGuestDebs } from '../../src/image/debian/guest-debs.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'labkit-seed-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('seedRegistry', () => {
  it('writes a busybox image the registry can serve', async () => {
    const debs = await fetchGuestDebs({ cacheDir: cacheDir() });
    const storage = path.join(work, 'registry');
    await seedRegistry({ images: ['busybox'], storage, busyboxDeb: debs.busybox.file, work: path.join(work, 'oci') });
    const v2 = path.join(storage, 'docker/registry/v2');
    const blob = (digest: string) => {
      const hex = digest.replace(/^sha256:/, '');
      const data = readFileSync(path.join(v2, 'blobs/sha256', hex.slice(0, 2), hex, 'data'));
      expect(sha(data)).toBe(hex);
      return data;
    };
    const repo = path.join(v2, 'repositories/library/busybox');
    const tagged = readFileSync(path.join(repo, '_manifests/tags/latest/current/link'), 'utf8');
    expect(readFileSync(path.join(repo, '_manifests/revisions/sha256', tagged.slice(7), 'link'), 'utf8')).toBe(tagged);
    const manifest = JSON.parse(blob(tagged).toString());
    expect(manifest.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    const config = JSON.parse(blob(manifest.config.digest).toString());
    const layerGz = blob(manifest.layers[0].digest);
    expect(manifest.layers[0].size).toBe(layerGz.length);
    // The registry only serves blobs linked into the repository.
    for (const d of [manifest.config.digest, manifest.layers[0].digest]) expect(readFileSync(path.join(repo, '_layers/sha256', d.slice(7), 'link'), 'utf8')).toBe(d);
    const tar = gunzipSync(layerGz);
    expect(config.rootfs.diff_ids).toEqual([`sha256:${sha(tar)}`]);
    expect(config.config.Cmd).toEqual(['sh']);
    const tarFile = path.join(work, 'layer.tar');
    writeFileSync(tarFile, tar);
    const listing = execFileSync('tar', ['-tvf', tarFile], { encoding: 'utf8' });
    expect(listing).toMatch(/ \.\/bin\/busybox\n/);
    expect(listing).toMatch(/\.\/bin\/sh -> \/bin\/busybox/);
    expect(listing).not.toMatch(/ 1000\/| [a-z]+\/[a-z]+ /); // numeric root owner only
  });
});
