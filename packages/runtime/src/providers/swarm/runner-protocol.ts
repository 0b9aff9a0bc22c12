import { createHash, timingSafeEqual } from 'node:crypto';
import type net from 'node:net';

/**
 * The wire between `lab serve` and a session's runner (the container that
 * boots the playground's machines): newline-delimited JSON both ways over
 * TCP on the session overlay. The first line of every connection names the
 * secret and one operation; binary data travels base64 in `d`. One
 * connection per operation, so a slow terminal never holds up a check.
 *
 *   provision {spec}      → {ok, machines} then {state} changes and {ping} every second (the link);
 *                           {stopping} when the runner is stopped from outside (node drained)
 *   exec {machine, ...}   → {o, d}* then {result}
 *   spawn {machine, ...}  ← {d} {eof} {kill};  → {o, d}* then {result}
 *   terminal {machine,..} ← {d} {resize};      → {d}* then {exit}
 *   copyIn {machine, ...} → {ok}
 *   dispose               → {ok}; the runner stops its machines and exits
 */
export const RUNNER_PORT = 7070;

/** A line longer than this is a broken peer (copyIn content is capped below it). */
export const MAX_LINE_BYTES = 8 << 20;

/** The link sends a ping this often; a link silent for `LINK_DEAD_MS` is a node that went away. */
export const LINK_PING_MS = 1_000;
export const LINK_DEAD_MS = 5_000;

export interface RunnerHello {
  secret: string;
  op: 'provision' | 'exec' | 'spawn' | 'terminal' | 'copyIn' | 'dispose';
  [key: string]: unknown;
}

/** Constant-time comparison of two secrets (hashed first, so lengths do not leak either). */
export function secretMatches(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Calls `onLine` with every JSON object on the socket; a line that is too long or not an object destroys it. */
export function readLines(socket: net.Socket, onLine: (message: Record<string, unknown>) => void): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    if (buffered.length > MAX_LINE_BYTES && !buffered.includes('\n')) {
      socket.destroy();
      return;
    }
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        socket.destroy();
        return;
      }
      if (typeof message !== 'object' || message === null || Array.isArray(message)) {
        socket.destroy();
        return;
      }
      onLine(message as Record<string, unknown>);
      if (socket.destroyed) return;
    }
  });
}

export function sendLine(socket: net.Socket, message: object): void {
  if (!socket.destroyed && socket.writable) socket.write(`${JSON.stringify(message)}\n`);
}
