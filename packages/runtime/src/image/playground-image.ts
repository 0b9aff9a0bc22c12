import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinPlaygrounds, type PlaygroundDefinition, sha256Hex } from '@labkit/sdk';
import { RuntimeErrors } from '../errors.ts';
import { buildImage, type GuestImage } from './build-image.ts';
import { makeBuildFolder } from './build-folder.ts';
import { cacheDir } from './cache-dir.ts';
import { fetchGuestDebs } from './debian/guest-debs.ts';
import { unpackDeb } from './debian/unpack-deb.ts';
import { seedRegistry } from './registry-seed.ts';
import { requireTool, run } from './run-tool.ts';

export interface PlaygroundImageOptions {
  /** Defaults to `$LABKIT_CACHE`, else `~/.cache/labkit`. */
  cache?: string;
  /** Rebuild even if an image with the same digest exists. */
  force?: boolean;
  onProgress?: (message: string) => void;
}

/** Bumped whenever the layout of definition images changes in a way the inputs do not capture. */
const LAYOUT_VERSION = '1';
/** Where a definition's services are started from, in the guest. */
export const BOOT_SCRIPT = '/usr/local/lib/labkit/boot.sh';
const examinerctlSource = fileURLToPath(new URL('./guest/examinerctl.sh', import.meta.url));
const memo = new Map<string, Promise<GuestImage>>();

/**
 * The guest image of playground `name`: `definition` when given (a
 * repository's own), else the built-in of that name. Cached by a digest of
 * every input (the definition's machines and build, the base image, the
 * host's apt sources, mmdebstrap's version), so the same inputs build once.
 */
export function playgroundImage(name: string, definition?: PlaygroundDefinition, options: PlaygroundImageOptions = {}): Promise<GuestImage> {
  const def = definition ?? builtinPlaygrounds().get(name)?.definition;
  if (!def) return Promise.reject(RuntimeErrors.PlaygroundUnsupported(name));
  const root = options.cache ?? cacheDir();
  const key = `${name}\0${root}\0${JSON.stringify(def)}`;
  if (!options.force && memo.has(key)) return memo.get(key)!;
  const promise = doBuild(name, def, root, options);
  memo.set(key, promise);
  promise.catch(() => memo.delete(key));
  return promise;
}

/** What the digest covers, without building anything. */
export async function playgroundImageInputs(name: string, def: PlaygroundDefinition, base: GuestImage): Promise<Record<string, unknown>> {
  return {
    layout: LAYOUT_VERSION,
    name,
    // The root file system holds the kernel's modules, not the agent (that is in the base initrd).
    kernel: base.kernelPackage,
    build: def.build,
    users: def.playground.machines.map((m) => ({ name: m.name, users: (m.users ?? []).map((u) => u.name) })),
    ...(def.build.rootfs === 'debian'
      ? {
          mmdebstrap: (await run('mmdebstrap', ['--version'], { allowFail: true })).stdout.trim(),
          sources: await aptSources(),
          examinerctl: sha256Hex(await readFile(examinerctlSource)),
        }
      : {}),
  };
}

/**
 * The image of playground `name` when it is already in the cache, without
 * building anything (undefined when its digest has no image there). Tests
 * that need a heavy image skip with this rather than build it for minutes.
 */
export async function findPlaygroundImage(name: string, definition?: PlaygroundDefinition, options: Pick<PlaygroundImageOptions, 'cache'> = {}): Promise<GuestImage | undefined> {
  const def = definition ?? builtinPlaygrounds().get(name)?.definition;
  if (!def) return undefined;
  const root = options.cache ?? cacheDir();
  const base = await buildImage({ kind: 'busybox', cache: root });
  if (def.build.rootfs === 'busybox') return { ...base, kind: name };
  const { image } = await describeImage(name, def, root, base);
  return existsSync(path.join(image.dir, 'manifest.json')) ? image : undefined;
}

/** Where the image of `def` lives and what its digest covers (nothing is built). */
async function describeImage(name: string, def: PlaygroundDefinition, root: string, base: GuestImage): Promise<{ image: GuestImage; inputs: Record<string, unknown> }> {
  const inputs = await playgroundImageInputs(name, def, base);
  const digest = sha256Hex(JSON.stringify(inputs)).slice(0, 16);
  const dir = path.join(root, 'images', `${name}-${digest}`);
  const services = def.build.services ?? [];
  const timeoutMs = services.reduce((t, s) => t + (s.timeout_seconds ?? 60) * 1000, 0) + 10_000;
  const image: GuestImage = {
    ...base,
    kind: name,
    digest,
    dir,
    rootfs: path.join(dir, 'rootfs.ext4'),
    ...(services.length ? { boot: { script: BOOT_SCRIPT, timeoutMs } } : {}),
  };
  return { image, inputs };
}

async function doBuild(name: string, def: PlaygroundDefinition, root: string, options: PlaygroundImageOptions): Promise<GuestImage> {
  const progress = options.onProgress ?? (() => {});
  const base = await buildImage({ kind: 'busybox', cache: root, onProgress: progress });
  // A busybox definition is the base image (its users are root and laborant).
  if (def.build.rootfs === 'busybox') return { ...base, kind: name };
  for (const tool of ['mmdebstrap', 'mke2fs', 'tar', 'gzip']) await requireTool(tool, 'needed by `lab image build` for a Debian playground');
  const { image, inputs } = await describeImage(name, def, root, base);
  const { digest, dir } = image;
  if (!options.force && existsSync(path.join(dir, 'manifest.json'))) {
    progress(`${name}: cached image ${digest}`);
    return image;
  }
  const started = Date.now();
  progress(`building ${name} image ${digest} (Debian 12 + ${def.build.packages?.length ?? 0} packages); this takes minutes`);
  await mkdir(path.join(root, 'images'), { recursive: true });
  // Records this process as the owner, after removing what killed builds left.
  const work = await makeBuildFolder(path.join(root, 'images'), name);
  try {
    const target = path.join(work, 'root');
    const setup = path.join(work, 'setup.sh');
    await writeFile(setup, setupScript(def));
    const packages = ['bash', 'kmod', 'iproute2', 'procps', ...(def.build.packages ?? [])];
    progress(`mmdebstrap bookworm (minbase + ${packages.join(', ')})`);
    // The host's apt sources (no mirror argument): the same Debian the host installs from.
    const r = await run(
      'mmdebstrap',
      [
        '--variant=minbase',
        '--mode=root',
        `--include=${[...new Set(packages)].join(',')}`,
        '--aptopt=Acquire::Retries "3"',
        '--dpkgopt=path-exclude=/usr/share/doc/*',
        '--dpkgopt=path-exclude=/usr/share/man/*',
        '--dpkgopt=path-exclude=/usr/share/locale/*',
        '--dpkgopt=path-include=/usr/share/locale/locale.alias',
        `--customize-hook=copy-in ${setup} /tmp`,
        '--customize-hook=chroot "$1" bash -e /tmp/setup.sh',
        '--customize-hook=rm -f "$1"/tmp/setup.sh',
        'bookworm',
        target,
      ],
      { allowFail: true },
    );
    if (r.code !== 0) throw RuntimeErrors.ImageBuildFailed('mmdebstrap', r.stderr.trim().split('\n').slice(-6).join(' | '));

    progress('kernel modules (the whole cloud kernel tree, for modprobe in the guest)');
    const debs = await fetchGuestDebs({ cacheDir: root, onProgress: progress });
    const kernelTree = path.join(work, 'kernel');
    await unpackDeb(await readFile(debs.kernel.file), kernelTree, debs.kernel.file);
    const release = (await readdir(path.join(kernelTree, 'lib/modules')))[0];
    if (!release) throw RuntimeErrors.ImageBuildFailed('kernel modules', `no lib/modules in ${debs.kernel.file}`);
    // minbase has no /lib/modules yet (and /lib is usr/lib): make it, or cp would rename the tree.
    await mkdir(path.join(target, 'usr/lib/modules'), { recursive: true });
    const cp = await run('cp', ['-a', path.join(kernelTree, 'lib/modules', release), path.join(target, 'usr/lib/modules/')], { allowFail: true });
    if (cp.code !== 0) throw RuntimeErrors.ImageBuildFailed('kernel modules', cp.stderr.trim());
    // The guest's own depmod (kmod is in every Debian playground): the host may have none.
    const dep = await run('chroot', [target, 'depmod', release], { allowFail: true });
    if (dep.code !== 0) throw RuntimeErrors.ImageBuildFailed('depmod', dep.stderr.trim());

    await mkdir(path.join(target, 'usr/local/bin'), { recursive: true });
    await copyFile(examinerctlSource, path.join(target, 'usr/local/bin/examinerctl'));
    await chmod(path.join(target, 'usr/local/bin/examinerctl'), 0o755);
    await mkdir(path.dirname(path.join(target, BOOT_SCRIPT)), { recursive: true });
    await writeFile(path.join(target, BOOT_SCRIPT), bootScript(def), { mode: 0o755 });

    if (def.build.images?.length) {
      await seedRegistry({
        images: def.build.images,
        storage: path.join(target, 'var/lib/docker-registry'),
        busyboxDeb: debs.busybox.file,
        work: path.join(work, 'oci'),
        onProgress: progress,
      });
    }
    await rm(path.join(target, 'var/cache/apt/archives'), { recursive: true, force: true });
    await rm(path.join(target, 'var/lib/apt/lists'), { recursive: true, force: true });

    const out = path.join(work, 'out');
    await mkdir(out);
    progress(`mke2fs -d (ext4, ${def.build.diskSize ?? '2Gi'}, no mounts)`);
    const size = (def.build.diskSize ?? '2Gi').replace(/i$/, '');
    const m = await run('mke2fs', ['-q', '-t', 'ext4', '-L', 'labkit-root', '-d', target, path.join(out, 'rootfs.ext4'), size], { allowFail: true });
    if (m.code !== 0) throw RuntimeErrors.ImageBuildFailed('mke2fs', m.stderr.trim());
    await writeFile(path.join(out, 'manifest.json'), JSON.stringify({ ...inputs, digest, buildSeconds: (Date.now() - started) / 1000, builtAt: new Date().toISOString() }, null, 2));
    if (options.force) await rm(dir, { recursive: true, force: true });
    try {
      await rename(out, dir);
    } catch (error) {
      if (!existsSync(path.join(dir, 'manifest.json'))) throw error;
    }
    progress(`image ready: ${dir} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    return image;
  } finally {
    if (!process.env.LABKIT_DEBUG) await rm(work, { recursive: true, force: true });
  }
}

/**
 * Runs in the new root at build time: the definition's users (root exists;
 * laborant is uid 1000, others follow), then the definition's own setup.
 */
export function setupScript(def: PlaygroundDefinition): string {
  const users = new Set<string>();
  for (const m of def.playground.machines) for (const u of m.users ?? []) if (u.name !== 'root') users.add(u.name);
  const lines = ['set -e', 'export DEBIAN_FRONTEND=noninteractive'];
  // laborant first so it gets uid 1000, as on the platform.
  for (const u of [...users].sort((a, b) => (a === 'laborant' ? -1 : b === 'laborant' ? 1 : 0))) {
    lines.push(`id -u ${u} >/dev/null 2>&1 || useradd --create-home --shell /bin/bash ${u}`);
  }
  lines.push('echo "127.0.0.1 localhost" > /etc/hosts');
  if (def.build.setup) lines.push('', '# build.setup of the definition', def.build.setup);
  return lines.join('\n') + '\n';
}

/**
 * Runs once per boot, as root, before the machine counts as ready: leaves
 * the agent's per-job cgroup (its pids limit and its kill at a timeout would
 * reach the services), names the playground registry, then starts each
 * service in its own session and waits for its `ready` check.
 */
export function bootScript(def: PlaygroundDefinition): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const lines = [
    '#!/bin/bash',
    '# Generated by lab image build from the playground definition: starts build.services.',
    'echo $$ > /sys/fs/cgroup/cgroup.procs 2>/dev/null || true',
    'for c in cpu cpuset io memory pids; do echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true; done',
    '# The registry: this machine, or LABKIT_REGISTRY_HOST (the first machine of a multi-machine playground).',
    'reg=127.0.0.1',
    'if [ -n "$LABKIT_REGISTRY_HOST" ]; then reg=$(getent hosts "$LABKIT_REGISTRY_HOST" | cut -d" " -f1); reg=${reg:-127.0.0.1}; fi',
    'grep -q " registry.labkit$" /etc/hosts || echo "$reg registry.labkit" >> /etc/hosts',
    'wait_for() { local name=$1 check=$2 timeout=$3 t=0; while ! bash -c "$check" >/dev/null 2>&1; do sleep 0.2; t=$((t+1)); if [ $t -gt $((timeout*5)) ]; then echo "service $name not ready after ${timeout}s; last log lines:" >&2; tail -n 20 /var/log/$name.log >&2; exit 1; fi; done; }',
  ];
  for (const s of def.build.services ?? []) {
    lines.push(`setsid bash -c ${q(s.run)} </dev/null >/var/log/${s.name}.log 2>&1 &`);
    if (s.ready) lines.push(`wait_for ${s.name} ${q(s.ready)} ${s.timeout_seconds ?? 60}`);
  }
  lines.push('exit 0');
  return lines.join('\n') + '\n';
}

async function aptSources(): Promise<string> {
  const files = ['/etc/apt/sources.list', ...(existsSync('/etc/apt/sources.list.d') ? (await readdir('/etc/apt/sources.list.d')).sort().map((f) => `/etc/apt/sources.list.d/${f}`) : [])];
  let text = '';
  for (const f of files) if (existsSync(f)) text += await readFile(f, 'utf8');
  return sha256Hex(text);
}
