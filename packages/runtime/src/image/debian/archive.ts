import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { sha256Hex } from '@labkit/sdk';
import { xz } from '@napi-rs/lzma';
import { RuntimeErrors } from '../../errors.ts';
import { run } from '../run-tool.ts';
import { compareDebVersions } from './deb-version.ts';

/** One suite of a Debian archive: `<mirror>/dists/<suite>/`. */
export interface DebianSuite {
  mirror: string;
  suite: string;
}

/** A binary package as a Packages index describes it. */
export interface DebPackage {
  name: string;
  version: string;
  /** Path under the mirror: `pool/main/l/linux-signed-amd64/linux-image-...deb`. */
  filename: string;
  sha256: string;
  size: number;
  depends: string;
  suite: DebianSuite;
}

/** How the index data was trusted, said plainly in the progress log and the image manifest. */
export type TrustRoot = 'gpgv' | 'https';

export const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/** bookworm, its point-release updates and its security archive; the mirrors can be overridden. */
export function bookwormSuites(env: NodeJS.ProcessEnv = process.env): DebianSuite[] {
  const mirror = (env['LABKIT_DEBIAN_MIRROR'] ?? 'https://deb.debian.org/debian').replace(/\/+$/, '');
  const security = (env['LABKIT_DEBIAN_SECURITY_MIRROR'] ?? 'https://deb.debian.org/debian-security').replace(/\/+$/, '');
  return [
    { mirror, suite: 'bookworm' },
    { mirror, suite: 'bookworm-updates' },
    { mirror: security, suite: 'bookworm-security' },
  ];
}

export interface ArchiveOptions {
  /** Where verified indexes are kept, by digest. */
  cacheDir: string;
  /** Default: DEBIAN_KEYRING. */
  keyring?: string;
  onProgress?: (message: string) => void;
  /** Default: global fetch. */
  fetch?: typeof fetch;
}

/**
 * Reads a Debian archive the way apt does, without apt: the suite's InRelease
 * (signature checked with gpgv against debian-archive-keyring when both are
 * installed; otherwise HTTPS to the mirror is the trust root, and the log
 * says so), then main/binary-amd64/Packages(.xz|.gz) checked against the
 * SHA256 list in InRelease. Every package found carries the SHA256 its .deb
 * must have.
 */
export class DebianArchive {
  readonly trust: TrustRoot;
  readonly #options: ArchiveOptions;
  readonly #keyring: string;

  constructor(options: ArchiveOptions, trust: TrustRoot) {
    this.#options = options;
    this.#keyring = options.keyring ?? DEBIAN_KEYRING;
    this.trust = trust;
  }

  /** gpgv + the keyring when both exist, else HTTPS. */
  static async open(options: ArchiveOptions): Promise<DebianArchive> {
    const keyring = options.keyring ?? DEBIAN_KEYRING;
    const gpgv = (await run('sh', ['-c', 'command -v gpgv'], { allowFail: true })).code === 0;
    const trust: TrustRoot = gpgv && existsSync(keyring) ? 'gpgv' : 'https';
    if (trust === 'https') options.onProgress?.(`gpgv or ${keyring} is missing: trusting HTTPS to the mirror for the archive indexes (install gpgv and debian-archive-keyring to verify Debian's signatures)`);
    return new DebianArchive(options, trust);
  }

  /** Every version of `name` in the suites, newest first. */
  async find(name: string, suites: DebianSuite[]): Promise<DebPackage[]> {
    const found: DebPackage[] = [];
    for (const suite of suites) found.push(...(await this.packages(suite)).filter((p) => p.name === name));
    return found.sort((a, b) => compareDebVersions(b.version, a.version));
  }

  readonly #indexes = new Map<string, Promise<DebPackage[]>>();

  packages(suite: DebianSuite): Promise<DebPackage[]> {
    const key = `${suite.mirror} ${suite.suite}`;
    let p = this.#indexes.get(key);
    if (!p) {
      p = this.#loadPackages(suite);
      this.#indexes.set(key, p);
    }
    return p;
  }

  async #loadPackages(suite: DebianSuite): Promise<DebPackage[]> {
    const base = `${suite.mirror}/dists/${suite.suite}`;
    const release = await this.#release(suite);
    for (const [name, decode] of [
      ['main/binary-amd64/Packages.xz', (b: Buffer) => xz.decompress(b)],
      ['main/binary-amd64/Packages.gz', async (b: Buffer) => gunzipSync(b)],
      ['main/binary-amd64/Packages', async (b: Buffer) => b],
    ] as const) {
      const expected = release.get(name);
      if (!expected) continue;
      const cached = path.join(this.#options.cacheDir, 'indexes', `${expected.sha256}`);
      let raw: Buffer;
      if (existsSync(cached)) raw = await readFile(cached);
      else {
        this.#options.onProgress?.(`fetching ${base}/${name}`);
        // Mirrors may carry only some of the listed compressions: try the next.
        const got = await this.#get(`${base}/${name}`, true);
        if (!got) continue;
        raw = got;
        verify(`${base}/${name}`, raw, expected);
        await writeAtomic(cached, raw);
      }
      return parsePackages((await decode(raw)).toString('utf8'), suite);
    }
    throw RuntimeErrors.KernelUnavailable(`${base}: no main/binary-amd64/Packages index that InRelease lists could be fetched`);
  }

  /** The SHA256 table of the suite's InRelease, after checking its signature (or HTTPS). */
  async #release(suite: DebianSuite): Promise<Map<string, { sha256: string; size: number }>> {
    const url = `${suite.mirror}/dists/${suite.suite}/InRelease`;
    this.#options.onProgress?.(`fetching ${url}`);
    const signed = await this.#get(url);
    let text: string;
    if (this.trust === 'gpgv') {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'labkit-inrelease-'));
      try {
        await writeFile(path.join(dir, 'InRelease'), signed);
        const r = await run('gpgv', ['--keyring', this.#keyring, '--output', path.join(dir, 'Release'), path.join(dir, 'InRelease')], { allowFail: true });
        if (r.code !== 0) throw RuntimeErrors.DebianArchiveUntrusted(url, `gpgv: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
        text = await readFile(path.join(dir, 'Release'), 'utf8');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    } else {
      if (!url.startsWith('https://')) throw RuntimeErrors.DebianArchiveUntrusted(url, 'without gpgv and debian-archive-keyring only an https:// mirror can be trusted');
      text = clearsignedBody(signed.toString('utf8'));
    }
    return parseReleaseSha256(text);
  }

  async #get(url: string): Promise<Buffer>;
  async #get(url: string, optional: true): Promise<Buffer | undefined>;
  async #get(url: string, optional = false): Promise<Buffer | undefined> {
    const doFetch = this.#options.fetch ?? fetch;
    let res: Response;
    try {
      res = await doFetch(url, { signal: AbortSignal.timeout(300_000) });
    } catch (error) {
      throw RuntimeErrors.KernelUnavailable(`${url}: ${(error as Error).message}`);
    }
    if (optional && res.status === 404) return undefined;
    if (!res.ok) throw RuntimeErrors.KernelUnavailable(`${url}: HTTP ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  }

  /** Downloads the package's .deb into `dir` (kept by name and version), checked against its SHA256. */
  async download(pkg: DebPackage, dir: string): Promise<string> {
    const file = path.join(dir, debFileName(pkg));
    if (existsSync(file) && sha256Hex(await readFile(file)) === pkg.sha256) return file;
    const url = `${pkg.suite.mirror}/${pkg.filename}`;
    this.#options.onProgress?.(`downloading ${url}`);
    const data = await this.#get(url);
    verify(url, data, pkg);
    await writeAtomic(file, data);
    return file;
  }
}

/** `name_version_amd64.deb` as apt names it (the epoch colon as %3a). */
export function debFileName(pkg: { name: string; version: string }): string {
  return `${pkg.name}_${pkg.version.replace(/:/g, '%3a')}_amd64.deb`;
}

function verify(what: string, data: Buffer, expected: { sha256: string; size: number }): void {
  if (data.length !== expected.size) throw RuntimeErrors.DebianArchiveUntrusted(what, `size ${data.length}, the index says ${expected.size}`);
  const actual = sha256Hex(data);
  if (actual !== expected.sha256) throw RuntimeErrors.DebianArchiveUntrusted(what, `SHA256 ${actual}, the index says ${expected.sha256}`);
}

async function writeAtomic(file: string, data: Buffer): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

/** The signed text of a clearsigned message, dash-escaping undone. */
export function clearsignedBody(text: string): string {
  const start = text.indexOf('-----BEGIN PGP SIGNED MESSAGE-----');
  const sig = text.indexOf('\n-----BEGIN PGP SIGNATURE-----');
  if (start < 0 || sig < 0) return text;
  const afterHeaders = text.indexOf('\n\n', start);
  return text
    .slice(afterHeaders + 2, sig + 1)
    .split('\n')
    .map((l) => (l.startsWith('- ') ? l.slice(2) : l))
    .join('\n');
}

/** The `SHA256:` section of a Release file: path → digest and size. */
export function parseReleaseSha256(text: string): Map<string, { sha256: string; size: number }> {
  const table = new Map<string, { sha256: string; size: number }>();
  let inSection = false;
  for (const line of text.split('\n')) {
    if (/^\S/.test(line)) inSection = line.startsWith('SHA256:');
    else if (inSection) {
      const m = /^\s+([0-9a-f]{64})\s+(\d+)\s+(\S+)$/.exec(line);
      if (m) table.set(m[3]!, { sha256: m[1]!, size: Number(m[2]) });
    }
  }
  return table;
}

/** A Packages index into entries (only the fields Labkit uses). */
export function parsePackages(text: string, suite: DebianSuite): DebPackage[] {
  const out: DebPackage[] = [];
  for (const stanza of text.split(/\n\n+/)) {
    const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(stanza)?.[1]?.trim();
    const name = field('Package');
    const version = field('Version');
    const filename = field('Filename');
    const digest = field('SHA256');
    const size = field('Size');
    if (!name || !version || !filename || !digest || !size) continue;
    out.push({ name, version, filename, sha256: digest, size: Number(size), depends: field('Depends') ?? '', suite });
  }
  return out;
}
