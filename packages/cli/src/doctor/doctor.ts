import { constants, accessSync, existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { hostPackageManager, installLine, type HostNeed, type HostPackageManager } from './host.ts';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  /** Required for `lab test` / `lab image build`; the others only warn. */
  required: boolean;
  detail: string;
  /** What to run to fix it (an install line for this host, or a command). */
  fix?: string;
}

export interface DoctorReport {
  ok: boolean;
  packageManager: HostPackageManager;
  checks: DoctorCheck[];
}

export interface DoctorOptions {
  /** Labkit's cache folder (images). */
  cacheDir: string;
  /** Default: /etc/os-release. */
  osRelease?: string;
  /** Default: process.env.PATH. */
  path?: string;
  /** Default: /dev/kvm. */
  kvmDevice?: string;
}

/**
 * `lab doctor`: what this host has for running Labkit's microVMs and browser
 * tests, and the exact line that installs what is missing with the host's
 * own package manager.
 */
export function doctor(options: DoctorOptions): DoctorReport {
  const pm = hostPackageManager(options.osRelease);
  const which = (tool: string) => findOnPath(tool, options.path ?? process.env['PATH'] ?? '');
  const fixFor = (need: HostNeed) => installLine(pm, [need]) ?? `install ${need} with your system's package manager`;
  const checks: DoctorCheck[] = [];

  const node = Number(process.versions.node.split('.')[0]);
  checks.push({ name: 'Node.js', ok: node >= 24, required: true, detail: `v${process.versions.node}`, ...(node >= 24 ? {} : { fix: 'install Node.js 24 LTS or newer' }) });

  const qemu = which('qemu-system-x86_64');
  checks.push({ name: 'QEMU', ok: Boolean(qemu), required: true, detail: qemu ? version(qemu) : 'qemu-system-x86_64 not found on PATH', ...(qemu ? {} : { fix: fixFor('qemu') }) });

  const kvm = options.kvmDevice ?? '/dev/kvm';
  const kvmState = !existsSync(kvm) ? 'absent' : canReadWrite(kvm) ? 'ok' : 'denied';
  checks.push({
    name: 'KVM',
    ok: kvmState === 'ok',
    required: false,
    detail: kvmState === 'ok' ? `${kvm} is usable` : kvmState === 'absent' ? `no ${kvm}: VMs run under software emulation (TCG), about 10x slower` : `${kvm} exists but this user may not open it: VMs fall back to TCG`,
    ...(kvmState === 'denied' ? { fix: 'sudo usermod -aG kvm "$USER"   (then log in again; in CI: sudo chmod 666 /dev/kvm)' } : {}),
  });

  const gcc = which('gcc');
  const staticLibc = gcc ? hasStaticLibc(gcc) : false;
  const cpio = which('cpio');
  const toolsOk = Boolean(gcc && staticLibc && cpio);
  const missing = [!gcc && 'gcc', gcc && !staticLibc && 'a static C library (libc.a)', !cpio && 'cpio'].filter(Boolean).join(', ');
  checks.push({ name: 'Image build tools', ok: toolsOk, required: true, detail: toolsOk ? 'gcc -static and cpio' : `missing ${missing}`, ...(toolsOk ? {} : { fix: fixFor('image-tools') }) });

  // Debian's archive signature check for image builds off Debian (see docs/runtime.md).
  const gpgv = which('gpgv');
  const keyring = existsSync('/usr/share/keyrings/debian-archive-keyring.gpg');
  checks.push({
    name: 'Debian archive signatures',
    ok: Boolean(gpgv && keyring),
    required: false,
    detail: gpgv && keyring ? 'gpgv + debian-archive-keyring: image packages are checked against Debian\'s signature' : 'gpgv or debian-archive-keyring missing: image builds trust HTTPS to the mirror instead',
    ...(gpgv && keyring ? {} : { fix: installLine(pm, ['image-tools']) ?? 'install gpgv and debian-archive-keyring' }),
  });

  const imagesDir = path.join(options.cacheDir, 'images');
  const images = existsSync(imagesDir) ? readdirSync(imagesDir).filter((d) => !d.startsWith('.') && existsSync(path.join(imagesDir, d, 'manifest.json'))) : [];
  checks.push({
    name: 'Guest image',
    ok: images.length > 0,
    required: false,
    detail: images.length ? `${images.join(', ')} in ${imagesDir}` : `none yet in ${imagesDir} (built on first use, or now with lab image build)`,
    ...(images.length ? {} : { fix: 'lab image build' }),
  });

  const chromium = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'].map(which).find(Boolean);
  checks.push({
    name: 'Chromium (browser tests only)',
    ok: Boolean(chromium),
    required: false,
    detail: chromium ? chromium : 'not found: only needed to run browser tests against your site',
    ...(chromium ? {} : { fix: fixFor('chromium') }),
  });

  return { ok: checks.every((c) => c.ok || !c.required), packageManager: pm, checks };
}

function findOnPath(tool: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, tool);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

function canReadWrite(file: string): boolean {
  try {
    accessSync(file, constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function version(binary: string): string {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 5000 });
  return (r.stdout ?? '').split('\n')[0]?.trim() || binary;
}

/** `gcc -print-file-name=libc.a` prints a full path only when the static libc is installed. */
function hasStaticLibc(gcc: string): boolean {
  const r = spawnSync(gcc, ['-print-file-name=libc.a'], { encoding: 'utf8', timeout: 5000 });
  const file = (r.stdout ?? '').trim();
  return path.isAbsolute(file) && existsSync(file);
}
