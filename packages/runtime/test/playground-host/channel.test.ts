import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelDecoder, encodeChannel, MAX_CHANNEL_FRAME_BYTES } from '../../src/playground-host/channel.ts';
import { playgroundStateDir } from '../../src/playground-host/state-dir.ts';

describe('playground control channel framing', () => {
  it('round-trips every frame type, byte by byte too', () => {
    const frames = [
      { type: 'stdin' as const, data: Buffer.from([0, 1, 2, 255]) },
      { type: 'eof' as const },
      { type: 'resize' as const, cols: 120, rows: 40 },
      { type: 'stdout' as const, data: Buffer.from('out') },
      { type: 'stderr' as const, data: Buffer.from('err') },
      { type: 'exit' as const, code: -1 },
      { type: 'kill' as const },
    ];
    const bytes = Buffer.concat(frames.flatMap((f) => encodeChannel(f)));
    const decoder = new ChannelDecoder();
    const got = [];
    for (const b of bytes) got.push(...decoder.push(Buffer.from([b])).frames);
    expect(got).toEqual(frames);
  });

  it('splits data larger than one frame and reassembles it', () => {
    const data = Buffer.alloc(MAX_CHANNEL_FRAME_BYTES * 2 + 5, 7);
    const parts = encodeChannel({ type: 'stdout', data });
    expect(parts.length).toBe(3);
    const { frames } = new ChannelDecoder().push(Buffer.concat(parts));
    expect(Buffer.concat(frames.map((f) => (f as { data: Buffer }).data)).equals(data)).toBe(true);
  });

  it('refuses an oversized length, an unknown type and a malformed fixed-size frame, and stays refused', () => {
    const big = Buffer.alloc(5);
    big.writeUInt32BE(MAX_CHANNEL_FRAME_BYTES + 1);
    expect(new ChannelDecoder().push(big).error).toBeTruthy();
    const unknown = Buffer.from([0, 0, 0, 1, 0x7f]);
    expect(new ChannelDecoder().push(unknown).error).toMatch(/unknown channel frame type 0x7f/);
    const shortResize = Buffer.from([0, 0, 0, 3, 0x03, 0, 1]);
    const decoder = new ChannelDecoder();
    expect(decoder.push(shortResize).error).toMatch(/RESIZE frame of 2 payload bytes/);
    // A desynchronised stream is never trusted again, even with a good frame.
    expect(decoder.push(Buffer.concat(encodeChannel({ type: 'eof' })))).toEqual({ frames: [], error: expect.any(String) });
  });
});

describe('playground state folder', () => {
  const saved = process.env.LABKIT_PLAYGROUND_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.LABKIT_PLAYGROUND_DIR;
    else process.env.LABKIT_PLAYGROUND_DIR = saved;
  });

  it('creates a 0700 folder and refuses one that others can enter', () => {
    const base = mkdtempSync(join(tmpdir(), 'labkit-state-'));
    process.env.LABKIT_PLAYGROUND_DIR = join(base, 'fresh');
    expect(playgroundStateDir()).toBe(join(base, 'fresh'));
    chmodSync(join(base, 'fresh'), 0o755);
    expect(() => playgroundStateDir()).toThrow(/not a folder of yours that only you can enter/);
  });
});
