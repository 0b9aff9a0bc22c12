import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImage } from '../../image/build-image.ts';
import { cacheDir } from '../../image/cache-dir.ts';
import { RuntimeErrors } from '../../errors.ts';

export interface RunnerImage {
  /** `labkit-runner:<digest>`: the digest of the layer, so every node holds the same bytes under the same name. */
  tag: string;
  /** A `docker load` tarball (Docker's image archive format: manifest.json, config, one layer). */
  tarball: string;
  bytes: number;
}

/** Where the image's guest cache lives (`LABKIT_CACHE` in the container). */
export const RUNNER_CACHE = '/labkit-cache';
/** The guest images in the runner image, as `QemuProviderOptions.images` (JSON). */
export const RUNNER_IMAGES = '/opt/labkit/images.json';

/**
 * Builds the runner image from this host's own files, never from a
 * registry: the Node binary running this process, QEMU with the shared
 * libraries `ldd` names and its firmware, a static busybox as `/bin/sh`,
 * the busybox guest image from the cache, and the runner program bundled
 * from this source tree (the same runtime code `lab serve` runs). The
 * tarball is cached by its inputs' digest under `<cache>/runner/`.
 */
export async function buildRunnerImage(options: { cache?: string; onLog?: (line: string) => void } = {}): Promise<RunnerImage> {
  const log = options.onLog ?? (() => {});
  const cache = options.cache ?? cacheDir();
  const guest = await buildImage({ kind: 'busybox', cache });
  const qemu = which('qemu-system-x86_64');
  const busybox = which('busybox');
  const bundle = await bundleRunner();
  const inputs = createHash('sha256').update(bundle).update(process.version).update(execFileSync(qemu, ['--version'], { encoding: 'utf8' })).update(guest.digest).update('runner-image-v4').digest('hex').slice(0, 16);
  const outDir = path.join(cache, 'runner');
  const tarball = path.join(outDir, `labkit-runner-${inputs}.tar`);
  const tagFile = `${tarball}.tag`;
  if (existsSync(tarball) && existsSync(tagFile)) return { tag: readFileSync(tagFile, 'utf8').trim(), tarball, bytes: readFileSync(tarball).length };
  log(`building the runner image (${inputs})`);
  const work = mkdtempSync(path.join(os.tmpdir(), 'labkit-runner-'));
  try {
    const root = path.join(work, 'root');
    const put = (from: string, to = from) => {
      const dest = path.join(root, to);
      mkdirSync(path.dirname(dest), { recursive: true });
      copyFileSync(from, dest);
    };
    for (const dir of ['tmp', 'root', 'etc', 'bin', 'run/secrets', 'opt/labkit']) mkdirSync(path.join(root, dir), { recursive: true, mode: dir === 'tmp' ? 0o1777 : 0o755 });
    writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\n');
    writeFileSync(path.join(root, 'opt/labkit/runner.mjs'), bundle);
    put(process.execPath, 'usr/local/bin/node');
    put(qemu, 'usr/bin/qemu-system-x86_64');
    put(busybox, 'bin/busybox');
    symlinkSync('busybox', path.join(root, 'bin/sh'));
    for (const lib of new Set([...sharedLibraries(process.execPath), ...sharedLibraries(qemu)])) put(lib);
    // QEMU's loadable modules: Debian builds TCG itself as one (without it: "could not load module for type 'tcg-accel-ops'").
    // QEMU looks for them under the path it was built with (/usr/lib/<triplet>/qemu on Debian), not where /lib points.
    const modules = ['/usr/lib/x86_64-linux-gnu/qemu', '/usr/lib64/qemu', '/usr/lib/qemu'].find((d) => existsSync(d));
    if (modules) {
      // Only the accelerators: the display, audio and USB modules would pull in spice, GL and ALSA.
      for (const mod of readdirSync(modules).filter((m) => m.startsWith('accel-'))) {
        put(path.join(modules, mod));
        for (const lib of sharedLibraries(path.join(modules, mod))) if (!existsSync(path.join(root, lib))) put(lib);
      }
    }
    // Firmware and option ROMs; Debian's /usr/share/qemu is mostly symlinks into seabios/ipxe, copied as files.
    cpSync('/usr/share/qemu', path.join(root, 'usr/share/qemu'), { recursive: true, dereference: true });
    const inImage = path.posix.join(RUNNER_CACHE, 'images', path.basename(guest.dir));
    cpSync(guest.dir, path.join(root, inImage.slice(1)), { recursive: true, dereference: true });
    // The runner boots these as they are: it has no compiler or Debian archive to build an image with.
    const moved = (file: string) => path.posix.join(inImage, path.basename(file));
    const images = { busybox: { ...guest, dir: inImage, kernel: moved(guest.kernel), bzImage: moved(guest.bzImage), initrd: moved(guest.initrd), ...(guest.rootfs ? { rootfs: moved(guest.rootfs) } : {}) } };
    writeFileSync(path.join(root, RUNNER_IMAGES.slice(1)), JSON.stringify(images, null, 2));
    const image = path.join(work, 'image');
    mkdirSync(image);
    const layerTar = path.join(work, 'layer.tar');
    execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '--sort=name', '--mtime=@0', '-C', root, '-cf', layerTar, '.']);
    const layerDigest = sha256File(layerTar);
    mkdirSync(path.join(image, layerDigest));
    renameSync(layerTar, path.join(image, layerDigest, 'layer.tar'));
    const config = JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {
        // Saved VM states are per host and would fill the container's layer: runners cold-boot (and keep a warm pool).
        Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'HOME=/root', `LABKIT_CACHE=${RUNNER_CACHE}`, 'LABKIT_SNAPSHOTS=0'],
        Entrypoint: ['/usr/local/bin/node', '/opt/labkit/runner.mjs'],
        WorkingDir: '/',
        Labels: { 'labkit.runner': inputs },
      },
      rootfs: { type: 'layers', diff_ids: [`sha256:${layerDigest}`] },
      history: [{ created_by: 'labkit buildRunnerImage' }],
    });
    const configDigest = createHash('sha256').update(config).digest('hex');
    writeFileSync(path.join(image, `${configDigest}.json`), config);
    const tag = `labkit-runner:${layerDigest.slice(0, 16)}`;
    writeFileSync(path.join(image, 'manifest.json'), JSON.stringify([{ Config: `${configDigest}.json`, RepoTags: [tag], Layers: [`${layerDigest}/layer.tar`] }]));
    mkdirSync(outDir, { recursive: true });
    execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', image, '-cf', `${tarball}.part`, '.']);
    renameSync(`${tarball}.part`, tarball);
    writeFileSync(tagFile, tag);
    // One runner image per cache: older ones (other inputs) are a quarter gigabyte each.
    for (const old of readdirSync(outDir)) if (old.startsWith('labkit-runner-') && !old.startsWith(path.basename(tarball))) rmSync(path.join(outDir, old), { force: true });
    return { tag, tarball, bytes: readFileSync(tarball).length };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The runner program and everything it imports, as one ES module (Node built-ins stay imports). */
async function bundleRunner(): Promise<string> {
  const entry = fileURLToPath(new URL('./runner-main.ts', import.meta.url));
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw RuntimeErrors.ToolMissing('esbuild', 'the runner image bundles the runtime from its source tree');
  }
  const out = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    write: false,
    conditions: ['labkit-source'],
    // Native addons serve image building and SSH only, which the runner never does: empty stand-ins
    // (a call into one fails with "is not a function" instead of the whole program failing to load).
    plugins: [
      {
        name: 'no-native-addons',
        setup(build) {
          build.onResolve({ filter: /^(@napi-rs\/lzma|ssh2|cpu-features)(\/.*)?$/ }, (args) => ({ path: args.path, namespace: 'labkit-absent' }));
          build.onLoad({ filter: /.*/, namespace: 'labkit-absent' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
        },
      },
    ],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

function which(tool: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
  } catch {
    throw RuntimeErrors.ToolMissing(tool, 'the runner image is assembled from this host\'s files');
  }
}

/** Every shared library (and the dynamic loader) a binary loads, as `ldd` resolves them on this host. */
function sharedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s*\(/.exec(line);
    if (m) libs.push(m[1]!);
  }
  return libs;
}

function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
