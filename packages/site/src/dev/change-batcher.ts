/**
 * Coalesces file-system events into batches.
 *
 * Editors save in several steps (write a temp file, rename it over the
 * original, touch a backup) and `git checkout` changes hundreds of files in
 * a few milliseconds. Re-parsing on every raw event would do redundant work
 * and could observe a half-written state, so events are collected until the
 * folder has been quiet for `quietMs` (or `maxWaitMs` passed, so a steady
 * stream of writes cannot starve the preview). A batch larger than
 * `burstThreshold` is flagged `rescan`: past that size, re-reading the whole
 * folder is both cheaper and safer than trusting every event of the storm.
 */
export type ChangeKind = 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir';

export interface ChangeBatch {
  /** Absolute paths of files added or changed (last event wins). */
  changed: string[];
  /** Absolute paths of files or folders that no longer exist. */
  removed: string[];
  /** True when the batch was a burst and the whole folder should be re-read. */
  rescan: boolean;
  /** `performance.now()` of the first event in the batch. */
  firstEventAt: number;
  /** How many raw events were coalesced. */
  eventCount: number;
}

export interface ChangeBatcherOptions {
  quietMs?: number;
  maxWaitMs?: number;
  burstThreshold?: number;
}

export class ChangeBatcher {
  readonly #quietMs: number;
  readonly #maxWaitMs: number;
  readonly #burstThreshold: number;
  readonly #onBatch: (batch: ChangeBatch) => void;
  #pending = new Map<string, ChangeKind>();
  #eventCount = 0;
  #firstEventAt = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(onBatch: (batch: ChangeBatch) => void, options: ChangeBatcherOptions = {}) {
    this.#onBatch = onBatch;
    this.#quietMs = options.quietMs ?? 15;
    this.#maxWaitMs = options.maxWaitMs ?? 250;
    this.#burstThreshold = options.burstThreshold ?? 200;
  }

  push(kind: ChangeKind, path: string): void {
    if (this.#eventCount === 0) this.#firstEventAt = performance.now();
    this.#eventCount++;
    this.#pending.set(path, kind);
    if (this.#timer) clearTimeout(this.#timer);
    const waited = performance.now() - this.#firstEventAt;
    const delay = Math.max(0, Math.min(this.#quietMs, this.#maxWaitMs - waited));
    this.#timer = setTimeout(() => this.flush(), delay);
  }

  /** Emits what is pending now (no-op when nothing is). */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.size === 0) return;
    const changed: string[] = [];
    const removed: string[] = [];
    for (const [path, kind] of this.#pending) {
      if (kind === 'add' || kind === 'change') changed.push(path);
      else if (kind === 'unlink' || kind === 'unlinkDir') removed.push(path);
      // addDir carries no content of its own: its files arrive as `add`.
    }
    const batch: ChangeBatch = {
      changed,
      removed,
      rescan: this.#pending.size > this.#burstThreshold,
      firstEventAt: this.#firstEventAt,
      eventCount: this.#eventCount,
    };
    this.#pending = new Map();
    this.#eventCount = 0;
    this.#onBatch(batch);
  }

  dispose(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending.clear();
  }
}
