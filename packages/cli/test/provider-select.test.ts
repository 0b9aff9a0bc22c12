// lab serve --provider and runtime.provider in lab.config.ts (real processes).
// Firecracker cannot run here (no binary, no KVM): selecting it must fail at
// once with the reason, before anything listens.
import { spawn } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lab, labBin, repoRoot, tempDir } from './helpers.ts';

function project(config?: string): string {
  const dir = join(tempDir('provider'), 'content');
  cpSync(join(repoRoot, 'examples/challenges/stop-a-runaway-process'), join(dir, 'stop-a-runaway-process'), { recursive: true });
  if (config) writeFileSync(join(dir, 'lab.config.ts'), config);
  return dir;
}

/** Starts `lab serve`, resolves with its URL line, then stops it. */
function serveUrl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [labBin, 'serve', ...args], { env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`no URL in time: ${err}`)); }, 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:\d+\S*/.exec(out);
      if (m) { clearTimeout(timer); child.kill('SIGTERM'); resolve(m[0]); }
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => { clearTimeout(timer); if (!/http:/.test(out)) reject(new Error(`exited ${code}: ${err}`)); });
  });
}

describe('selecting the VM provider', () => {
  it('lab serve --provider firecracker says why it cannot run here, before listening', async () => {
    const r = await lab(['serve', project(), '--provider', 'firecracker', '--port', '0', '--pool', '0']);
    expect(r.code).toBe(2); // a tool error, not a content one
    expect(r.stderr).toMatch(/firecracker provider cannot run on this machine: (no `firecracker` binary on PATH|\/dev\/kvm does not exist)/);
    expect(r.stdout).not.toMatch(/http:/);
  });

  it('lab serve --provider swarm without a runtime.swarm block says what is missing, before listening', async () => {
    const r = await lab(['serve', project(), '--provider', 'swarm', '--port', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/swarm provider cannot run on this machine: lab\.config\.ts has no runtime\.swarm block/);
    expect(r.stdout).not.toMatch(/http:/);
  });

  it('takes runtime.provider from lab.config.ts, and the flag wins over it', async () => {
    const dir = project(`export default { runtime: { provider: 'firecracker' } };\n`);
    const r = await lab(['serve', dir, '--port', '0', '--pool', '0']);
    expect(r.code).toBe(2); // a tool error, not a content one
    expect(r.stderr).toMatch(/firecracker provider cannot run on this machine/);
    expect(await serveUrl([dir, '--provider', 'qemu', '--port', '0', '--pool', '0'])).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
  });

  it('lab test --provider firecracker, and runtime.provider of the project it runs in, say why before booting anything', async () => {
    const dir = project();
    const r = await lab(['test', 'stop-a-runaway-process', '--provider', 'firecracker'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/firecracker provider cannot run on this machine/);
    writeFileSync(join(dir, 'lab.config.ts'), `export default { runtime: { provider: 'firecracker' } };\n`);
    const fromConfig = await lab(['test', 'stop-a-runaway-process'], { cwd: dir });
    expect(fromConfig.code).toBe(2);
    expect(fromConfig.stderr).toMatch(/firecracker provider cannot run on this machine/);
  });

  it('refuses a provider it does not know, in the flag and in the config', async () => {
    const flag = await lab(['serve', project(), '--provider', 'docker']);
    expect(flag.code).not.toBe(0);
    expect(flag.stderr).toMatch(/Allowed choices are qemu, firecracker/);
    const config = await lab(['serve', project(`export default { runtime: { provider: 'docker' } };\n`), '--port', '0']);
    expect(config.code).toBe(2);
    expect(config.stderr).toMatch(/runtime\.provider/);
  });
});
