import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { doctor } from '../../src/doctor/doctor.ts';
import { hostPackageManager, installLine } from '../../src/doctor/host.ts';
import { lab, tempDir } from '../helpers.ts';

describe('lab doctor', () => {
  it('knows the host package manager from /etc/os-release', () => {
    expect(hostPackageManager('ID=ubuntu\nID_LIKE=debian\n', 'linux')).toBe('apt');
    expect(hostPackageManager('ID="rocky"\nID_LIKE="rhel centos fedora"\n', 'linux')).toBe('dnf');
    expect(hostPackageManager('ID=arch\n', 'linux')).toBe('pacman');
    expect(hostPackageManager('ID=alpine\n', 'linux')).toBe('apk');
    expect(hostPackageManager('ID=nixos\n', 'linux')).toBe('unknown');
    expect(hostPackageManager('', 'darwin')).toBe('brew');
    expect(installLine('dnf', ['qemu', 'image-tools'])).toBe('sudo dnf install -y qemu-system-x86 gcc glibc-static cpio');
    expect(installLine('apk', ['image-tools'])).toBe('sudo apk add gcc musl-dev cpio');
  });

  it('on a host without the tools: fails, and prints the line for its package manager', () => {
    const emptyPath = tempDir('doctor-path');
    const cache = tempDir('doctor-cache');
    const report = doctor({ cacheDir: cache, osRelease: 'ID=fedora\n', path: emptyPath, kvmDevice: join(emptyPath, 'kvm') });
    expect(report.ok).toBe(false);
    const qemu = report.checks.find((c) => c.name === 'QEMU')!;
    expect(qemu.ok).toBe(false);
    expect(qemu.fix).toBe('sudo dnf install -y qemu-system-x86');
    expect(report.checks.find((c) => c.name === 'Image build tools')!.fix).toBe('sudo dnf install -y gcc glibc-static cpio');
    expect(report.checks.find((c) => c.name === 'KVM')!.detail).toContain('TCG');
    expect(report.checks.find((c) => c.name === 'Guest image')!.fix).toBe('lab image build');
  });

  it('sees a built image in the cache, and the CLI exits 0 when only optional parts are missing', async () => {
    const cache = tempDir('doctor-img');
    mkdirSync(join(cache, 'images', 'busybox-0123456789abcdef'), { recursive: true });
    writeFileSync(join(cache, 'images', 'busybox-0123456789abcdef', 'manifest.json'), '{}');
    const report = doctor({ cacheDir: cache });
    expect(report.checks.find((c) => c.name === 'Guest image')!.ok).toBe(true);
    const result = await lab(['doctor', '--format', 'json'], { env: { LABKIT_CACHE: cache } });
    const json = JSON.parse(result.stdout);
    expect(json.checks.map((c: { name: string }) => c.name)).toContain('QEMU');
    expect(result.code).toBe(json.ok ? 0 : 1);
  });
});
