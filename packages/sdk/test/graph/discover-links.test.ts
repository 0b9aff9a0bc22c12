// discoverFiles resolves each link target once per walk (1,000 links to one
// shared folder: one realpath): what it lists and refuses must be what
// resolving every link on its own (checkLink without the memo) gives.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLink, discoverFiles, type RefusedLink } from '../../src/graph/discover.ts';

const work = mkdtempSync(join(tmpdir(), 'labkit-discover-links-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('discoverFiles with many links', () => {
  it('does not take a target that goes back out of a linked folder (x/../b) for the plain target it reads as (b)', () => {
    // x links outside; x/../b is then outside/b, although it reads as the root's own b.
    const outside = join(work, 'dotdot-out');
    mkdirSync(join(outside, 'inner'), { recursive: true });
    mkdirSync(join(outside, 'b'));
    writeFileSync(join(outside, 'b', 'secret.md'), '# outside\n');
    const root = join(work, 'dotdot-root');
    mkdirSync(join(root, 'b'), { recursive: true });
    writeFileSync(join(root, 'b', 'index.md'), '# inside\n');
    symlinkSync(join(outside, 'inner'), join(root, 'x'));
    symlinkSync('b', join(root, 'a-plain')); // judged first: inside
    symlinkSync('x/../b', join(root, 'z-through-x')); // the same text normalized, but outside
    const refused: RefusedLink[] = [];
    const files = discoverFiles(root, refused);
    expect(files.filter((f) => f.includes('z-through-x'))).toEqual([]);
    expect(refused.map((r) => r.path)).toContain('z-through-x');
    expect(checkLink(root, join(root, 'z-through-x')).ok).toBe(false);
  });

  it('lists and refuses what resolving each link alone gives', () => {
    const outside = join(work, 'outside');
    mkdirSync(join(outside, 'assets'), { recursive: true });
    writeFileSync(join(outside, 'assets', 'a.png'), 'x');
    const root = join(work, 'root');
    mkdirSync(join(root, 'shared', 'img'), { recursive: true });
    writeFileSync(join(root, 'shared', 'img', 'b.png'), 'y');
    // Same targets written in many ways, from many folders; one folder is itself a link.
    for (let i = 0; i < 6; i++) {
      const d = join(root, 'challenges', `c-${i}`);
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'index.md'), '# c\n');
      symlinkSync(join(outside, 'assets'), join(d, 'out-abs')); // outside, absolute
      symlinkSync('../../../outside/assets', join(d, 'out-rel')); // outside, relative
      symlinkSync('../../shared/img', join(d, 'in-rel')); // inside, relative: listed
      symlinkSync(join(root, 'shared', 'img'), join(d, 'in-abs')); // inside, absolute
      symlinkSync('../../nothing', join(d, 'broken')); // leads nowhere
      symlinkSync('in-rel', join(d, 'chain')); // a link to a link
    }
    // A linked folder: its relative links resolve from where it really is.
    symlinkSync(join(root, 'challenges', 'c-0'), join(root, 'alias'));
    const refused: RefusedLink[] = [];
    const files = discoverFiles(root, refused);
    // Every link judged alone, as updateFiles does.
    const realRoot = root;
    for (const r of refused) {
      const alone = checkLink(realRoot, join(root, r.path));
      expect(alone, r.path).toEqual({ ok: false, target: r.target, reason: r.reason });
    }
    expect(refused.filter((r) => r.path.endsWith('out-abs') || r.path.endsWith('out-rel')).every((r) => r.reason === 'outside')).toBe(true);
    expect(refused.filter((r) => r.path.endsWith('broken')).every((r) => r.reason === 'broken')).toBe(true);
    expect(refused.map((r) => r.path).sort()).toEqual(
      [...Array.from({ length: 6 }, (_, i) => [`challenges/c-${i}/broken`, `challenges/c-${i}/out-abs`, `challenges/c-${i}/out-rel`]).flat(), 'alias/broken', 'alias/out-abs', 'alias/out-rel'].sort(),
    );
    for (const f of files) {
      const parts = f.split('/');
      for (let n = 1; n < parts.length; n++) {
        const at = join(root, ...parts.slice(0, n));
        const c = checkLink(realRoot, at);
        // Every folder on the way is inside (a real folder resolves to itself).
        expect(c.ok, at).toBe(true);
      }
    }
    expect(files).toContain('challenges/c-3/in-rel/b.png');
    expect(files).toContain('challenges/c-3/chain/b.png');
    expect(files).toContain('alias/in-abs/b.png');
    expect(files).toContain('alias/in-rel/b.png');
  });
});
