import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Finds the .ko files for `wanted` in an unpacked kernel package, with their
 * dependencies first. Debian ships no modules.dep (depmod runs at install
 * time), so dependencies come from each module's `.modinfo` `depends=` entry.
 */
export async function collectModules(kernelTree: string, wanted: string[]): Promise<string[]> {
  const modulesRoot = path.join(kernelTree, 'lib/modules');
  const [version] = await readdir(modulesRoot);
  const byName = new Map<string, string>();
  for (const file of await walk(path.join(modulesRoot, version!, 'kernel'))) {
    if (file.endsWith('.ko')) byName.set(normalise(path.basename(file, '.ko')), file);
  }
  const ordered: string[] = [];
  const seen = new Set<string>();
  const visit = async (name: string): Promise<void> => {
    const key = normalise(name);
    if (seen.has(key)) return;
    seen.add(key);
    const file = byName.get(key);
    if (!file) return; // built into the kernel
    for (const dep of await dependsOf(file)) await visit(dep);
    ordered.push(file);
  };
  for (const name of wanted) await visit(name);
  return ordered;
}

async function dependsOf(file: string): Promise<string[]> {
  const text = (await readFile(file)).toString('latin1');
  const match = /\0depends=([^\0]*)\0/.exec(text);
  return match?.[1] ? match[1].split(',').filter(Boolean) : [];
}

function normalise(name: string): string {
  return name.replace(/-/g, '_');
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else out.push(full);
  }
  return out;
}
