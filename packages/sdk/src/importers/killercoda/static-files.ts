import path from 'node:path';

/**
 * The `__static__/` folder of one imported item: source file → published
 * name. Names keep the file's base name; a clash gets a numeric prefix so
 * two `logo.png` from different folders both survive.
 */
export class StaticFiles {
  readonly bySource = new Map<string, string>();
  readonly byName = new Map<string, string>();

  /** Registers an absolute source file, returns its `__static__/...` path. */
  add(absSource: string, preferred?: string): string {
    const known = this.bySource.get(absSource);
    if (known) return `__static__/${known}`;
    // No `..`, `.` or empty segment: the name becomes a path under --out.
    const wanted =
      (preferred ?? path.basename(absSource))
        .replace(/[^A-Za-z0-9._/-]/g, '-')
        .split('/')
        .filter((s) => s !== '' && s !== '.' && s !== '..')
        .join('/') || 'file';
    let name = wanted;
    for (let n = 2; this.byName.has(name); n++) {
      const dir = path.posix.dirname(wanted);
      const base = `${n}-${path.posix.basename(wanted)}`;
      name = dir === '.' ? base : `${dir}/${base}`;
    }
    this.bySource.set(absSource, name);
    this.byName.set(name, absSource);
    return `__static__/${name}`;
  }
}
