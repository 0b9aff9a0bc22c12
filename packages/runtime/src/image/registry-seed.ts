import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from '@labkit/sdk';
import type { ContainerImage } from '@labkit/sdk';
import { RuntimeErrors } from '../errors.ts';
import { unpackDeb } from './debian/unpack-deb.ts';
import { run } from './run-tool.ts';

export interface SeedOptions {
  /** Built-in recipe names (`debian`, `busybox`, `nginx`) or recipes. */
  images: ReadonlyArray<string | ContainerImage>;
  /** The registry's storage root in the new guest root (`/var/lib/docker-registry`, Debian's default). */
  storage: string;
  /** busybox-static's .deb (the busybox image is made from it). */
  busyboxDeb: string;
  /** Scratch folder. */
  work: string;
  onProgress?: (message: string) => void;
}

const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** A fixed creation time keeps config digests stable across builds of the same layers. */
const CREATED = '2023-06-10T00:00:00Z';
const DPKG_SLIM = ['--dpkgopt=path-exclude=/usr/share/doc/*', '--dpkgopt=path-exclude=/usr/share/man/*', '--dpkgopt=path-exclude=/usr/share/locale/*', '--dpkgopt=path-include=/usr/share/locale/locale.alias'];

interface Recipe {
  /** Repository in the registry (`library/x` for Docker Hub names, so the mirror serves them). */
  repository: string;
  tags: string[];
  cmd: string[];
  /** Makes the layer tar. */
  layer: (tarFile: string) => Promise<void>;
}

/**
 * Container images made offline from Debian packages, written straight into
 * a docker-registry (distribution v2) storage tree: blobs by digest, each
 * repository's layer and manifest links, tags. Nothing is pulled from a
 * public registry; dockerd pulls them from the playground registry.
 */
export async function seedRegistry(options: SeedOptions): Promise<void> {
  const progress = options.onProgress ?? (() => {});
  await mkdir(options.work, { recursive: true });
  for (const image of options.images) {
    const recipe = recipeOf(image, options);
    progress(`container image ${recipe.repository.replace(/^library\//, '')}:${recipe.tags.join(',')}`);
    const tar = path.join(options.work, `${recipe.repository.replace(/\//g, '_')}.tar`);
    await recipe.layer(tar);
    await pushToStorage(options.storage, recipe, tar);
    await rm(tar, { force: true });
  }
}

function recipeOf(image: string | ContainerImage, options: SeedOptions): Recipe {
  if (image === 'busybox') {
    return { repository: 'library/busybox', tags: ['latest', 'stable'], cmd: ['sh'], layer: (tar) => busyboxLayer(tar, options) };
  }
  if (image === 'debian') {
    return { repository: 'library/debian', tags: ['latest', 'bookworm', 'bookworm-slim', '12', '12-slim'], cmd: ['bash'], layer: (tar) => debianLayer(tar, [], []) };
  }
  if (image === 'nginx') {
    return {
      repository: 'library/nginx',
      tags: ['latest', 'stable', 'alpine'],
      cmd: ['nginx', '-g', 'daemon off;'],
      // Logs to the container's output, as the Docker Hub image does.
      layer: (tar) => debianLayer(tar, ['nginx'], ['ln -sf /dev/stdout "$1"/var/log/nginx/access.log', 'ln -sf /dev/stderr "$1"/var/log/nginx/error.log']),
    };
  }
  if (typeof image === 'string') throw RuntimeErrors.ImageBuildFailed('registry images', `no recipe named "${image}"`);
  const [repo, tag = 'latest'] = image.name.split(':') as [string, string | undefined];
  return {
    repository: repo.includes('/') ? repo : `library/${repo}`,
    tags: [tag],
    cmd: image.cmd ?? ['bash'],
    layer: (tar) => debianLayer(tar, image.packages ?? [], []),
  };
}

async function debianLayer(tar: string, packages: string[], hooks: string[]): Promise<void> {
  const r = await run(
    'mmdebstrap',
    ['--variant=minbase', '--mode=root', '--format=tar', ...(packages.length ? [`--include=${packages.join(',')}`] : []), ...DPKG_SLIM, ...hooks.map((h) => `--customize-hook=${h}`), '--customize-hook=rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin', 'bookworm', tar],
    { allowFail: true },
  );
  if (r.code !== 0) throw RuntimeErrors.ImageBuildFailed('mmdebstrap (container image)', r.stderr.trim().split('\n').slice(-4).join(' | '));
}

async function busyboxLayer(tar: string, options: SeedOptions): Promise<void> {
  const tree = path.join(options.work, 'busybox-root');
  await rm(tree, { recursive: true, force: true });
  const unpacked = path.join(options.work, 'busybox-deb');
  await unpackDeb(await readFile(options.busyboxDeb), unpacked, options.busyboxDeb);
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'tmp', 'root', 'proc', 'sys', 'dev', 'var/log']) await mkdir(path.join(tree, d), { recursive: true });
  await run('cp', [path.join(unpacked, 'bin/busybox'), path.join(tree, 'bin/busybox')]);
  const applets = (await run(path.join(tree, 'bin/busybox'), ['--list-full'])).stdout.split('\n').filter(Boolean);
  for (const applet of applets) {
    if (applet === 'bin/busybox') continue;
    await mkdir(path.dirname(path.join(tree, applet)), { recursive: true });
    // Only a second listing of the same applet is harmless; a full disk or a
    // bad path must fail the build, not leave an image with missing commands.
    await symlink('/bin/busybox', path.join(tree, applet)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
  }
  await writeFile(path.join(tree, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  await writeFile(path.join(tree, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  const t = await run('tar', ['--create', '--file', tar, '--directory', tree, '--owner=0', '--group=0', '--numeric-owner', `--mtime=${CREATED}`, '--sort=name', '.'], { allowFail: true });
  if (t.code !== 0) throw RuntimeErrors.ImageBuildFailed('busybox image', t.stderr.trim());
  await rm(tree, { recursive: true, force: true });
}

/** Writes one image (one layer) into a distribution v2 filesystem storage tree. */
async function pushToStorage(storage: string, recipe: Recipe, tar: string): Promise<void> {
  const v2 = path.join(storage, 'docker/registry/v2');
  const layerTar = await readFile(tar);
  const diffId = `sha256:${sha256Hex(layerTar)}`;
  const gz = path.join(path.dirname(tar), `${path.basename(tar)}.gz`);
  // gzip -n: no name or time in the header, so the blob digest depends on the content only.
  const g = await run('sh', ['-c', `gzip -n -6 -c "$1" > "$2"`, 'sh', tar, gz], { allowFail: true });
  if (g.code !== 0) throw RuntimeErrors.ImageBuildFailed('gzip', g.stderr.trim());
  const layer = await readFile(gz);
  await rm(gz, { force: true });
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: CREATED,
      config: { Env: [PATH_ENV], Cmd: recipe.cmd, ...(recipe.repository === 'library/nginx' ? { ExposedPorts: { '80/tcp': {} }, StopSignal: 'SIGQUIT' } : {}) },
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created: CREATED, created_by: 'lab image build (from Debian packages)' }],
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: `sha256:${sha256Hex(config)}` },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length, digest: `sha256:${sha256Hex(layer)}` }],
    }),
  );
  const repo = path.join(v2, 'repositories', recipe.repository);
  const putBlob = async (data: Buffer): Promise<string> => {
    const hex = sha256Hex(data);
    const dir = path.join(v2, 'blobs/sha256', hex.slice(0, 2), hex);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'data'), data);
    return hex;
  };
  const link = async (file: string, hex: string): Promise<void> => {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, `sha256:${hex}`);
  };
  for (const blob of [layer, config]) {
    const hex = await putBlob(blob);
    await link(path.join(repo, '_layers/sha256', hex, 'link'), hex);
  }
  const m = await putBlob(manifest);
  await link(path.join(repo, '_manifests/revisions/sha256', m, 'link'), m);
  for (const tag of recipe.tags) {
    await link(path.join(repo, '_manifests/tags', tag, 'current/link'), m);
    await link(path.join(repo, '_manifests/tags', tag, 'index/sha256', m, 'link'), m);
  }
}
