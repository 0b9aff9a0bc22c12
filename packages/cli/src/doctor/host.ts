import { readFileSync } from 'node:fs';

/** The host's package manager, for printing install lines a user can paste. */
export type HostPackageManager = 'apt' | 'dnf' | 'pacman' | 'apk' | 'zypper' | 'brew' | 'unknown';

/**
 * From /etc/os-release (`ID`, then each word of `ID_LIKE`), or brew on macOS.
 * `osRelease` is the file's text (for tests).
 */
export function hostPackageManager(osRelease?: string, platform: NodeJS.Platform = process.platform): HostPackageManager {
  if (platform === 'darwin') return 'brew';
  let text = osRelease;
  if (text === undefined) {
    try {
      text = readFileSync('/etc/os-release', 'utf8');
    } catch {
      return 'unknown';
    }
  }
  const field = (name: string) => new RegExp(`^${name}=["']?([^"'\\n]*)`, 'm').exec(text!)?.[1]?.toLowerCase() ?? '';
  for (const id of [field('ID'), ...field('ID_LIKE').split(/\s+/)]) {
    if (['debian', 'ubuntu', 'linuxmint', 'pop', 'raspbian'].includes(id)) return 'apt';
    if (['fedora', 'rhel', 'centos', 'rocky', 'almalinux', 'amzn'].includes(id)) return 'dnf';
    if (['arch', 'manjaro', 'endeavouros'].includes(id)) return 'pacman';
    if (id === 'alpine') return 'apk';
    if (['opensuse', 'suse', 'sles', 'opensuse-leap', 'opensuse-tumbleweed'].includes(id)) return 'zypper';
  }
  return 'unknown';
}

/** What a Labkit host may need, by purpose. */
export type HostNeed = 'qemu' | 'image-tools' | 'chromium';

/** Package names per host package manager (`image-tools`: a static C toolchain for the guest agent, and cpio). */
const PACKAGES: Record<Exclude<HostPackageManager, 'unknown'>, Record<HostNeed, string[]>> = {
  apt: { qemu: ['qemu-system-x86'], 'image-tools': ['gcc', 'libc6-dev', 'cpio', 'gpgv', 'debian-archive-keyring'], chromium: ['chromium'] },
  dnf: { qemu: ['qemu-system-x86'], 'image-tools': ['gcc', 'glibc-static', 'cpio'], chromium: ['chromium'] },
  pacman: { qemu: ['qemu-system-x86'], 'image-tools': ['gcc', 'cpio'], chromium: ['chromium'] },
  apk: { qemu: ['qemu-system-x86_64'], 'image-tools': ['gcc', 'musl-dev', 'cpio'], chromium: ['chromium'] },
  zypper: { qemu: ['qemu-x86'], 'image-tools': ['gcc', 'glibc-devel-static', 'cpio'], chromium: ['chromium'] },
  brew: { qemu: ['qemu'], 'image-tools': ['cpio'], chromium: ['--cask chromium'] },
};

/** The exact line to paste, or undefined when the host's package manager is unknown. */
export function installLine(pm: HostPackageManager, needs: readonly HostNeed[]): string | undefined {
  if (pm === 'unknown' || needs.length === 0) return undefined;
  const names = [...new Set(needs.flatMap((n) => PACKAGES[pm][n]))].join(' ');
  switch (pm) {
    case 'apt':
      return `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${names}`;
    case 'dnf':
      return `sudo dnf install -y ${names}`;
    case 'pacman':
      return `sudo pacman -S --needed ${names}`;
    case 'apk':
      return `sudo apk add ${names}`;
    case 'zypper':
      return `sudo zypper install -y ${names}`;
    case 'brew':
      return `brew install ${names}`;
  }
}
