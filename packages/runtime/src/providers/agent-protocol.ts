import { FrameReader } from './frame-reader.ts';

/**
 * Host side of the guest agent's framed protocol (see image/guest/agent.c).
 * Every frame is a u32 big-endian length, a type byte and a payload; output
 * bytes only ever travel inside an OUT frame whose length the agent wrote,
 * so nothing a script prints can be mistaken for a frame.
 */
export const Req = { Exec: 1, Kill: 2, Write: 3, Ping: 4, PowerOff: 5, Pty: 6, Input: 7, Resize: 8, Hostname: 9, Spawn: 10, CloseStdin: 11, Identity: 12 } as const;
export const Res = { Hello: 0x81, Out: 0x82, Exit: 0x83, Ack: 0x84 } as const;

export const EXIT_TIMED_OUT = 1;
export const EXIT_STDOUT_TRUNCATED = 2;
export const EXIT_STDERR_TRUNCATED = 4;
export const EXIT_FAILED_TO_START = 8;

export type AgentFrame =
  | { type: 'hello'; version: string }
  | { type: 'out'; id: number; stream: 'stdout' | 'stderr'; data: Buffer }
  | { type: 'exit'; id: number; code: number; signal: number; flags: number; durationMs: number }
  | { type: 'ack'; id: number; errno: number; message: string };

function str(value: string | Buffer): Buffer {
  const body = typeof value === 'string' ? Buffer.from(value) : value;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

function frame(type: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from([type]), ...parts]);
  return Buffer.concat([u32(body.length), body]);
}

export function encodeExec(id: number, o: { timeoutMs: number; maxOutput: number; user: string; cwd: string; script: string; env: string[] }): Buffer {
  return frame(Req.Exec, u32(id, o.timeoutMs, o.maxOutput), str(o.user), str(o.cwd), str(o.script), u32(o.env.length), ...o.env.map(str));
}
/** EXEC with a stdin pipe: INPUT frames for its id feed it, CLOSE_STDIN ends it (the agent answers as for EXEC). */
export function encodeSpawn(id: number, o: { timeoutMs: number; maxOutput: number; user: string; cwd: string; script: string; env: string[] }): Buffer {
  return frame(Req.Spawn, u32(id, o.timeoutMs, o.maxOutput), str(o.user), str(o.cwd), str(o.script), u32(o.env.length), ...o.env.map(str));
}
export function encodeCloseStdin(id: number): Buffer {
  return frame(Req.CloseStdin, u32(id));
}
export function encodeKill(id: number): Buffer {
  return frame(Req.Kill, u32(id));
}
export function encodeWrite(id: number, o: { path: string; mode: number; owner: string; content: string | Buffer }): Buffer {
  return frame(Req.Write, u32(id, o.mode), str(o.path), str(o.owner), str(o.content));
}
export function encodePing(id: number): Buffer {
  return frame(Req.Ping, u32(id));
}
export function encodeHostname(id: number, name: string): Buffer {
  return frame(Req.Hostname, u32(id), str(name));
}
/** A restored machine's own identity: hostname, wall clock, an entropy seed (credited, CRNG reseeded) and a machine-id. */
export function encodeIdentity(id: number, o: { hostname: string; epochMs: number; seed: Buffer; machineId: string }): Buffer {
  const sec = Math.floor(o.epochMs / 1000);
  const nsec = Math.round((o.epochMs - sec * 1000) * 1e6);
  return frame(Req.Identity, u32(id), str(o.hostname), u32(Math.floor(sec / 2 ** 32), sec >>> 0, nsec), str(o.seed), str(o.machineId));
}
export function encodePowerOff(): Buffer {
  return frame(Req.PowerOff);
}
/** An interactive login shell on a pty (the playground terminal); its output comes back as OUT frames. */
export function encodePty(id: number, o: { cols: number; rows: number; user: string; env: string[] }): Buffer {
  return frame(Req.Pty, u32(id, o.cols, o.rows), str(o.user), u32(o.env.length), ...o.env.map(str));
}
export function encodeInput(id: number, data: Buffer): Buffer {
  return frame(Req.Input, u32(id), data);
}
export function encodeResize(id: number, cols: number, rows: number): Buffer {
  return frame(Req.Resize, u32(id, cols, rows));
}

/**
 * The largest frame the host accepts from a guest. The agent never writes
 * more than 65,542 bytes in one frame (an OUT frame carries at most one
 * 64 KiB read); the rest is headroom, not an invitation.
 */
export const MAX_AGENT_FRAME_BYTES = 128 * 1024;

/** What a stream of guest bytes became: the frames it held, and the first protocol violation if any. */
export interface DecodeResult {
  frames: AgentFrame[];
  /** Set once the stream broke the protocol; the connection cannot be trusted after it. */
  error?: string;
}

/**
 * Incremental decoder: feed it socket chunks, get whole frames back. Every
 * frame is checked against its type's layout (a body too short or too long
 * for its type, an unknown type, a stream byte that is neither 1 nor 2 are
 * violations), frames are capped at `MAX_AGENT_FRAME_BYTES`, and after the
 * first violation the decoder returns nothing more: a desynchronised stream
 * cannot be trusted to find a frame boundary again.
 */
export class FrameDecoder {
  #reader: FrameReader;
  #error: string | undefined;

  constructor(maxFrameBytes = MAX_AGENT_FRAME_BYTES) {
    this.#reader = new FrameReader({ maxBytes: maxFrameBytes, minBytes: 1 });
  }

  push(chunk: Buffer): DecodeResult {
    if (this.#error) return { frames: [], error: this.#error };
    const { frames: bodies, error } = this.#reader.push(chunk);
    const frames: AgentFrame[] = [];
    for (const body of bodies) {
      const decoded = decode(body);
      if (typeof decoded === 'string') {
        this.#error = decoded;
        return { frames, error: decoded };
      }
      frames.push(decoded);
    }
    if (error) {
      this.#error = error;
      return { frames, error };
    }
    return { frames };
  }
}

/** One frame body (type byte + payload) to a frame, or why it is not one. */
function decode(body: Buffer): AgentFrame | string {
  const type = body[0]!;
  switch (type) {
    case Res.Hello:
      if (body.length > 257) return `HELLO frame of ${body.length} bytes (at most 257)`;
      return { type: 'hello', version: body.subarray(1).toString() };
    case Res.Out: {
      if (body.length < 6) return `OUT frame of ${body.length} bytes (at least 6)`;
      const stream = body[5];
      if (stream !== 1 && stream !== 2) return `OUT frame for stream ${stream} (1 or 2)`;
      return { type: 'out', id: body.readUInt32BE(1), stream: stream === 2 ? 'stderr' : 'stdout', data: Buffer.from(body.subarray(6)) };
    }
    case Res.Exit:
      if (body.length !== 18) return `EXIT frame of ${body.length} bytes (exactly 18)`;
      return { type: 'exit', id: body.readUInt32BE(1), code: body.readInt32BE(5), signal: body.readInt32BE(9), flags: body[13]!, durationMs: body.readUInt32BE(14) };
    case Res.Ack: {
      if (body.length < 13) return `ACK frame of ${body.length} bytes (at least 13)`;
      const n = body.readUInt32BE(9);
      if (13 + n !== body.length) return `ACK frame of ${body.length} bytes whose message says ${n} bytes`;
      return { type: 'ack', id: body.readUInt32BE(1), errno: body.readInt32BE(5), message: body.subarray(13).toString() };
    }
    default:
      return `unknown frame type 0x${type.toString(16).padStart(2, '0')}`;
  }
}
