import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sha256Hex } from '@labkit/sdk';
import { PublishErrors } from './errors.ts';
import type { PublishTarget, PutRequest, RemoteObject } from './target.ts';

/** A relative POSIX path with no empty, `.` or `..` segment. */
const SAFE_KEY = (key: string): boolean =>
  key !== '' && !key.includes('\\') && !key.includes('\0') && key.split('/').every((s) => s !== '' && s !== '.' && s !== '..');

/** Temporary files being written carry this marker; listings skip them. */
const TMP_MARKER = '.labkit-tmp-';

/**
 * A local folder as a publish target (a web server's document root, a
 * mounted volume). Each file is written to a temporary name and renamed,
 * so a reader never sees half a file.
 */
export class DirectoryTarget implements PublishTarget {
  readonly url: string;
  readonly root: string;
  #tmp = 0;

  constructor(root: string) {
    this.root = root;
    this.url = pathToFileURL(root).href;
  }

  async list(): Promise<Map<string, RemoteObject>> {
    const out = new Map<string, RemoteObject>();
    const walk = async (dir: string, rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' && rel === '') return;
        throw error;
      }
      for (const e of entries) {
        const path = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(join(dir, e.name), path);
        else if (e.isFile() && !e.name.includes(TMP_MARKER)) {
          // Local reads are cheap, so hash every file rather than trust the
          // previous manifest: a file edited by hand in the output is noticed.
          const data = await readFile(join(dir, e.name));
          out.set(path, { size: data.byteLength, sha256: sha256Hex(data) });
        }
      }
    };
    const info = await stat(this.root).catch(() => undefined);
    if (info && !info.isDirectory()) throw PublishErrors.BadTarget(this.root, 'is a file, not a folder');
    await walk(this.root, '');
    return out;
  }

  async digest(path: string): Promise<string | undefined> {
    const data = await this.read(path);
    return data && sha256Hex(data);
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.#file(path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async put(request: PutRequest): Promise<void> {
    const file = this.#file(request.path);
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}${TMP_MARKER}${process.pid}-${this.#tmp++}`;
    try {
      await writeFile(tmp, request.data);
      await rename(tmp, file);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }

  async delete(paths: readonly string[]): Promise<void> {
    const dirs = new Set<string>();
    for (const path of paths) {
      await rm(this.#file(path), { force: true });
      for (let d = dirname(path); d !== '.' && d !== ''; d = dirname(d)) dirs.add(d);
    }
    // Deepest first, so emptied parents go too; non-empty ones stay.
    for (const d of [...dirs].sort((a, b) => b.length - a.length)) {
      await rmdir(this.#file(d)).catch(() => undefined);
    }
  }

  isRetryable(error: unknown): boolean {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    return code === 'EBUSY' || code === 'EAGAIN' || code === 'EMFILE' || code === 'ENFILE';
  }

  explain(error: unknown): Error {
    const e = error as NodeJS.ErrnoException;
    if (e?.code === 'EACCES' || e?.code === 'EPERM' || e?.code === 'EROFS') {
      return PublishErrors.BadTarget(this.root, `cannot be written (${e.code}: ${e.message})`);
    }
    return error instanceof Error ? error : new Error(String(error));
  }

  close(): void {}

  #file(path: string): string {
    // The bundle checks its paths too, but the target is the last line: a
    // key with "..", an absolute path or an empty segment would land
    // outside root (join normalises "a/../../x" away), so it is refused.
    if (!SAFE_KEY(path)) throw PublishErrors.UnsafeKey(path, this.url);
    return join(this.root, ...path.split('/'));
  }
}
