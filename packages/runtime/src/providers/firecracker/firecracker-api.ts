import http from 'node:http';
import net from 'node:net';
import { RuntimeErrors } from '../../errors.ts';

/** The machine as Firecracker's API describes it (docs/api_requests in the firecracker repo). */
export interface FirecrackerConfig {
  kernelImagePath: string;
  initrdPath?: string;
  bootArgs: string;
  vcpuCount: number;
  memSizeMib: number;
  /** ext4 root image, attached read-only (writes stay in the guest's page cache). */
  rootfsPath?: string;
  /** Host side of the hybrid vsock: Firecracker listens on this Unix socket. */
  vsockUdsPath: string;
  /** A tap device for the playground network (needs root on the host). */
  tap?: { hostDevName: string; guestMac: string };
}

/** A Firecracker API client over its Unix socket (`--api-sock`). */
export class FirecrackerApi {
  readonly socketPath: string;

  constructor(socketPath: string) {
    this.socketPath = socketPath;
  }

  request(method: 'PUT' | 'PATCH' | 'GET', path: string, body?: unknown): Promise<unknown> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          socketPath: this.socketPath,
          method,
          path,
          headers: { Accept: 'application/json', ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}) },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) return resolve(text ? JSON.parse(text) : undefined);
            let fault = text;
            try {
              fault = (JSON.parse(text) as { fault_message?: string }).fault_message ?? text;
            } catch {
              // not JSON: keep the raw body
            }
            reject(RuntimeErrors.FirecrackerApi(`${method} ${path}`, status, fault));
          });
        },
      );
      req.on('error', (error) => reject(RuntimeErrors.FirecrackerApi(`${method} ${path}`, 0, error.message)));
      req.end(payload);
    });
  }

  /**
   * The documented start sequence: boot source, machine config, drives,
   * network, vsock, then `InstanceStart`. Every call must be made before
   * the instance starts (Firecracker refuses most of them afterwards).
   */
  async configureAndStart(config: FirecrackerConfig): Promise<void> {
    await this.request('PUT', '/boot-source', {
      kernel_image_path: config.kernelImagePath,
      boot_args: config.bootArgs,
      ...(config.initrdPath ? { initrd_path: config.initrdPath } : {}),
    });
    await this.request('PUT', '/machine-config', { vcpu_count: config.vcpuCount, mem_size_mib: config.memSizeMib, smt: false });
    if (config.rootfsPath) {
      await this.request('PUT', '/drives/rootfs', { drive_id: 'rootfs', path_on_host: config.rootfsPath, is_root_device: false, is_read_only: true });
    }
    if (config.tap) {
      await this.request('PUT', '/network-interfaces/eth0', { iface_id: 'eth0', host_dev_name: config.tap.hostDevName, guest_mac: config.tap.guestMac });
    }
    await this.request('PUT', '/vsock', { guest_cid: 3, uds_path: config.vsockUdsPath });
    await this.request('PUT', '/actions', { action_type: 'InstanceStart' });
  }

  /** Asks the guest to shut down (x86: Ctrl+Alt+Del). */
  shutdown(): Promise<unknown> {
    return this.request('PUT', '/actions', { action_type: 'SendCtrlAltDel' });
  }
}

/**
 * Opens a stream to a guest vsock port through Firecracker's hybrid vsock:
 * connect to the Unix socket, send `CONNECT <port>\n`, expect `OK <n>\n`.
 */
export function connectVsock(udsPath: string, port: number, timeoutMs = 5_000): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(udsPath);
    let head = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to CONNECT ${port} on ${udsPath}`));
    }, timeoutMs);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('connect', () => socket.write(`CONNECT ${port}\n`));
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const nl = head.indexOf('\n');
      if (nl < 0) return;
      socket.off('data', onData);
      clearTimeout(timer);
      if (!head.startsWith('OK ')) {
        socket.destroy();
        return reject(new Error(`vsock CONNECT refused: ${head.slice(0, nl)}`));
      }
      const rest = Buffer.from(head.slice(nl + 1), 'latin1');
      socket.pause();
      if (rest.length) socket.unshift(rest);
      resolve(socket);
    };
    socket.on('data', onData);
  });
}
