import type { WebSocket } from 'ws';
import type { Machine, Terminal } from '../provider.ts';
import { closeReason } from './close-reason.ts';
import { CLOSE_TOO_MANY, SOCKET_LIMITS, closeSlow } from './socket-limits.ts';

/** Output kept for a tab that (re)connects: enough to redraw a screen or two. */
const SCROLLBACK_BYTES = 128 * 1024;

/**
 * One tab's output not yet sent. A tab has one frame in flight at a time;
 * what the guest prints meanwhile is joined into the next frame. The guest
 * prints in small pieces (tens of bytes per read under `yes`), and queueing
 * each piece as its own frame cost ws and the socket ~10 bytes of heap per
 * byte of output: a tab that stopped reading held ~12 MiB of heap at its
 * 1 MiB backlog, and a guest printing one byte at a time could make that far
 * worse. Joined, the backlog costs about its own size, and a tab that reads
 * gets fewer, larger frames.
 */
interface Tab {
  pending: Buffer[];
  pendingBytes: number;
  inFlight: boolean;
}

/** Each attached socket's tab (the channel's #sockets says which are still attached). */
const tabs = new WeakMap<WebSocket, Tab>();

/** Terminal output held for this socket and not yet given to it (beside its ws `bufferedAmount`). */
export function pendingBytes(ws: WebSocket): number {
  return tabs.get(ws)?.pendingBytes ?? 0;
}

/**
 * One machine's terminal in a session: a login shell on a guest pty that
 * outlives WebSocket connections. A reconnecting tab gets the recent output
 * replayed and keeps the same shell (and whatever runs in it). When the
 * learner exits the shell, the next keystroke opens a new one.
 *
 * Wire format on the WebSocket: server → browser binary frames are terminal
 * output; browser → server text frames are `0<keystrokes>` or
 * `1{"cols":N,"rows":M}`.
 */
export class TerminalChannel {
  readonly machine: Machine;
  readonly user: string;
  #welcome: string | undefined;
  #terminal: Terminal | undefined;
  #scrollback: Buffer[] = [];
  #scrollbackBytes = 0;
  #sockets = new Set<WebSocket>();
  #size = { cols: 80, rows: 24 };
  #closed = false;
  #onActivity: () => void;
  #onSlowClient: () => void;
  #backlogBytes: number;

  constructor(machine: Machine, options: { user: string; welcome?: string; onActivity: () => void; onSlowClient?: () => void; backlogBytes?: number }) {
    this.machine = machine;
    this.user = options.user;
    this.#welcome = options.welcome;
    this.#onActivity = options.onActivity;
    this.#onSlowClient = options.onSlowClient ?? (() => {});
    this.#backlogBytes = options.backlogBytes ?? SOCKET_LIMITS.terminalBacklogBytes;
  }

  get connections(): number {
    return this.#sockets.size;
  }

  attach(ws: WebSocket, size?: { cols: number; rows: number }): void {
    if (this.#closed) {
      ws.close(1011, 'session stopped');
      return;
    }
    if (this.#sockets.size >= SOCKET_LIMITS.socketsPerChannel) {
      ws.close(CLOSE_TOO_MANY, 'too many connections to this terminal');
      return;
    }
    // Replay first, then join: what #open() prints must reach this tab once.
    const tab: Tab = { pending: [], pendingBytes: 0, inFlight: false };
    tabs.set(ws, tab);
    if (this.#scrollbackBytes) this.#send(ws, tab, Buffer.concat(this.#scrollback));
    this.#sockets.add(ws);
    if (size) this.#size = size;
    if (!this.#terminal) this.#open();
    else if (size) this.#terminal.resize(size.cols, size.rows);
    ws.on('message', (data, isBinary) => {
      this.#onActivity();
      const text = isBinary ? (data as Buffer).toString('utf8') : data.toString();
      // A listener that throws here throws inside ws's socket reader, which
      // no one catches: a keystroke must never be able to do that.
      try {
        if (text.startsWith('0')) {
          if (!this.#terminal) this.#open();
          this.#terminal?.write(text.slice(1));
        } else if (text.startsWith('1')) {
          const parsed = parseSize(text.slice(1));
          if (parsed) {
            this.#size = parsed;
            this.#terminal?.resize(parsed.cols, parsed.rows);
          }
        }
      } catch {
        ws.close(1011, 'terminal unavailable');
      }
    });
    ws.on('close', () => this.#sockets.delete(ws));
  }

  /** Kills the shell and disconnects every tab. */
  close(reason = 'session stopped'): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#terminal?.close();
    this.#terminal = undefined;
    for (const ws of this.#sockets) ws.close(1000, closeReason(reason));
    this.#sockets.clear();
  }

  #open(): void {
    if (!this.machine.openTerminal) {
      this.#emit(Buffer.from(`\r\n[${this.machine.name}: this provider has no interactive terminal]\r\n`));
      return;
    }
    if (this.#welcome && !this.#scrollbackBytes) this.#emit(Buffer.from(this.#welcome.trimEnd().replace(/\r?\n/g, '\r\n') + '\r\n'));
    const terminal = this.machine.openTerminal({
      user: this.user,
      cols: this.#size.cols,
      rows: this.#size.rows,
      onData: (chunk) => this.#emit(chunk),
      onExit: (code) => {
        if (this.#terminal !== terminal) return;
        this.#terminal = undefined;
        if (!this.#closed) this.#emit(Buffer.from(code === -1 ? '\r\n[the machine stopped]\r\n' : '\r\n[shell exited: press Enter for a new one]\r\n'));
      },
    });
    this.#terminal = terminal;
  }

  #emit(chunk: Buffer): void {
    this.#scrollback.push(chunk);
    this.#scrollbackBytes += chunk.length;
    while (this.#scrollbackBytes > SCROLLBACK_BYTES && this.#scrollback.length > 1) this.#scrollbackBytes -= this.#scrollback.shift()!.length;
    for (const ws of this.#sockets) {
      const tab = tabs.get(ws);
      if (!tab || ws.readyState !== ws.OPEN) continue;
      if (!tab.inFlight) {
        this.#send(ws, tab, chunk);
        continue;
      }
      tab.pending.push(chunk);
      tab.pendingBytes += chunk.length;
      // A tab that stops reading while the guest prints (`yes`) is cut, not buffered for.
      if (tab.pendingBytes + ws.bufferedAmount > this.#backlogBytes) {
        this.#sockets.delete(ws);
        tab.pending = [];
        tab.pendingBytes = 0;
        closeSlow(ws);
        this.#onSlowClient();
      }
    }
  }

  /** Sends one frame; when the socket has taken it, what came meanwhile goes as the next one. */
  #send(ws: WebSocket, tab: Tab, data: Buffer): void {
    tab.inFlight = true;
    ws.send(data, (error) => {
      tab.inFlight = false;
      if (error || !tab.pendingBytes || ws.readyState !== ws.OPEN || !this.#sockets.has(ws)) return;
      const next = tab.pending.length === 1 ? tab.pending[0]! : Buffer.concat(tab.pending, tab.pendingBytes);
      tab.pending = [];
      tab.pendingBytes = 0;
      this.#send(ws, tab, next);
    });
  }
}

export function parseSize(text: string): { cols: number; rows: number } | undefined {
  try {
    const v = JSON.parse(text) as { cols?: unknown; rows?: unknown };
    const cols = Number(v.cols);
    const rows = Number(v.rows);
    if (Number.isInteger(cols) && Number.isInteger(rows) && cols > 0 && rows > 0 && cols <= 1000 && rows <= 500) return { cols, rows };
  } catch {
    // not a size: ignored
  }
  return undefined;
}
