import { readdirSync } from 'node:fs';
import path from 'node:path';

/** Every `.md` file under `dir` (node_modules left out), sorted, as absolute paths. */
export function markdownFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const abs = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== 'node_modules') out.push(...markdownFiles(abs));
    else if (e.isFile() && e.name.endsWith('.md')) out.push(abs);
  }
  return out.sort();
}

/** mulberry32: a small seeded generator, so a failing draw names its seed and replays. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
