import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from '@labkit/sdk';
import { RuntimeErrors } from '../errors.ts';
import { makeBuildFolder } from './build-folder.ts';
import { cacheDir } from './cache-dir.ts';
import { run, requireTool } from './run-tool.ts';
import { collectModules } from './kernel-modules.ts';
import { extractVmlinux } from './extract-vmlinux.ts';
import { fetchDeb, fetchGuestDebs } from './debian/guest-debs.ts';
import { unpackDeb } from './debian/unpack-deb.ts';

/** The two base images `buildImage` makes. */
export type BaseImageKind = 'busybox' | 'debian';
/** A guest image by playground name: `busybox`, `debian`, `docker`, or a repository's own definition. */
export type ImageKind = string;

export interface GuestImage {
  kind: ImageKind;
  /** Services to start after boot (`/usr/local/lib/labkit/boot.sh`), for images made from a definition with `build.services`. */
  boot?: { script: string; timeoutMs: number };
  /** Digest of every input; the image's folder name. */
  digest: string;
  dir: string;
  /** The uncompressed ELF kernel (QEMU boots it via PVH; Firecracker needs it). */
  kernel: string;
  /** The Debian cloud kernel as shipped (LZ4 bzImage). */
  bzImage: string;
  /** Initramfs: busybox, kernel modules and the agent as /init. */
  initrd: string;
  /** ext4 root file system image (only for `debian`). */
  rootfs?: string;
  kernelPackage: string;
}

export interface BuildImageOptions {
  kind?: BaseImageKind;
  /** Defaults to `$LABKIT_CACHE`, else `~/.cache/labkit`. */
  cache?: string;
  /** Rebuild even if an image with the same digest exists. */
  force?: boolean;
  /** Look up the newest kernel and busybox in Debian's archive again instead of the versions pinned within the last 30 days. */
  refresh?: boolean;
  onProgress?: (message: string) => void;
}

/** Bumped whenever the image layout changes in a way the other inputs do not capture. */
const LAYOUT_VERSION = '9';
/**
 * Modules by group; the agent loads `base` always and each other group only
 * when the kernel command line asks for it (every module load costs ~10 ms
 * under TCG, signature check included). Dependencies come from the .ko files.
 */
const MODULES: Record<string, string[]> = {
  base: ['virtio_mmio', 'virtio_console'],
  net: ['virtio_net'], // labkit.ip=
  blk: ['virtio_blk'], // labkit.root=
  vsock: ['vmw_vsock_virtio_transport'], // labkit.channel=vsock (Firecracker)
};
const DEBIAN_SUITE = 'bookworm';
const DEBIAN_MIRROR = 'http://deb.debian.org/debian';
const DEBIAN_PACKAGES = ['bash', 'coreutils', 'iproute2', 'procps', 'iputils-ping', 'psmisc', 'netcat-openbsd', 'less'];

const agentSource = fileURLToPath(new URL('./guest/agent.c', import.meta.url));
const examinerctlSource = fileURLToPath(new URL('./guest/examinerctl.sh', import.meta.url));
const memo = new Map<string, Promise<GuestImage>>();

/**
 * Builds (once) the guest image for `kind` and returns its paths. Images are
 * keyed by a digest of their inputs: the kernel package version, busybox, the
 * agent source, gcc, the module list and the layout; a second call with the
 * same inputs returns the cached image without doing any work.
 */
export function buildImage(options: BuildImageOptions = {}): Promise<GuestImage> {
  const kind = options.kind ?? 'busybox';
  const root = options.cache ?? cacheDir();
  const key = `${kind}\0${root}`;
  if (!options.force && memo.has(key)) return memo.get(key)!;
  const promise = doBuild(kind, root, options);
  memo.set(key, promise);
  promise.catch(() => memo.delete(key));
  return promise;
}

async function doBuild(kind: BaseImageKind, root: string, options: BuildImageOptions): Promise<GuestImage> {
  const progress = options.onProgress ?? (() => {});
  for (const tool of ['gcc', 'cpio']) await requireTool(tool, 'needed by `lab image build`');
  if (kind === 'debian') for (const tool of ['debootstrap', 'mke2fs']) await requireTool(tool, 'needed by `lab image build --rootfs debian`');

  // The kernel and busybox come from Debian's archive as .deb files checked
  // against its SHA256 (host-independent: no dpkg, no host busybox).
  const debs = await fetchGuestDebs({ cacheDir: root, ...(options.refresh ? { refresh: true } : {}), onProgress: progress });
  const kernelPackage = `${debs.kernel.name}=${debs.kernel.version}`;
  // Task scripts are written for bash: the busybox image gets Debian's bash-static as /bin/bash.
  const bash = await fetchDeb('bash-static', { cacheDir: root, onProgress: progress });
  const inputs = {
    bashDeb: bash.sha256,
    layout: LAYOUT_VERSION,
    kind,
    kernelPackage,
    kernelDeb: debs.kernel.sha256,
    busybox: `${debs.busybox.name}=${debs.busybox.version}`,
    busyboxDeb: debs.busybox.sha256,
    agent: sha256Hex(await readFile(agentSource)),
    examinerctl: sha256Hex(await readFile(examinerctlSource)),
    gcc: (await run('gcc', ['--version'])).stdout.split('\n')[0],
    modules: MODULES,
    debian: kind === 'debian' ? { suite: DEBIAN_SUITE, packages: DEBIAN_PACKAGES } : undefined,
  };
  const digest = sha256Hex(JSON.stringify(inputs)).slice(0, 16);
  const dir = path.join(root, 'images', `${kind}-${digest}`);
  const image: GuestImage = {
    kind,
    digest,
    dir,
    kernel: path.join(dir, 'vmlinux'),
    bzImage: path.join(dir, 'vmlinuz'),
    initrd: path.join(dir, 'initrd.cpio'),
    ...(kind === 'debian' ? { rootfs: path.join(dir, 'rootfs.ext4') } : {}),
    kernelPackage,
  };
  if (!options.force && existsSync(path.join(dir, 'manifest.json'))) return image;

  progress(`building ${kind} guest image ${digest} (kernel ${kernelPackage})`);
  await mkdir(path.join(root, 'images'), { recursive: true });
  // Records this process as the owner, after removing what killed builds left.
  const work = await makeBuildFolder(path.join(root, 'images'), kind);
  try {
    const kernelTree = path.join(work, 'kernel');
    const deb = debs.kernel.file;
    progress(`unpacking ${path.basename(deb)}`);
    await unpackDeb(await readFile(deb), kernelTree, deb);
    const busyboxTree = path.join(work, 'busybox');
    await unpackDeb(await readFile(debs.busybox.file), busyboxTree, debs.busybox.file);
    const busyboxPath = path.join(busyboxTree, 'bin/busybox');
    if (!existsSync(busyboxPath)) throw RuntimeErrors.ImageBuildFailed('busybox unpack', `no bin/busybox in ${debs.busybox.file}`);
    const out = path.join(work, 'out');
    await mkdir(out);
    const bootDir = path.join(kernelTree, 'boot');
    const vmlinuz = (await readdir(bootDir)).find((f) => f.startsWith('vmlinuz-'));
    if (!vmlinuz) throw RuntimeErrors.ImageBuildFailed('kernel unpack', `no vmlinuz in ${deb}`);
    await copyFile(path.join(bootDir, vmlinuz), path.join(out, 'vmlinuz'));
    const elf = extractVmlinux(await readFile(path.join(out, 'vmlinuz')));
    if (!elf) throw RuntimeErrors.ImageBuildFailed('kernel unpack', 'the bzImage payload is not the expected LZ4 stream');
    await writeFile(path.join(out, 'vmlinux'), elf);

    progress('compiling the guest agent (gcc -static)');
    const initrdRoot = path.join(work, 'initrd');
    for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc/labkit', 'proc', 'sys', 'dev', 'run', 'tmp', 'root', 'home/laborant', 'lib/modules', 'newroot', 'var/log']) {
      await mkdir(path.join(initrdRoot, d), { recursive: true });
    }
    await run('gcc', ['-static', '-Os', '-s', '-Wall', '-o', path.join(initrdRoot, 'init'), agentSource]);

    const listed: string[] = [];
    const seen = new Set<string>();
    for (const [group, names] of Object.entries(MODULES)) {
      for (const file of await collectModules(kernelTree, names)) {
        if (seen.has(file)) continue; // a dependency already loaded by an earlier group
        seen.add(file);
        const dest = path.join('/lib/modules', path.basename(file));
        await copyFile(file, path.join(initrdRoot, dest));
        listed.push(`${group} ${dest}`);
      }
    }
    await writeFile(path.join(initrdRoot, 'etc/labkit/modules'), listed.join('\n') + '\n');

    progress('installing busybox');
    await copyFile(busyboxPath, path.join(initrdRoot, 'bin/busybox'));
    await chmod(path.join(initrdRoot, 'bin/busybox'), 0o755);
    const applets = (await run(busyboxPath, ['--list-full'])).stdout.split('\n').filter(Boolean);
    for (const applet of applets) {
      const target = path.join(initrdRoot, applet);
      if (applet === 'bin/busybox' || existsSync(target)) continue;
      await mkdir(path.dirname(target), { recursive: true });
      await symlink('/bin/busybox', target);
    }
    const bashTree = path.join(work, 'bash');
    await unpackDeb(await readFile(bash.file), bashTree, bash.file);
    // A `bash` applet link would point at /bin/busybox (copyFile follows links: the host's file).
    await rm(path.join(initrdRoot, 'bin/bash'), { force: true });
    await copyFile(path.join(bashTree, 'bin/bash-static'), path.join(initrdRoot, 'bin/bash'));
    await chmod(path.join(initrdRoot, 'bin/bash'), 0o755);
    await mkdir(path.join(initrdRoot, 'usr/local/bin'), { recursive: true });
    await copyFile(examinerctlSource, path.join(initrdRoot, 'usr/local/bin/examinerctl'));
    await chmod(path.join(initrdRoot, 'usr/local/bin/examinerctl'), 0o755);
    await writeFile(path.join(initrdRoot, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nlaborant:x:1000:1000:laborant:/home/laborant:/bin/sh\n');
    await writeFile(path.join(initrdRoot, 'etc/group'), 'root:x:0:\nlaborant:x:1000:\n');
    await writeFile(path.join(initrdRoot, 'etc/hosts'), '127.0.0.1 localhost\n');
    await chmod(path.join(initrdRoot, 'tmp'), 0o1777);
    progress('packing the initramfs (cpio)');
    // -R 0:0 keeps the archive root-owned even when built by a normal user;
    // fixHomeOwner then hands laborant its home.
    await run('sh', ['-c', 'find . | sort | cpio -o -H newc -R 0:0 --quiet > ../out/initrd.cpio'], { cwd: initrdRoot });
    if (kind === 'busybox') await fixHomeOwner(path.join(out, 'initrd.cpio'));

    if (kind === 'debian') await buildDebianRootfs(work, path.join(out, 'rootfs.ext4'), progress);

    await writeFile(path.join(out, 'manifest.json'), JSON.stringify({ ...inputs, digest, trust: debs.trust, builtAt: new Date().toISOString() }, null, 2));
    // Several processes (parallel test workers) may build the same image at
    // once: the first rename wins and the others keep its result, so a VM
    // booting from the image never sees its files disappear.
    if (options.force) await rm(dir, { recursive: true, force: true });
    try {
      await rename(out, dir);
    } catch (error) {
      if (!existsSync(path.join(dir, 'manifest.json'))) throw error;
    }
    progress(`image ready: ${dir}`);
    return image;
  } finally {
    if (!process.env.LABKIT_DEBUG) await rm(work, { recursive: true, force: true });
  }
}

/**
 * cpio -R 0:0 made every entry root's; laborant must own its home. Appending
 * a second newc archive that re-creates the directory with uid 1000 works
 * because the kernel unpacks concatenated archives in order.
 */
async function fixHomeOwner(initrd: string): Promise<void> {
  const entry = newcEntry('home/laborant', 0o040755, 1000, 1000);
  const trailer = newcEntry('TRAILER!!!', 0, 0, 0);
  const existing = await readFile(initrd);
  await writeFile(initrd, Buffer.concat([existing, entry, trailer]));
}

function newcEntry(name: string, mode: number, uid: number, gid: number): Buffer {
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  const nameBytes = Buffer.from(name + '\0');
  const header = '070701' + [0, mode, uid, gid, 1, 0, 0, 0, 0, 0, 0, nameBytes.length, 0].map(hex).join('');
  const unpadded = Buffer.concat([Buffer.from(header), nameBytes]);
  const pad = (4 - (unpadded.length % 4)) % 4;
  return Buffer.concat([unpadded, Buffer.alloc(pad)]);
}

/**
 * A fuller Debian userland, assembled without mounting anything: debootstrap
 * into a folder, then `mke2fs -d` copies the folder into a fresh ext4 image.
 * Each VM opens the image with `snapshot=on`, so guests never write to it.
 */
async function buildDebianRootfs(work: string, out: string, progress: (m: string) => void): Promise<void> {
  const target = path.join(work, 'debian');
  progress(`debootstrap ${DEBIAN_SUITE} (minbase + ${DEBIAN_PACKAGES.join(', ')}); this takes minutes`);
  const r = await run('debootstrap', ['--variant=minbase', `--include=${DEBIAN_PACKAGES.join(',')}`, DEBIAN_SUITE, target, DEBIAN_MIRROR], { allowFail: true });
  if (r.code !== 0) throw RuntimeErrors.ImageBuildFailed('debootstrap', r.stderr.trim().split('\n').slice(-3).join(' | '));
  const etc = path.join(target, 'etc');
  const append = async (file: string, line: string) => writeFile(path.join(etc, file), (await readFile(path.join(etc, file), 'utf8')) + line);
  await append('passwd', 'laborant:x:1000:1000:laborant:/home/laborant:/bin/bash\n');
  await append('group', 'laborant:x:1000:\n');
  await append('shadow', 'laborant:*:19000:0:99999:7:::\n');
  await mkdir(path.join(target, 'home/laborant'), { recursive: true });
  await copyFile(examinerctlSource, path.join(target, 'usr/local/bin/examinerctl'));
  await chmod(path.join(target, 'usr/local/bin/examinerctl'), 0o755);
  await run('chown', ['1000:1000', path.join(target, 'home/laborant')]);
  await rm(path.join(target, 'var/cache/apt/archives'), { recursive: true, force: true });
  progress('mke2fs -d (ext4 image, no mounts)');
  const m = await run('mke2fs', ['-q', '-t', 'ext4', '-L', 'labkit-root', '-d', target, out, '2G'], { allowFail: true });
  if (m.code !== 0) throw RuntimeErrors.ImageBuildFailed('mke2fs', m.stderr.trim());
}
