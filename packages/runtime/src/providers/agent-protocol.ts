/**
 * Host side of the guest agent's framed protocol (see image/guest/agent.c).
 * Every frame is a u32 big-endian length, a type byte and a payload; output
 * bytes only ever travel inside an OUT frame whose length the agent wrote,
 * so nothing a script prints can be mistaken for a frame.
 */
export const Req = { Exec: 1, Kill: 2, Write: 3, Ping: 4, PowerOff: 5, Pty: 6, Input: 7, Resize: 8, Hostname: 9 } as const;
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

/** Incremental decoder: feed it socket chunks, get whole frames back. */
export class FrameDecoder {
  #buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): AgentFrame[] {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    const frames: AgentFrame[] = [];
    while (this.#buffer.length >= 4) {
      const len = this.#buffer.readUInt32BE(0);
      if (this.#buffer.length < 4 + len) break;
      const body = this.#buffer.subarray(4, 4 + len);
      this.#buffer = this.#buffer.subarray(4 + len);
      const decoded = decode(body);
      if (decoded) frames.push(decoded);
    }
    return frames;
  }
}

function decode(body: Buffer): AgentFrame | undefined {
  switch (body[0]) {
    case Res.Hello:
      return { type: 'hello', version: body.subarray(1).toString() };
    case Res.Out:
      return { type: 'out', id: body.readUInt32BE(1), stream: body[5] === 2 ? 'stderr' : 'stdout', data: Buffer.from(body.subarray(6)) };
    case Res.Exit:
      return { type: 'exit', id: body.readUInt32BE(1), code: body.readInt32BE(5), signal: body.readInt32BE(9), flags: body[13]!, durationMs: body.readUInt32BE(14) };
    case Res.Ack: {
      const n = body.readUInt32BE(9);
      return { type: 'ack', id: body.readUInt32BE(1), errno: body.readInt32BE(5), message: body.subarray(13, 13 + n).toString() };
    }
    default:
      return undefined;
  }
}
