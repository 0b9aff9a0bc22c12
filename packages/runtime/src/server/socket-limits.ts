import type { WebSocket } from 'ws';
import type { Socket } from 'node:net';

/**
 * What one browser socket may cost the server. A socket whose peer stops
 * reading grows its send buffer (ws `bufferedAmount`) with everything we
 * send it: a terminal running `yes` would grow it without bound. Past the
 * backlog the socket is closed (the island reconnects and gets the recent
 * output replayed), so memory per socket stays under backlog + one chunk.
 *
 * Why not pause the guest instead: a machine's terminals and its checks
 * share one virtio-serial port, so holding its output back for one slow
 * tab would stall the checks and every other tab too.
 */
export const SOCKET_LIMITS = {
  /** Unsent terminal output one socket may hold. */
  terminalBacklogBytes: 1 << 20,
  /** Unsent events one events socket may hold (events are small; a healthy tab holds none). */
  eventsBacklogBytes: 256 << 10,
  /** Sockets one terminal, or one session's events, may have at once (tabs of one learner). */
  socketsPerChannel: 8,
  /** A closed slow socket whose peer does not answer the close is cut after this long. */
  closeGraceMs: 2_000,
} as const;

/** The peer did not read what it was sent (its backlog passed the limit); reconnecting is fine. */
export const CLOSE_TOO_SLOW = 4008;
/** This terminal (or these events) already has `socketsPerChannel` sockets. */
export const CLOSE_TOO_MANY = 4029;

/**
 * Sends unless the socket's backlog is over `limit`; then closes it with
 * CLOSE_TOO_SLOW (and cuts it if the close is not answered) and returns false.
 */
export function sendBounded(ws: WebSocket, data: Buffer | string, limit: number): boolean {
  if (ws.readyState !== ws.OPEN) return false;
  if (ws.bufferedAmount > limit) {
    closeSlow(ws);
    return false;
  }
  ws.send(data);
  return true;
}

/** Closes a socket whose peer does not read with CLOSE_TOO_SLOW, and cuts it if the close is not answered. */
export function closeSlow(ws: WebSocket): void {
  ws.close(CLOSE_TOO_SLOW, 'output not read fast enough');
  // The close frame waits behind the backlog the peer is not reading: cut it
  // with a TCP reset, which also drops what the kernel still holds for it. A
  // plain close (terminate) left an orphaned socket probing a zero window;
  // the kernel may give up on it silently, so the peer never saw it end,
  // and its send buffer stayed allocated until then.
  setTimeout(() => {
    const socket = (ws as unknown as { _socket?: Socket | null })._socket;
    if (ws.readyState !== ws.CLOSED && socket && !socket.destroyed) socket.resetAndDestroy();
    else ws.terminate();
  }, SOCKET_LIMITS.closeGraceMs).unref();
}
