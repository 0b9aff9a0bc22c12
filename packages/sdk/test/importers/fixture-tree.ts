import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';

/** Every file under `dir`, relative POSIX path → bytes. */
export function readTree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (abs: string, rel: string): void => {
    for (const entry of readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const childAbs = path.join(abs, entry.name);
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(childAbs, childRel);
      else out.set(childRel, readFileSync(childAbs));
    }
  };
  walk(dir, '');
  return out;
}

/** A digest of a folder: names, bytes and modification times, to prove nothing was touched. */
export function fingerprint(dir: string): string {
  const hash = createHash('sha256');
  for (const [rel, bytes] of readTree(dir)) {
    hash.update(rel).update('\0').update(bytes).update(String(statSync(path.join(dir, rel)).mtimeMs)).update('\0');
  }
  return hash.digest('hex');
}

/** Replaces `dir` with the given tree (used only with UPDATE_FIXTURES=1). */
export function writeTree(dir: string, tree: Map<string, Buffer | string>): void {
  rmSync(dir, { recursive: true, force: true });
  for (const [rel, bytes] of tree) {
    const abs = path.join(dir, ...rel.split('/'));
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, bytes);
  }
}
