import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from '@labkit/sdk';
import { RuntimeErrors } from '../../errors.ts';
import { run } from '../run-tool.ts';
import { bookwormSuites, debFileName, DebianArchive, parsePackages, type DebPackage } from './archive.ts';
import { compareDebVersions } from './deb-version.ts';

/** The Debian packages a guest image is made of, each downloaded and checked against its SHA256. */
export interface GuestDebs {
  kernel: ResolvedDeb;
  busybox: ResolvedDeb;
  /** How the package data was trusted: apt (the host's own verified lists), gpgv (Debian's signature), https. */
  trust: 'apt' | 'gpgv' | 'https';
}

export interface ResolvedDeb {
  name: string;
  version: string;
  sha256: string;
  /** The .deb on disk. */
  file: string;
}

export interface GuestDebsOptions {
  /** Labkit's cache folder: .debs go to `<cache>/debs`, verified indexes and pins to `<cache>/debian`. */
  cacheDir: string;
  /** Resolve the newest versions again even when pinned recently. */
  refresh?: boolean;
  onProgress?: (message: string) => void;
  env?: NodeJS.ProcessEnv;
  /** /etc/os-release text (tests). */
  osRelease?: string;
  /** Default: global fetch (tests pass one bound to a loopback mirror). */
  fetch?: typeof fetch;
  keyring?: string;
}

const KERNEL_META = 'linux-image-cloud-amd64';
const BUSYBOX = 'busybox-static';
/** Re-resolve archive versions after this long (a kernel security update then reaches new images). */
const PIN_MAX_AGE_MS = 30 * 24 * 3600 * 1000;

interface Pins {
  version: 1;
  resolvedAt: string;
  trust: 'gpgv' | 'https';
  kernel: DebPackage;
  busybox: DebPackage;
}

/**
 * The bookworm cloud kernel and busybox-static, as .deb files checked against
 * the archive's SHA256. On a Debian bookworm host the host's apt (lists it
 * already verified) resolves and downloads them; anywhere else Labkit reads
 * Debian's archive itself (see DebianArchive), so Ubuntu, Fedora or Arch
 * hosts build the same image. Archive resolutions are pinned in
 * `<cache>/debian/pins.json` for 30 days, so later builds need no network.
 */
export async function fetchGuestDebs(options: GuestDebsOptions): Promise<GuestDebs> {
  const debsDir = path.join(options.cacheDir, 'debs');
  await mkdir(debsDir, { recursive: true });
  const env = options.env ?? process.env;
  const useApt = !env['LABKIT_DEBIAN_MIRROR'] && isBookwormHost(options.osRelease) && (await run('sh', ['-c', 'command -v apt-cache && command -v apt-get'], { allowFail: true })).code === 0;
  if (useApt) return fetchWithApt(debsDir, options.onProgress);
  return fetchFromArchive(debsDir, options, env);
}

function isBookwormHost(osRelease?: string): boolean {
  let text = osRelease;
  if (text === undefined) {
    try {
      text = readFileSync('/etc/os-release', 'utf8');
    } catch {
      return false;
    }
  }
  return /^VERSION_CODENAME=["']?bookworm/m.test(text);
}

async function fetchFromArchive(debsDir: string, options: GuestDebsOptions, env: NodeJS.ProcessEnv): Promise<GuestDebs> {
  const debianDir = path.join(options.cacheDir, 'debian');
  const pinsFile = path.join(debianDir, 'pins.json');
  const archive = await DebianArchive.open({ cacheDir: debianDir, onProgress: options.onProgress ?? (() => {}), ...(options.fetch ? { fetch: options.fetch } : {}), ...(options.keyring ? { keyring: options.keyring } : {}) });
  let pins: Pins | undefined;
  if (existsSync(pinsFile)) {
    pins = JSON.parse(await readFile(pinsFile, 'utf8')) as Pins;
    const fresh = Date.now() - Date.parse(pins.resolvedAt) < PIN_MAX_AGE_MS;
    if (options.refresh || !fresh) pins = undefined;
  }
  if (!pins) {
    const suites = bookwormSuites(env);
    const meta = (await archive.find(KERNEL_META, suites))[0];
    if (!meta) throw RuntimeErrors.KernelUnavailable(`no ${KERNEL_META} in ${suites.map((s) => s.suite).join(', ')}`);
    const kernelName = /(linux-image-[^\s,|]+-cloud-amd64)\b/.exec(meta.depends)?.[1];
    if (!kernelName) throw RuntimeErrors.KernelUnavailable(`${KERNEL_META} ${meta.version} depends on no linux-image-*-cloud-amd64`);
    const kernel = (await archive.find(kernelName, suites))[0];
    const busybox = (await archive.find(BUSYBOX, suites))[0];
    if (!kernel) throw RuntimeErrors.KernelUnavailable(`${kernelName} is not in the archive indexes`);
    if (!busybox) throw RuntimeErrors.KernelUnavailable(`${BUSYBOX} is not in the archive indexes`);
    pins = { version: 1, resolvedAt: new Date().toISOString(), trust: archive.trust, kernel, busybox };
    await mkdir(debianDir, { recursive: true });
    await writeFile(pinsFile, `${JSON.stringify(pins, null, 2)}\n`);
  }
  const resolved = async (pkg: DebPackage): Promise<ResolvedDeb> => ({ name: pkg.name, version: pkg.version, sha256: pkg.sha256, file: await archive.download(pkg, debsDir) });
  return { kernel: await resolved(pins.kernel), busybox: await resolved(pins.busybox), trust: pins.trust };
}

async function fetchWithApt(debsDir: string, onProgress?: (m: string) => void): Promise<GuestDebs> {
  const meta = await aptShow(KERNEL_META);
  const kernelName = /(linux-image-[^\s,|]+-cloud-amd64)\b/.exec(meta.depends)?.[1];
  if (!kernelName) throw RuntimeErrors.KernelUnavailable(`apt-cache: ${KERNEL_META} depends on no linux-image-*-cloud-amd64 (run apt-get update)`);
  const kernel = await aptDownload(await aptShow(kernelName), debsDir, onProgress);
  const busybox = await aptDownload(await aptShow(BUSYBOX), debsDir, onProgress);
  return { kernel, busybox, trust: 'apt' };
}

/** The newest candidate apt knows for `name`, with its SHA256. */
async function aptShow(name: string): Promise<DebPackage> {
  const r = await run('apt-cache', ['show', name], { allowFail: true });
  const newest = parsePackages(r.stdout, { mirror: 'apt', suite: 'apt' }).sort((a, b) => compareDebVersions(b.version, a.version))[0];
  if (r.code !== 0 || !newest) throw RuntimeErrors.KernelUnavailable(`apt-cache does not know ${name} (run apt-get update)`);
  return newest;
}

async function aptDownload(pkg: DebPackage, debsDir: string, onProgress?: (m: string) => void): Promise<ResolvedDeb> {
  const file = path.join(debsDir, debFileName(pkg));
  const done = (): ResolvedDeb => ({ name: pkg.name, version: pkg.version, sha256: pkg.sha256, file });
  if (existsSync(file) && sha256Hex(await readFile(file)) === pkg.sha256) return done();
  onProgress?.(`apt-get download ${pkg.name}=${pkg.version}`);
  const tmp = await mkdtemp(path.join(debsDir, '.apt-'));
  try {
    const r = await run('apt-get', ['download', '-q', `${pkg.name}=${pkg.version}`], { cwd: tmp, allowFail: true });
    if (r.code !== 0) throw RuntimeErrors.KernelUnavailable(r.stderr.trim().split('\n').pop() ?? `apt-get exit ${r.code}`);
    const got = (await readdir(tmp)).find((f) => f.endsWith('.deb'));
    if (!got) throw RuntimeErrors.KernelUnavailable(`apt-get download left no ${pkg.name} .deb`);
    const data = await readFile(path.join(tmp, got));
    if (sha256Hex(data) !== pkg.sha256) throw RuntimeErrors.DebianArchiveUntrusted(got, `SHA256 ${sha256Hex(data)}, apt's index says ${pkg.sha256}`);
    await rename(path.join(tmp, got), file);
    return done();
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * One more Debian package for a guest (bash-static for the busybox image),
 * resolved and checked the same way as the kernel: the host's apt on a
 * bookworm host, else Debian's archive. Not pinned: its version is part of
 * the image digest, so a new upload makes a new image.
 */
export async function fetchDeb(name: string, options: GuestDebsOptions): Promise<ResolvedDeb> {
  const debsDir = path.join(options.cacheDir, 'debs');
  await mkdir(debsDir, { recursive: true });
  const env = options.env ?? process.env;
  const useApt = !env['LABKIT_DEBIAN_MIRROR'] && isBookwormHost(options.osRelease) && (await run('sh', ['-c', 'command -v apt-cache && command -v apt-get'], { allowFail: true })).code === 0;
  if (useApt) return aptDownload(await aptShow(name), debsDir, options.onProgress);
  const archive = await DebianArchive.open({ cacheDir: path.join(options.cacheDir, 'debian'), onProgress: options.onProgress ?? (() => {}), ...(options.fetch ? { fetch: options.fetch } : {}), ...(options.keyring ? { keyring: options.keyring } : {}) });
  const pkg = (await archive.find(name, bookwormSuites(env)))[0];
  if (!pkg) throw RuntimeErrors.KernelUnavailable(`${name} is not in the archive indexes`);
  return { name: pkg.name, version: pkg.version, sha256: pkg.sha256, file: await archive.download(pkg, debsDir) };
}
