import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildImage, QemuMachine, type MachineState } from '@labkit/runtime';

// Finding 5 of issue 11, in a real VM (run under the heavy lock): root in the
// guest grabs the agent's channel and writes frames into it. The agent talks
// over a virtio-serial port that the kernel lets one process open at a time
// (the agent, PID 1), but root can still duplicate PID 1's descriptor with
// pidfd_getfd(2). This program does exactly that, statically linked so the
// busybox guest can run it.
const FORGER_C = String.raw`
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
static void put32(unsigned char *b, uint32_t v) { b[0] = v >> 24; b[1] = v >> 16; b[2] = v >> 8; b[3] = v; }
int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "open";
  char p[300], link[300] = ""; int target = -1;
  DIR *d = opendir("/proc/1/fd"); struct dirent *e;
  while (d && (e = readdir(d))) {
    snprintf(p, sizeof p, "/proc/1/fd/%s", e->d_name);
    ssize_t n = readlink(p, link, sizeof link - 1);
    if (n > 0) { link[n] = 0; if (strncmp(link, "/dev/vport", 10) == 0) { target = atoi(e->d_name); break; } }
  }
  if (target < 0) { printf("no channel\n"); return 2; }
  printf("channel %s is fd %d of PID 1\n", link, target);
  if (strcmp(mode, "open") == 0) {
    int fd = open(link, O_WRONLY);
    printf("open: %s\n", fd < 0 ? strerror(errno) : "ok");
    return 0;
  }
  int pidfd = syscall(434 /* pidfd_open */, 1, 0);
  int port = syscall(438 /* pidfd_getfd */, pidfd, target, 0);
  if (port < 0) { printf("pidfd_getfd: %s\n", strerror(errno)); return 1; }
  printf("got the channel as fd %d\n", port); fflush(stdout);
  unsigned char f[22];
  for (uint32_t id = 1; id <= 100000; id++) {
    put32(f, 18); f[4] = 0x83; put32(f + 5, id); put32(f + 9, 0); put32(f + 13, 0); f[17] = 0; put32(f + 18, 1);
    if (write(port, f, sizeof f) < 0) { printf("write: %s\n", strerror(errno)); return 1; }
  }
  printf("sprayed\n");
  return 0;
}
`;

let vm: QemuMachine;
let forger: Buffer;
const states: Array<{ state: MachineState; detail?: string }> = [];
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'labkit-forger-'));
  try {
    await writeFile(path.join(dir, 'forge.c'), FORGER_C);
    execFileSync('gcc', ['-static', '-Os', '-o', path.join(dir, 'forge'), path.join(dir, 'forge.c')]);
    forger = await readFile(path.join(dir, 'forge'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  vm = await QemuMachine.boot({ name: 'forgery', image: await buildImage(), accel: 'tcg', memoryMiB: 128 });
  vm.onStateChange((state, detail) => states.push({ state, ...(detail ? { detail } : {}) }));
  await vm.copyIn({ path: '/usr/local/bin/forge', content: forger, mode: 0o755 });
}, 300_000);
afterAll(async () => {
  await vm?.dispose();
});

describe('a root process in the guest forging agent frames', () => {
  it('cannot open the agent channel a second time (virtio-serial: one opener)', async () => {
    const r = await vm.exec({ script: 'forge open', timeoutMs: 10_000 });
    expect(r.stdout).toMatch(/channel \/dev\/vport\d+p\d+ is fd \d+ of PID 1/);
    expect(r.stdout).toMatch(/open: Device or resource busy/);
  });

  it('can write into it through pidfd_getfd, and then fails the machine instead of passing a check', async () => {
    const pid = vm.pid!;
    // A check that must fail (exit 1) is in flight while the forger sprays
    // EXIT 0 frames for every request id from 1 to 100,000.
    const check = vm.exec({ script: 'sleep 5; exit 1', timeoutMs: 30_000 });
    const forging = vm.exec({ script: 'forge spray', timeoutMs: 30_000 });
    forging.catch(() => {});
    await expect(check).rejects.toMatchObject({ code: 'AgentProtocol', message: expect.stringMatching(/never issued/) });
    await expect(forging).rejects.toMatchObject({ code: 'AgentProtocol' });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(vm.state).toBe('failed');
    expect(states.at(-1)).toMatchObject({ state: 'failed', detail: expect.stringMatching(/sent a frame the host refuses .*never issued/) });
    expect(alive(pid)).toBe(false);
  }, 60_000);
});
