// Host-independent guest images: Debian's archive read without apt or dpkg.
// A loopback HTTP server plays the mirror with real Debian data from this
// machine (the signed InRelease files and Packages lists apt keeps, the .deb
// files apt and earlier image builds downloaded), so signatures and SHA256s
// are Debian's own and no traffic leaves the machine.
import { execFileSync, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareDebVersions } from '../../src/image/debian/deb-version.ts';
import { readAr, unpackDeb } from '../../src/image/debian/unpack-deb.ts';
import { fetchGuestDebs } from '../../src/image/debian/guest-debs.ts';
import { DEBIAN_KEYRING } from '../../src/image/debian/archive.ts';
import { buildImage } from '../../src/image/build-image.ts';
import { cacheDir } from '../../src/image/cache-dir.ts';

const LISTS = '/var/lib/apt/lists';
const DEB_DIRS = [path.join(cacheDir(), 'debs'), '/var/cache/apt/archives'];
const SUITES = [
  { prefix: '/debian', list: 'deb.debian.org_debian_dists_bookworm', suite: 'bookworm' },
  { prefix: '/debian', list: 'deb.debian.org_debian_dists_bookworm-updates', suite: 'bookworm-updates' },
  { prefix: '/debian-security', list: 'deb.debian.org_debian-security_dists_bookworm-security', suite: 'bookworm-security' },
];
const tmp = (p: string) => mkdtempSync(path.join(tmpdir(), `labkit-deb-${p}-`));

/** A .deb apt keeps locally, by the pool file name (pool names carry no epoch; apt's local names do, as %3a). */
function localDeb(poolName: string): string | undefined {
  for (const dir of DEB_DIRS) {
    if (!existsSync(dir)) continue;
    const hit = readdirSync(dir).find((f) => f.replace(/_\d+%3a/, '_') === poolName);
    if (hit) return path.join(dir, hit);
  }
  return undefined;
}

const haveLists = SUITES.every((s) => existsSync(path.join(LISTS, `${s.list}_InRelease`)) && existsSync(path.join(LISTS, `${s.list}_main_binary-amd64_Packages.lz4`)));
const haveTools = spawnSync('sh', ['-c', 'command -v lz4 && command -v gpgv']).status === 0 && existsSync(DEBIAN_KEYRING);
const busyboxDeb = DEB_DIRS.flatMap((d) => (existsSync(d) ? readdirSync(d).filter((f) => f.startsWith('busybox-static_')).map((f) => path.join(d, f)) : []))[0];

describe('Debian package versions', () => {
  it('order as dpkg orders them', () => {
    const sorted = ['1.0~rc1', '1.0', '1.0-1', '1.0-1+b1', '1.0a', '1.0.1', '1:0.9', '2:0'];
    for (let i = 0; i + 1 < sorted.length; i++) expect(compareDebVersions(sorted[i]!, sorted[i + 1]!), `${sorted[i]} < ${sorted[i + 1]}`).toBeLessThan(0);
    expect(compareDebVersions('6.1.192-3', '6.1.187-1')).toBeGreaterThan(0);
    expect(compareDebVersions('1.35.0-4+deb12u1', '1.35.0-4+deb12u1')).toBe(0);
  });
});

describe.runIf(busyboxDeb)('a .deb unpacked in JavaScript', () => {
  it('gives the same busybox binary dpkg-deb does', async () => {
    const dest = tmp('unpack');
    await unpackDeb(readFileSync(busyboxDeb!), dest, busyboxDeb!);
    const mine = path.join(dest, 'bin/busybox');
    expect(statSync(mine).mode & 0o111).not.toBe(0);
    const reference = tmp('dpkg');
    execFileSync('dpkg-deb', ['-x', busyboxDeb!, reference]);
    expect(readFileSync(mine).equals(readFileSync(path.join(reference, 'bin/busybox')))).toBe(true);
    expect(execFileSync(mine, ['echo', 'unpacked']).toString()).toBe('unpacked\n');
  });

  it('refuses what is not an ar archive', () => {
    expect(() => readAr(Buffer.from('PK\u0003\u0004 not a deb'), 'x.deb')).toThrow(/not an ar archive/);
  });
});

describe.runIf(haveLists && haveTools && busyboxDeb)('the guest packages from a Debian mirror (loopback, real signed indexes)', () => {
  let server: Server;
  let base = '';
  /** What the mirror does wrong, per test. */
  let tamper: 'none' | 'inrelease' | 'packages' | 'deb' = 'none';
  const requests: string[] = [];
  const packages = new Map<string, Buffer>();

  beforeAll(async () => {
    for (const s of SUITES) packages.set(s.suite, execFileSync('lz4', ['-dc', path.join(LISTS, `${s.list}_main_binary-amd64_Packages.lz4`)], { maxBuffer: 512 * 1024 * 1024 }));
    server = createServer((req, res) => {
      const url = req.url ?? '';
      requests.push(url);
      const suite = SUITES.find((s) => url.startsWith(`${s.prefix}/dists/${s.suite}/`));
      let body: Buffer | undefined;
      if (suite && url.endsWith('/InRelease')) {
        body = readFileSync(path.join(LISTS, `${suite.list}_InRelease`));
        if (tamper === 'inrelease') body = Buffer.from(body.toString('latin1').replace(/^Codename: (\w+)/m, 'Codename: $1x'), 'latin1');
      } else if (suite && url.endsWith('/main/binary-amd64/Packages')) {
        body = packages.get(suite.suite)!;
        if (tamper === 'packages') body = Buffer.concat([body.subarray(0, body.length - 2), Buffer.from('X\n')]);
      } else if (url.endsWith('.deb')) {
        const file = localDeb(decodeURIComponent(path.basename(url)));
        if (file) {
          body = readFileSync(file);
          if (tamper === 'deb') body = Buffer.concat([body, Buffer.from('\n')]);
        }
      }
      if (!body) res.writeHead(404).end();
      else res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as { port: number };
    base = `http://127.0.0.1:${address.port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const env = () => ({ LABKIT_DEBIAN_MIRROR: `${base}/debian`, LABKIT_DEBIAN_SECURITY_MIRROR: `${base}/debian-security` });

  it('resolves the newest cloud kernel and busybox-static, checks Debian signatures and SHA256s, then works offline from its pins', async () => {
    tamper = 'none';
    const cache = tmp('fetch');
    const progress: string[] = [];
    const debs = await fetchGuestDebs({ cacheDir: cache, env: env(), onProgress: (m) => progress.push(m) });
    expect(debs.trust).toBe('gpgv');
    expect(debs.kernel.name).toMatch(/^linux-image-6\.1\.0-\d+-cloud-amd64$/);
    expect(debs.busybox.name).toBe('busybox-static');
    for (const deb of [debs.kernel, debs.busybox]) {
      expect(execFileSync('sha256sum', [deb.file]).toString().split(' ')[0]).toBe(deb.sha256);
    }
    // Not served by apt: every index came from the loopback mirror.
    expect(requests.some((r) => r === '/debian-security/dists/bookworm-security/InRelease')).toBe(true);
    expect(existsSync(path.join(cache, 'debian', 'pins.json'))).toBe(true);
    // A second build needs no mirror at all.
    const before = requests.length;
    const again = await fetchGuestDebs({ cacheDir: cache, env: { LABKIT_DEBIAN_MIRROR: 'http://127.0.0.1:9/unreachable' } });
    expect(again.kernel.sha256).toBe(debs.kernel.sha256);
    expect(requests.length).toBe(before);
  }, 300_000);

  it('rejects an InRelease whose signed text was changed (gpgv)', async () => {
    tamper = 'inrelease';
    await expect(fetchGuestDebs({ cacheDir: tmp('bad-sig'), env: env() })).rejects.toThrow(/did not verify: gpgv/);
  }, 300_000);

  it('without gpgv or the keyring, trusts only HTTPS and says so (a plain-HTTP mirror is refused)', async () => {
    tamper = 'none';
    const progress: string[] = [];
    await expect(fetchGuestDebs({ cacheDir: tmp('no-keyring'), env: env(), keyring: '/nonexistent/keyring.gpg', onProgress: (m) => progress.push(m) })).rejects.toThrow(
      /only an https:\/\/ mirror can be trusted/,
    );
    expect(progress.join('\n')).toContain('trusting HTTPS to the mirror');
  }, 300_000);

  it('rejects a Packages index that does not match InRelease, and a .deb that does not match Packages', async () => {
    tamper = 'packages';
    await expect(fetchGuestDebs({ cacheDir: tmp('bad-index'), env: env() })).rejects.toThrow(/Packages did not verify: size|Packages did not verify: SHA256/);
    tamper = 'deb';
    await expect(fetchGuestDebs({ cacheDir: tmp('bad-deb'), env: env() })).rejects.toThrow(/\.deb did not verify/);
    tamper = 'none';
  }, 300_000);

  it('builds the same image from the mirror as from the host apt (same packages, same digest)', async () => {
    tamper = 'none';
    const saved = { ...process.env };
    Object.assign(process.env, env());
    let fromMirror;
    try {
      fromMirror = await buildImage({ cache: tmp('image') });
    } finally {
      for (const k of Object.keys(env())) if (saved[k] === undefined) delete process.env[k];
    }
    expect(existsSync(fromMirror.kernel)).toBe(true);
    expect(existsSync(fromMirror.initrd)).toBe(true);
    const manifest = JSON.parse(readFileSync(path.join(fromMirror.dir, 'manifest.json'), 'utf8'));
    expect(manifest.trust).toBe('gpgv');
    if (/VERSION_CODENAME=bookworm/.test(readFileSync('/etc/os-release', 'utf8'))) {
      const fromApt = await buildImage();
      expect(fromApt.digest).toBe(fromMirror.digest);
    }
  }, 900_000);
});
