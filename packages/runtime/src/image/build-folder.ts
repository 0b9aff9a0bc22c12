import { constants } from 'node:fs';
import { lstat, mkdtemp, open, readdir, readFile, readlink, rename, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { processAlive } from '../process-alive.ts';

/**
 * `lab image build` works in `images/.build-<name>-XXXXXX`. A build that is
 * killed (SIGKILL, a CI timeout, a closed terminal) cannot clean up, so each
 * folder records its owner in `owner.json`: the pid, the start time of that
 * pid (a reused pid is not the owner), the kernel's boot id (pids restart at
 * each boot) and the pid namespace (a pid from another container means
 * nothing here). Sweeping removes only folders whose owner is gone.
 */
export const OWNER_FILE = 'owner.json';
/** A build folder without a readable owner record (made before records existed, or by a build in another pid namespace) is stale after this long. */
export const UNOWNED_STALE_MS = 24 * 60 * 60 * 1000;
/** An owner record is a few dozen bytes: anything larger is not one. */
const OWNER_MAX_BYTES = 4096;

export interface BuildOwner {
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot); null where /proc is unavailable. */
  startTime: string | null;
  bootId: string | null;
  pidNamespace: string | null;
}

/** The owner record of process `pid` as seen now (undefined when that process does not exist or is a zombie). */
export async function processOwner(pid: number): Promise<BuildOwner | undefined> {
  const startTime = await procStartTime(pid);
  if (startTime === undefined) return undefined;
  return { pid, startTime, bootId: await bootId(), pidNamespace: await pidNamespace() };
}

/**
 * Makes a fresh build folder `images/.build-<name>-XXXXXX` owned by this
 * process, after removing the folders killed builds left (unless
 * `LABKIT_DEBUG` is set: that keeps build folders to look at).
 */
export async function makeBuildFolder(imagesDir: string, name: string): Promise<string> {
  if (!process.env.LABKIT_DEBUG) await sweepBuildFolders(imagesDir);
  const work = await mkdtemp(path.join(imagesDir, `.build-${name}-`));
  const owner = (await processOwner(process.pid)) ?? { pid: process.pid, startTime: null, bootId: null, pidNamespace: null };
  // Written then renamed: a sweep never reads half a record.
  const tmp = path.join(work, `.${OWNER_FILE}.tmp`);
  await writeFile(tmp, JSON.stringify(owner) + '\n', { flag: 'wx' });
  await rename(tmp, path.join(work, OWNER_FILE));
  return work;
}

/**
 * Removes the `.build-*` entries of `imagesDir` whose owner is gone and
 * returns their names. A `.build-*` that is not a directory (a symlink above
 * all) is unlinked, never followed; removal of a folder does not follow the
 * links inside it either. A folder that cannot be removed is left alone.
 */
export async function sweepBuildFolders(imagesDir: string, now = Date.now()): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(imagesDir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names.filter((n) => n.startsWith('.build-')).sort()) {
    const full = path.join(imagesDir, name);
    try {
      const s = await lstat(full);
      if (!s.isDirectory()) {
        await unlink(full);
      } else {
        if (!(await isStale(full, s.mtimeMs, now))) continue;
        await rm(full, { recursive: true, force: true });
      }
      removed.push(name);
    } catch {
      // Gone meanwhile, or not ours to remove (another user's build): leave it.
    }
  }
  return removed;
}

/** Whether the build folder `dir` (last modified at `mtimeMs`) belongs to no running build. */
export async function isStale(dir: string, mtimeMs: number, now = Date.now()): Promise<boolean> {
  const owner = await readOwner(dir);
  const old = now - mtimeMs > UNOWNED_STALE_MS;
  if (!owner) return old;
  const [boot, ns] = [await bootId(), await pidNamespace()];
  if (owner.bootId && boot && owner.bootId !== boot) return true;
  // Another pid namespace (a container sharing the cache): its pid cannot be checked from here.
  if (owner.pidNamespace && ns && owner.pidNamespace !== ns) return old;
  const startTime = await procStartTime(owner.pid);
  if (startTime === undefined) return true;
  if (owner.startTime && startTime && owner.startTime !== startTime) return true;
  return false;
}

async function readOwner(dir: string): Promise<BuildOwner | undefined> {
  let text: string;
  try {
    // O_NOFOLLOW: an owner.json that is a link is no record; a size cap: no reading a huge file.
    const handle = await open(path.join(dir, OWNER_FILE), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const s = await handle.stat();
      if (!s.isFile() || s.size > OWNER_MAX_BYTES) return undefined;
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
  try {
    const o = JSON.parse(text) as Partial<BuildOwner>;
    const str = (v: unknown) => (typeof v === 'string' && v.length <= 128 ? v : null);
    if (!Number.isSafeInteger(o.pid) || o.pid! <= 0) return undefined;
    return { pid: o.pid!, startTime: str(o.startTime), bootId: str(o.bootId), pidNamespace: str(o.pidNamespace) };
  } catch {
    return undefined;
  }
}

/**
 * The start time of `pid` from /proc/<pid>/stat; undefined when the process
 * does not exist or is a zombie (killed, not yet reaped: it builds nothing);
 * null where there is no /proc and `kill(pid, 0)` says it exists.
 */
async function procStartTime(pid: number): Promise<string | null | undefined> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && (await procAvailable())) return undefined;
    return processAlive(pid) ? null : undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields follow the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return fields[19] ?? null;
}

let procChecked: Promise<boolean> | undefined;
function procAvailable(): Promise<boolean> {
  procChecked ??= lstat('/proc/self/stat').then(
    () => true,
    () => false,
  );
  return procChecked;
}

async function bootId(): Promise<string | null> {
  try {
    return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim() || null;
  } catch {
    return null;
  }
}

async function pidNamespace(): Promise<string | null> {
  try {
    return await readlink('/proc/self/ns/pid');
  } catch {
    return null;
  }
}
