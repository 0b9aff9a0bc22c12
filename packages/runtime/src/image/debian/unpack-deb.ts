import { mkdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { xz } from '@napi-rs/lzma';
import { extract } from 'tar';
import { RuntimeErrors } from '../../errors.ts';

/** One member of an `ar` archive (a .deb is one: debian-binary, control.tar.*, data.tar.*). */
export interface ArMember {
  name: string;
  data: Buffer;
}

/**
 * Reads a BSD/GNU `ar` archive as dpkg writes it: the `!<arch>\n` magic, then
 * 60-byte headers (name, dates, mode, decimal size, "`\n"), each member padded
 * to an even offset. A .deb never uses long names, so the GNU name table is
 * not needed; a `/` at the end of a name (GNU style) is dropped.
 */
export function readAr(archive: Buffer, file = 'archive'): ArMember[] {
  if (archive.subarray(0, 8).toString('latin1') !== '!<arch>\n') throw RuntimeErrors.ImageBuildFailed('deb unpack', `${file} is not an ar archive (no !<arch> magic)`);
  const members: ArMember[] = [];
  let offset = 8;
  while (offset + 60 <= archive.length) {
    const header = archive.subarray(offset, offset + 60).toString('latin1');
    if (header.slice(58, 60) !== '`\n') throw RuntimeErrors.ImageBuildFailed('deb unpack', `${file}: bad ar header at byte ${offset}`);
    const name = header.slice(0, 16).trim().replace(/\/$/, '');
    const size = Number(header.slice(48, 58).trim());
    if (!Number.isSafeInteger(size) || size < 0 || offset + 60 + size > archive.length) throw RuntimeErrors.ImageBuildFailed('deb unpack', `${file}: member ${name} runs past the end`);
    members.push({ name, data: archive.subarray(offset + 60, offset + 60 + size) });
    offset += 60 + size + (size % 2);
  }
  return members;
}

/** The uncompressed data.tar of a .deb (xz, zstd, gzip or none, by the member's name). */
export async function debDataTar(deb: Buffer, file = 'package'): Promise<Buffer> {
  const members = readAr(deb, file);
  if (members[0]?.name !== 'debian-binary') throw RuntimeErrors.ImageBuildFailed('deb unpack', `${file} is not a Debian package (first member: ${members[0]?.name ?? 'none'})`);
  const data = members.find((m) => m.name.startsWith('data.tar'));
  if (!data) throw RuntimeErrors.ImageBuildFailed('deb unpack', `${file} has no data.tar member`);
  switch (data.name) {
    case 'data.tar.xz':
      return xz.decompress(data.data);
    case 'data.tar.zst':
      return zstdDecompressSync(data.data);
    case 'data.tar.gz':
      return gunzipSync(data.data);
    case 'data.tar':
      return data.data;
    default:
      throw RuntimeErrors.ImageBuildFailed('deb unpack', `${file}: ${data.name} uses a compression Labkit does not read`);
  }
}

/**
 * `dpkg-deb -x` in JavaScript: unpacks a .deb's files into `dest`, keeping
 * modes and symlinks (node-tar refuses paths that escape `dest`). Runs as any
 * user: ownership is not restored.
 */
export async function unpackDeb(deb: Buffer, dest: string, file = 'package'): Promise<void> {
  const tar = await debDataTar(deb, file);
  await mkdir(dest, { recursive: true });
  await pipeline(Readable.from([tar]), extract({ cwd: dest, preserveOwner: false, strict: true }));
}
