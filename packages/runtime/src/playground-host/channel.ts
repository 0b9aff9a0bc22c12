import { FrameReader } from '../providers/frame-reader.ts';

/**
 * Framing on a playground control connection once a command runs: `u32
 * big-endian length + type byte + payload`, both ways. Frames are capped
 * and checked per type; a peer that breaks the framing is dropped (the
 * stream cannot be re-synchronised). The peer is the same user (the socket
 * is 0600 in a 0700 folder), but a broken client must not take the
 * supervisor, and its machines, down with it.
 */
export const Chan = {
  Stdin: 0x01,
  Eof: 0x02,
  Resize: 0x03,
  Kill: 0x04,
  Stdout: 0x11,
  Stderr: 0x12,
  Exit: 0x13,
} as const;

/** Data frames carry at most this much; a larger length is a broken peer. */
export const MAX_CHANNEL_FRAME_BYTES = 1 << 20;

export type ChannelFrame =
  | { type: 'stdin' | 'stdout' | 'stderr'; data: Buffer }
  | { type: 'eof' | 'kill' }
  | { type: 'resize'; cols: number; rows: number }
  | { type: 'exit'; code: number };

export function encodeChannel(frame: ChannelFrame): Buffer[] {
  switch (frame.type) {
    case 'stdin':
    case 'stdout':
    case 'stderr': {
      const type = frame.type === 'stdin' ? Chan.Stdin : frame.type === 'stdout' ? Chan.Stdout : Chan.Stderr;
      const out: Buffer[] = [];
      for (let at = 0; at < frame.data.length; at += MAX_CHANNEL_FRAME_BYTES - 1) out.push(raw(type, frame.data.subarray(at, at + MAX_CHANNEL_FRAME_BYTES - 1)));
      return out;
    }
    case 'eof':
      return [raw(Chan.Eof, Buffer.alloc(0))];
    case 'kill':
      return [raw(Chan.Kill, Buffer.alloc(0))];
    case 'resize': {
      const b = Buffer.alloc(8);
      b.writeUInt32BE(frame.cols >>> 0, 0);
      b.writeUInt32BE(frame.rows >>> 0, 4);
      return [raw(Chan.Resize, b)];
    }
    case 'exit': {
      const b = Buffer.alloc(4);
      b.writeInt32BE(frame.code | 0);
      return [raw(Chan.Exit, b)];
    }
  }
}

function raw(type: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length + 1);
  head[4] = type;
  return Buffer.concat([head, payload]);
}

/** Incremental decoder; after the first violation it returns nothing more. */
export class ChannelDecoder {
  #reader = new FrameReader({ maxBytes: MAX_CHANNEL_FRAME_BYTES, minBytes: 1 });
  #error: string | undefined;

  push(chunk: Buffer): { frames: ChannelFrame[]; error?: string } {
    if (this.#error) return { frames: [], error: this.#error };
    const { frames: bodies, error } = this.#reader.push(chunk);
    const frames: ChannelFrame[] = [];
    for (const body of bodies) {
      const f = decodeBody(body);
      if (typeof f === 'string') {
        this.#error = f;
        return { frames, error: f };
      }
      frames.push(f);
    }
    if (error) this.#error = error;
    return error ? { frames, error } : { frames };
  }
}

function decodeBody(body: Buffer): ChannelFrame | string {
  const payload = Buffer.from(body.subarray(1));
  switch (body[0]) {
    case Chan.Stdin:
      return { type: 'stdin', data: payload };
    case Chan.Stdout:
      return { type: 'stdout', data: payload };
    case Chan.Stderr:
      return { type: 'stderr', data: payload };
    case Chan.Eof:
    case Chan.Kill:
      if (payload.length) return `${body[0] === Chan.Eof ? 'EOF' : 'KILL'} frame with ${payload.length} payload bytes`;
      return { type: body[0] === Chan.Eof ? 'eof' : 'kill' };
    case Chan.Resize:
      if (payload.length !== 8) return `RESIZE frame of ${payload.length} payload bytes (exactly 8)`;
      return { type: 'resize', cols: Math.min(payload.readUInt32BE(0), 1000), rows: Math.min(payload.readUInt32BE(4), 1000) };
    case Chan.Exit:
      if (payload.length !== 4) return `EXIT frame of ${payload.length} payload bytes (exactly 4)`;
      return { type: 'exit', code: payload.readInt32BE(0) };
    default:
      return `unknown channel frame type 0x${(body[0] ?? 0).toString(16)}`;
  }
}
