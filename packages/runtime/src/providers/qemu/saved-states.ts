import { createHash, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { GuestImage } from '../../image/build-image.ts';
import { cacheDir } from '../../image/cache-dir.ts';
import { run } from '../../image/run-tool.ts';
import { kernelCmdline, type Accelerator } from './qemu-machine.ts';

/** Bumped whenever what a saved state holds changes in a way the inputs do not capture. */
const LAYOUT_VERSION = '1';
/** The hostname every saved machine booted with; each restored machine gets its own (`setIdentity`). */
export const SAVED_HOSTNAME = 'labkit-saved';

/** One machine configuration a saved state is valid for. */
export interface SavedStateConfig {
  image: GuestImage;
  accel: Accelerator;
  memoryMiB: number;
  cpus: number;
  tbSizeMiB: number;
  /** Whether the image's boot services were started before the save. */
  services: boolean;
}

/** A saved machine on disk: what `QemuMachine.boot({ incoming, memoryFile, rootDisk })` restores from. */
export interface SavedState {
  dir: string;
  /** Device state (`migrate` to a file; guest RAM is not in it). */
  state: string;
  /** Guest RAM, mapped privately by every restored machine. */
  ram: string;
  /** The root disk as it was at the save (Debian playgrounds), opened with `snapshot=on`. */
  disk?: string;
  key: string;
}

let qemuVersion: string | undefined;
function qemuVersionLine(): string {
  qemuVersion ??= (spawnSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).stdout ?? '').split('\n')[0]!.trim();
  return qemuVersion;
}

/**
 * Saved VM states in the user cache (`~/.cache/labkit/snapshots`), one
 * folder per machine configuration. A folder's name holds a digest of
 * everything the state depends on: the image's files (path, size, mtime of
 * kernel, initrd, root disk), its boot script, the QEMU version, the
 * accelerator, RAM, CPUs, translation cache and kernel command line. A
 * changed image, kernel or QEMU gives a new name: the old state is never
 * restored, and is removed when its replacement is saved.
 */
export class SavedStates {
  readonly root: string;
  #making = new Map<string, Promise<SavedState>>();

  constructor(root = path.join(cacheDir(), 'snapshots')) {
    this.root = root;
  }

  /** The digest inputs for `config` (tests and `lab image list` read them). */
  async inputs(config: SavedStateConfig): Promise<Record<string, unknown>> {
    const file = async (p: string | undefined) => {
      if (!p) return undefined;
      const s = await stat(p);
      return `${p}:${s.size}:${Math.round(s.mtimeMs)}`;
    };
    const { image } = config;
    return {
      layout: LAYOUT_VERSION,
      qemu: qemuVersionLine(),
      image: { kind: image.kind, digest: image.digest, kernel: await file(image.kernel), initrd: await file(image.initrd), rootfs: await file(image.rootfs), boot: image.boot ?? null },
      machine: {
        accel: config.accel,
        memoryMiB: config.memoryMiB,
        cpus: config.cpus,
        tbSizeMiB: config.tbSizeMiB,
        cmdline: kernelCmdline({ name: SAVED_HOSTNAME, accel: config.accel, image: config.image }),
        services: config.services,
      },
    };
  }

  /** The folder `config`'s state lives in (whether or not it exists yet). */
  async locate(config: SavedStateConfig): Promise<SavedState> {
    const inputs = await this.inputs(config);
    const machine = digest(JSON.stringify(inputs['machine'])).slice(0, 8);
    const key = `${config.image.kind}-${machine}-${digest(JSON.stringify(inputs)).slice(0, 16)}`;
    return layout(path.join(this.root, key), key, config);
  }

  /**
   * The saved state for `config`, made by `save(into)` when there is none
   * (once per process for concurrent callers; across processes the first
   * folder renamed into place wins). `save` boots a machine and saves it into
   * the given temporary layout.
   */
  async ensure(config: SavedStateConfig, save: (into: SavedState) => Promise<void>): Promise<{ state: SavedState; made: boolean }> {
    const found = await this.locate(config);
    if (existsSync(path.join(found.dir, 'meta.json'))) return { state: found, made: false };
    let making = this.#making.get(found.key);
    if (!making) {
      making = this.#make(found, config, save);
      this.#making.set(found.key, making);
      making.finally(() => this.#making.delete(found.key)).catch(() => {}); // the failure reaches the callers awaiting `making`
      return { state: await making, made: true };
    }
    return { state: await making, made: false };
  }

  /** Removes a state that failed to restore, so the next `ensure` makes it again. */
  async discard(state: SavedState): Promise<void> {
    await rm(state.dir, { recursive: true, force: true });
  }

  async #make(target: SavedState, config: SavedStateConfig, save: (into: SavedState) => Promise<void>): Promise<SavedState> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    const work = path.join(this.root, `.tmp-${target.key}-${randomBytes(4).toString('hex')}`);
    await mkdir(work, { mode: 0o700 });
    try {
      const into = layout(work, target.key, config);
      // The saved machine writes to its own copy of the root disk: those writes are part of its state.
      if (into.disk) await run('cp', ['--sparse=always', config.image.rootfs!, into.disk]);
      const started = Date.now();
      await save(into);
      await writeFile(path.join(work, 'meta.json'), JSON.stringify({ inputs: await this.inputs(config), savedAt: new Date().toISOString(), saveSeconds: (Date.now() - started) / 1000 }, null, 2));
      try {
        await rename(work, target.dir);
      } catch (error) {
        // Another process saved the same configuration first: use theirs.
        if (!existsSync(path.join(target.dir, 'meta.json'))) throw error;
      }
      await this.#removeStale(target);
      return target;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** Other states of the same image kind and machine configuration are stale (their image, kernel or QEMU changed). */
  async #removeStale(current: SavedState): Promise<void> {
    const prefix = current.key.slice(0, current.key.lastIndexOf('-') + 1);
    for (const name of await readdir(this.root).catch(() => [] as string[])) {
      if (name.startsWith(prefix) && name !== current.key) await rm(path.join(this.root, name), { recursive: true, force: true });
    }
  }
}

function layout(dir: string, key: string, config: SavedStateConfig): SavedState {
  return {
    dir,
    key,
    state: path.join(dir, 'state'),
    ram: path.join(dir, 'ram'),
    ...(config.image.rootfs ? { disk: path.join(dir, 'disk.raw') } : {}),
  };
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
