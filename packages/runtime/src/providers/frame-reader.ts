/**
 * Splits a byte stream into frames of `u32 big-endian length + body`: the
 * guest agent's protocol and QEMU's `-netdev stream` both frame this way.
 *
 * Both peers are untrusted (a guest where the learner is root), so the
 * reader is bounded: a length outside `minBytes..maxBytes` poisons it (the
 * stream cannot be re-synchronised, so the caller must drop the peer), and
 * at most one frame (at most `maxBytes`) is ever buffered. A body that
 * arrives whole inside one chunk is returned as a view of that chunk; one
 * split across chunks is copied once into a buffer of its announced size,
 * so byte-by-byte delivery costs O(n), never a re-concatenation per chunk.
 */
export class FrameReader {
  readonly maxBytes: number;
  readonly minBytes: number;
  #header = Buffer.alloc(4);
  #headerFill = 0;
  #body: Buffer | undefined;
  #bodyFill = 0;
  #error: string | undefined;

  constructor(options: { maxBytes: number; minBytes?: number }) {
    this.maxBytes = options.maxBytes;
    this.minBytes = options.minBytes ?? 0;
  }

  /** Why the stream was rejected, once it was. */
  get error(): string | undefined {
    return this.#error;
  }

  /** Bytes held for a frame that is not complete yet. */
  get buffered(): number {
    return this.#headerFill + this.#bodyFill;
  }

  /**
   * Feeds one chunk; returns the frames it completed. Frames that came
   * before a bad length are still returned, with `error` set; every later
   * call returns no frames and the same error.
   */
  push(chunk: Buffer): { frames: Buffer[]; error?: string } {
    const frames: Buffer[] = [];
    let at = 0;
    while (!this.#error && at < chunk.length) {
      if (!this.#body) {
        let len: number;
        if (this.#headerFill === 0 && chunk.length - at >= 4) {
          len = chunk.readUInt32BE(at);
          at += 4;
        } else {
          const n = Math.min(4 - this.#headerFill, chunk.length - at);
          chunk.copy(this.#header, this.#headerFill, at, at + n);
          this.#headerFill += n;
          at += n;
          if (this.#headerFill < 4) break;
          this.#headerFill = 0;
          len = this.#header.readUInt32BE(0);
        }
        if (len > this.maxBytes || len < this.minBytes) {
          this.#error = `frame length ${len} is outside ${this.minBytes}..${this.maxBytes} bytes`;
          break;
        }
        if (chunk.length - at >= len) {
          frames.push(chunk.subarray(at, at + len));
          at += len;
          continue;
        }
        this.#body = Buffer.allocUnsafe(len);
        this.#bodyFill = 0;
      }
      const n = Math.min(this.#body.length - this.#bodyFill, chunk.length - at);
      chunk.copy(this.#body, this.#bodyFill, at, at + n);
      this.#bodyFill += n;
      at += n;
      if (this.#bodyFill === this.#body.length) {
        frames.push(this.#body);
        this.#body = undefined;
        this.#bodyFill = 0;
      }
    }
    if (this.#error) {
      this.#body = undefined;
      this.#bodyFill = 0;
      this.#headerFill = 0;
      return { frames, error: this.#error };
    }
    return { frames };
  }
}
