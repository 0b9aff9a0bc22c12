// Build folders of killed builds: real child processes make a build folder
// with the function lab image build uses and are SIGKILLed; the next build
// (makeBuildFolder) or lab image prune removes exactly the folders whose
// owner is gone, and never follows a symlink.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { makeBuildFolder, OWNER_FILE, processOwner, sweepBuildFolders, UNOWNED_STALE_MS } from '../../src/image/build-folder.ts';
import { pruneImages } from '../../src/index.ts';

const moduleUrl = pathToFileURL(fileURLToPath(new URL('../../src/image/build-folder.ts', import.meta.url))).href;
const root = mkdtempSync(path.join(os.tmpdir(), 'labkit-build-folders-'));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function freshCache(): { cache: string; images: string } {
  const cache = path.join(root, `cache-${n++}`);
  const images = path.join(cache, 'images');
  mkdirSync(images, { recursive: true });
  return { cache, images };
}

/** A separate Node process that makes a build folder with the real function, prints it, and then works until killed. */
async function builder(images: string): Promise<{ child: ChildProcess; dir: string }> {
  const script = `const m = await import(${JSON.stringify(moduleUrl)}); const dir = await m.makeBuildFolder(${JSON.stringify(images)}, 'busybox'); process.stdout.write(dir + '\\n'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LABKIT_DEBUG: '' } });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d));
  const dir = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      if (out.endsWith('\n')) resolve(out.trim());
    });
    child.on('exit', (code) => reject(new Error(`builder exited (${code}): ${err}`)));
  });
  return { child, dir };
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

const buildFolders = (images: string) => readdirSync(images).filter((f) => f.startsWith('.build-')).sort();

describe('build folders of killed builds', () => {
  it('a live build keeps its folder through prune; once SIGKILLed, prune removes it', async () => {
    const { cache, images } = freshCache();
    const { child, dir } = await builder(images);
    expect(path.dirname(dir)).toBe(images);
    expect(path.basename(dir)).toMatch(/^\.build-busybox-/);
    const owner = JSON.parse(readFileSync(path.join(dir, OWNER_FILE), 'utf8')) as { pid: number; startTime: string; bootId: string };
    expect(owner.pid).toBe(child.pid);
    expect(owner).toEqual(await processOwner(child.pid!));
    writeFileSync(path.join(dir, 'rootfs.partial'), Buffer.alloc(64 * 1024, 1));

    expect((await pruneImages({ cache })).buildFolders).toEqual([]);
    expect(existsSync(path.join(dir, 'rootfs.partial'))).toBe(true);

    await kill(child);
    expect((await pruneImages({ cache })).buildFolders).toEqual([path.basename(dir)]);
    expect(existsSync(dir)).toBe(false);
  });

  it('the next build removes the folder a SIGKILLed build left, and keeps a live one', async () => {
    const { images } = freshCache();
    const dead = await builder(images);
    const live = await builder(images);
    await kill(dead.child);
    const mine = await makeBuildFolder(images, 'docker');
    expect(buildFolders(images)).toEqual([path.basename(live.dir), path.basename(mine)].sort());
    // This process's own folder is live for the other builds too.
    expect(await sweepBuildFolders(images)).toEqual([]);
    await kill(live.child);
    expect(await sweepBuildFolders(images)).toEqual([path.basename(live.dir)]);
    expect(buildFolders(images)).toEqual([path.basename(mine)]);
  });

  it('a reused pid (other start time) or another boot is not the owner', async () => {
    const { images } = freshCache();
    const me = (await processOwner(process.pid))!;
    expect(me.startTime).toMatch(/^\d+$/);
    expect(me.bootId).toMatch(/^[0-9a-f-]{36}$/);
    const record = (name: string, owner: object) => {
      mkdirSync(path.join(images, name));
      writeFileSync(path.join(images, name, OWNER_FILE), JSON.stringify(owner));
    };
    record('.build-a-same', me);
    record('.build-b-reused', { ...me, startTime: String(Number(me.startTime) + 1) });
    record('.build-c-reboot', { ...me, bootId: '00000000-0000-0000-0000-000000000000' });
    record('.build-d-garbage', { pid: 'x' }); // no valid record: judged by age, fresh
    expect(await sweepBuildFolders(images)).toEqual(['.build-b-reused', '.build-c-reboot']);
    expect(buildFolders(images)).toEqual(['.build-a-same', '.build-d-garbage']);
  });

  it('a folder without an owner record (older builds) is stale only after a day', async () => {
    const { cache, images } = freshCache();
    mkdirSync(path.join(images, '.build-docker-new'));
    mkdirSync(path.join(images, '.build-docker-old'));
    const old = (Date.now() - UNOWNED_STALE_MS - 60_000) / 1000;
    utimesSync(path.join(images, '.build-docker-old'), old, old);
    await pruneImages({ cache });
    expect(buildFolders(images)).toEqual(['.build-docker-new']);
  });

  it('unlinks a .build-* symlink without following it, and removes a stale folder without following links inside', async () => {
    const { cache, images } = freshCache();
    const outside = path.join(root, `outside-${n++}`);
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'precious'), 'keep me');
    symlinkSync(outside, path.join(images, '.build-evil'));
    // A killed build's folder holding a link to the same place, and an owner.json that is a link.
    const { child, dir } = await builder(images);
    await kill(child);
    symlinkSync(outside, path.join(dir, 'link'));
    const linked = path.join(images, '.build-linked-owner');
    mkdirSync(linked);
    symlinkSync(path.join(dir, OWNER_FILE), path.join(linked, OWNER_FILE));

    await pruneImages({ cache });
    expect(() => lstatSync(path.join(images, '.build-evil'))).toThrow(/ENOENT/);
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(outside)).toEqual(['precious']);
    expect(readFileSync(path.join(outside, 'precious'), 'utf8')).toBe('keep me');
    // An owner.json that is a symlink is no record: a fresh folder stays.
    expect(buildFolders(images)).toEqual(['.build-linked-owner']);
  });
});
