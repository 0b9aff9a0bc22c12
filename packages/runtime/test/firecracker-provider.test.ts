import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FirecrackerApi, FirecrackerProvider, connectVsock } from '@labkit/runtime';

// Firecracker cannot run on these hosts (no binary in the registries, KVM
// guests never boot). Its API client is tested against a fake Firecracker:
// an HTTP server on a Unix socket that answers like the documented API.
// The real provider's refusal to run here is tested for real.
let dir: string;
const servers: Array<http.Server | net.Server> = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function fakeFirecracker(fail?: { path: string; status: number; fault: string }) {
  dir = mkdtempSync(path.join(os.tmpdir(), 'labkit-fc-test-'));
  const socketPath = path.join(dir, 'api.sock');
  const requests: Array<{ method: string; path: string; body: unknown; contentType: string | undefined }> = [];
  let started = false;
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      const body = text ? JSON.parse(text) : undefined;
      requests.push({ method: req.method!, path: req.url!, body, contentType: req.headers['content-type'] });
      if (fail && req.url === fail.path) {
        res.writeHead(fail.status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ fault_message: fail.fault }));
        return;
      }
      // Like Firecracker: pre-boot resources are refused once the VM runs.
      if (started && req.url !== '/actions') {
        res.writeHead(400).end(JSON.stringify({ fault_message: 'The requested operation is not supported after starting the microVM.' }));
        return;
      }
      if (req.url === '/actions' && (body as { action_type: string }).action_type === 'InstanceStart') started = true;
      res.writeHead(204).end();
    });
  });
  servers.push(server);
  return new Promise<{ api: FirecrackerApi; requests: typeof requests }>((resolve) => server.listen(socketPath, () => resolve({ api: new FirecrackerApi(socketPath), requests })));
}

describe('Firecracker API client (fake Firecracker on a Unix socket)', () => {
  it('sends the documented start sequence, in order, as JSON', async () => {
    const { api, requests } = await fakeFirecracker();
    await api.configureAndStart({
      kernelImagePath: '/img/vmlinux',
      initrdPath: '/img/initrd.cpio',
      bootArgs: 'console=ttyS0 labkit.channel=vsock',
      vcpuCount: 1,
      memSizeMib: 256,
      rootfsPath: '/img/rootfs.ext4',
      vsockUdsPath: '/run/v.sock',
    });
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'PUT /boot-source',
      'PUT /machine-config',
      'PUT /drives/rootfs',
      'PUT /vsock',
      'PUT /actions',
    ]);
    expect(requests.every((r) => r.contentType === 'application/json')).toBe(true);
    expect(requests[0]!.body).toEqual({ kernel_image_path: '/img/vmlinux', boot_args: 'console=ttyS0 labkit.channel=vsock', initrd_path: '/img/initrd.cpio' });
    expect(requests[1]!.body).toEqual({ vcpu_count: 1, mem_size_mib: 256, smt: false });
    expect(requests[2]!.body).toEqual({ drive_id: 'rootfs', path_on_host: '/img/rootfs.ext4', is_root_device: false, is_read_only: true });
    expect(requests[3]!.body).toEqual({ guest_cid: 3, uds_path: '/run/v.sock' });
    expect(requests[4]!.body).toEqual({ action_type: 'InstanceStart' });
    await api.shutdown();
    expect(requests.at(-1)).toMatchObject({ path: '/actions', body: { action_type: 'SendCtrlAltDel' } });
  });

  it('turns a fault into a catalogued error that carries fault_message', async () => {
    const { api, requests } = await fakeFirecracker({ path: '/machine-config', status: 400, fault: 'Invalid mem_size_mib' });
    await expect(api.configureAndStart({ kernelImagePath: '/k', bootArgs: '', vcpuCount: 1, memSizeMib: 0, vsockUdsPath: '/v' })).rejects.toMatchObject({
      code: 'FirecrackerApi',
      message: 'PUT /machine-config answered 400: Invalid mem_size_mib',
    });
    expect(requests.map((r) => r.path)).toEqual(['/boot-source', '/machine-config']); // stops at the first fault
  });

  it('opens a guest vsock port with the hybrid vsock CONNECT handshake', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'labkit-fc-test-'));
    const uds = path.join(dir, 'v.sock');
    const server = net.createServer((socket) => {
      socket.once('data', (d) => {
        expect(d.toString()).toBe('CONNECT 1024\n');
        socket.write('OK 1073741824\nfirst bytes');
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(uds, r));
    const socket = await connectVsock(uds, 1024);
    const got = await new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString())).resume());
    expect(got).toBe('first bytes'); // bytes after the OK line belong to the stream
    socket.destroy();
  });
});

describe('Firecracker provider on this host', () => {
  it('refuses to provision, saying why', async () => {
    const provider = new FirecrackerProvider({ binary: '/nonexistent/firecracker' });
    expect(await provider.unavailableReason()).toBe('no `firecracker` binary on PATH');
    await expect(provider.provision({ machines: [{ name: 'vm' }] })).rejects.toMatchObject({ code: 'ProviderUnavailable' });
  });
});
