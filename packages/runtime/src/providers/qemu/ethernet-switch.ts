import { chmod } from 'node:fs/promises';
import net from 'node:net';
import { FrameReader } from '../frame-reader.ts';

export interface EthernetSwitchOptions {
  /**
   * Largest Ethernet frame accepted (header + payload + VLAN tag). Default
   * 65,553: virtio-net's largest MTU (65,535) plus 18. QEMU's stream netdev
   * carries no offload header, so no frame can legitimately be longer.
   */
  maxFrameBytes?: number;
  /** Bytes queued towards one port that stops reading; frames beyond are dropped, like a full switch queue. Default 1 MiB. */
  maxQueuedBytes?: number;
  /** Connections accepted at once (one per machine). Default 64. */
  maxPorts?: number;
  /** Learned addresses; when full the table is emptied and the switch floods until it relearns. Default 1,024. */
  maxAddresses?: number;
}

/** The smallest frame that has a destination, a source and an EtherType. */
const MIN_FRAME = 14;

interface Port {
  id: number;
  socket: net.Socket;
  reader: FrameReader;
}

/**
 * A learning Ethernet switch for one multi-machine playground, in the host
 * process, on a unix stream socket that each machine's QEMU joins with
 * `-netdev stream,server=off,addr.type=unix,addr.path=<path>` (frames are
 * u32 big-endian length + Ethernet frame, QEMU's stream framing).
 *
 * It replaces QEMU's UDP `socket` netdev (group-address mode), whose frames
 * left the host on its real interface: nothing here touches an IP socket, so the
 * playground network cannot reach, or be reached from, any other machine.
 * A port that sends a bad length is dropped (its stream cannot be
 * re-synchronised); the others keep switching.
 */
export class EthernetSwitch {
  readonly path: string;
  /** What the switch did, for tests and metrics. */
  readonly stats = { forwarded: 0, flooded: 0, dropped: 0, rejectedPorts: 0 };
  /** Why each dropped port was dropped, newest last (at most 16 kept). */
  readonly rejections: string[] = [];
  #server: net.Server;
  #ports = new Map<number, Port>();
  #macs = new Map<number, Port>();
  #seq = 0;
  #maxFrame: number;
  #maxQueued: number;
  #maxPorts: number;
  #maxAddresses: number;

  private constructor(path: string, server: net.Server, options: EthernetSwitchOptions) {
    this.path = path;
    this.#server = server;
    this.#maxFrame = options.maxFrameBytes ?? 65_553;
    this.#maxQueued = options.maxQueuedBytes ?? 1 << 20;
    this.#maxPorts = options.maxPorts ?? 64;
    this.#maxAddresses = options.maxAddresses ?? 1_024;
    server.on('connection', (socket) => this.#attach(socket));
    server.on('error', () => {}); // accept errors (EMFILE) must not take the host process down
  }

  /** Listens on `socketPath` (its folder should be private to this user) and resolves once QEMU can connect. */
  static async listen(socketPath: string, options: EthernetSwitchOptions = {}): Promise<EthernetSwitch> {
    const server = net.createServer({ pauseOnConnect: false });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socketPath, () => resolve()));
    await chmod(socketPath, 0o600);
    return new EthernetSwitch(socketPath, server, options);
  }

  /** Machines connected right now. */
  get ports(): number {
    return this.#ports.size;
  }

  /** Disconnects every machine and stops listening. */
  async close(): Promise<void> {
    for (const port of [...this.#ports.values()]) port.socket.destroy();
    this.#ports.clear();
    this.#macs.clear();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #attach(socket: net.Socket): void {
    if (this.#ports.size >= this.#maxPorts) {
      this.#reject(undefined, socket, `more than ${this.#maxPorts} ports`);
      return;
    }
    const port: Port = { id: ++this.#seq, socket, reader: new FrameReader({ maxBytes: this.#maxFrame, minBytes: MIN_FRAME }) };
    this.#ports.set(port.id, port);
    socket.on('data', (chunk: Buffer) => {
      const { frames, error } = port.reader.push(chunk);
      for (const frame of frames) this.#switch(port, frame);
      if (error) this.#reject(port, socket, error);
    });
    socket.on('error', () => {}); // 'close' follows and detaches the port
    socket.on('close', () => this.#detach(port));
  }

  #reject(port: Port | undefined, socket: net.Socket, why: string): void {
    this.stats.rejectedPorts++;
    this.rejections.push(why);
    if (this.rejections.length > 16) this.rejections.shift();
    if (port) this.#detach(port);
    socket.destroy();
  }

  #detach(port: Port): void {
    if (!this.#ports.delete(port.id)) return;
    for (const [mac, owner] of this.#macs) if (owner === port) this.#macs.delete(mac);
  }

  #switch(from: Port, frame: Buffer): void {
    if (!this.#ports.has(from.id)) return;
    // 48-bit addresses fit a double exactly: a number key is cheaper than a string.
    const dst = frame.readUIntBE(0, 6);
    const src = frame.readUIntBE(6, 6);
    if ((frame[6]! & 1) === 0 && this.#macs.get(src) !== from) {
      if (this.#macs.size >= this.#maxAddresses) this.#macs.clear();
      this.#macs.set(src, from);
    }
    const wire = Buffer.allocUnsafe(4 + frame.length);
    wire.writeUInt32BE(frame.length, 0);
    frame.copy(wire, 4);
    const known = (frame[0]! & 1) === 0 ? this.#macs.get(dst) : undefined;
    if (known) {
      if (known !== from) this.#send(known, wire);
      this.stats.forwarded++;
      return;
    }
    this.stats.flooded++;
    for (const port of this.#ports.values()) if (port !== from) this.#send(port, wire);
  }

  #send(port: Port, wire: Buffer): void {
    if (port.socket.writableLength > this.#maxQueued || port.socket.destroyed) {
      this.stats.dropped++;
      return;
    }
    port.socket.write(wire);
  }
}
