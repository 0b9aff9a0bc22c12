import { globSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DiagnosticSink } from './diagnostics.ts';
import type { PlaygroundPlan, StartupFile } from './map-playground.ts';
import type { SourceJson } from './source-json.ts';
import { isSafeRelativePath, sourceFile } from './source-path.ts';
import type { StaticFiles } from './static-files.ts';
import { shQuote } from '../../util/sh-quote.ts';

/** iximiuz Labs creates at most 10 startup files per machine. */
const MAX_STARTUP_FILES = 10;
/** Startup files carry text inline in the front matter; keep them small. */
const MAX_STARTUP_BYTES = 32 * 1024;
const GLOB = /[*?[{]/;

function isText(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function mode(chmod: unknown): string | undefined {
  if (typeof chmod !== 'string') return undefined;
  if (/^[0-7]{3,4}$/.test(chmod)) return chmod.padStart(4, '0');
  if (/\+x/.test(chmod)) return '0755';
  return undefined;
}

/** Text assets past the startup-file limit, written by an init task instead. */
export interface OverflowAssets {
  machine: string;
  files: StartupFile[];
}


/** The init task script that writes overflow text assets, byte for byte. */
export function overflowScript(files: readonly StartupFile[]): string {
  const lines: string[] = [];
  for (const f of files) {
    lines.push(`mkdir -p ${shQuote(path.posix.dirname(f.path))}`);
    lines.push(`printf '%s' ${shQuote(f.content)} > ${shQuote(f.path)}`);
    if (f.mode) lines.push(`chmod ${f.mode} ${shQuote(f.path)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `details.assets` → startup files on the matching machine (text files, up
 * to 10 per machine); further text files → an init task that writes them
 * (returned, the caller names it); binary or large files →
 * `__static__/assets/...` with a warning (Labkit has no fixed URL a task
 * could fetch them from).
 */
export function mapAssets(index: SourceJson, scenarioDir: string, plan: PlaygroundPlan, staticFiles: StaticFiles, sink: DiagnosticSink): OverflowAssets[] {
  const overflow = new Map<string, StartupFile[]>();
  const details = ((index.value as Record<string, unknown>).details ?? {}) as Record<string, unknown>;
  const assets = details.assets;
  if (!assets || typeof assets !== 'object') return [];
  const assetsDir = path.join(scenarioDir, 'assets');
  for (const [host, rules] of Object.entries(assets as Record<string, unknown>)) {
    const hostNo = /^host(\d+)$/.exec(host);
    const machine = hostNo ? plan.playground.machines[Number(hostNo[1]) - 1] : undefined;
    if (!machine) {
      sink.add(index.file, index.spanOf(['details', 'assets', host], 'key'), 'killercoda:asset-host', 'warning', `Assets for "${host}" have no machine in the playground (${plan.machines.join(', ')}); they are not imported.`);
      continue;
    }
    if (!Array.isArray(rules)) continue;
    rules.forEach((rule: Record<string, unknown>, i) => {
      const where = index.spanOf(['details', 'assets', host, i]);
      const pattern = String(rule.file ?? '');
      const target = String(rule.target ?? '/root').replace(/^~(?=\/|$)/, '/root').replace(/\/+$/, '') || '/';
      const segments = pattern.split('/');
      const firstGlob = segments.findIndex((s) => GLOB.test(s));
      const prefix = firstGlob === -1 ? segments.slice(0, -1).join('/') : segments.slice(0, firstGlob).join('/');
      const matches = firstGlob === -1
        ? [pattern]
        : globSync(pattern, { cwd: assetsDir }).map((m) => m.split(path.sep).join('/')).sort();
      // Each match must be a real file inside assets/ (no `..`, absolute
      // path or symlink out), and its name a safe path under __static__/.
      const files: Array<{ rel: string; abs: string }> = [];
      const outside: string[] = [];
      for (const m of matches) {
        const found = sourceFile(assetsDir, assetsDir, m);
        if (found.ok && isSafeRelativePath(m)) files.push({ rel: m, abs: found.abs });
        else if (!found.ok && found.reason === 'missing' && isSafeRelativePath(m)) continue;
        else outside.push(m);
      }
      if (outside.length > 0) {
        sink.add(index.file, where, 'killercoda:outside-source', 'warning', `Asset "${pattern}" names ${outside.join(', ')}, outside the scenario's assets/ folder; not imported.`);
      }
      if (files.length === 0) {
        if (outside.length === 0) sink.add(index.file, where, 'killercoda:missing-file', 'warning', `Asset "${pattern}" matches no file in assets/.`);
        return;
      }
      const published: string[] = [];
      const written: string[] = [];
      for (const { rel, abs } of files) {
        const bytes = readFileSync(abs);
        const startup = (machine.startupFiles ??= []);
        const dest = path.posix.join(target, prefix ? path.posix.relative(prefix, rel) : rel);
        if (isText(bytes) && bytes.length <= MAX_STARTUP_BYTES) {
          const file: StartupFile = { path: dest, content: new TextDecoder().decode(bytes) };
          const m = mode(rule.chmod);
          if (m) file.mode = m;
          if (startup.length < MAX_STARTUP_FILES) startup.push(file);
          else {
            const list = overflow.get(machine.name) ?? [];
            overflow.set(machine.name, list);
            list.push(file);
            written.push(dest);
          }
        } else {
          staticFiles.add(abs, `assets/${rel}`);
          published.push(`${rel} → ${dest}`);
        }
      }
      if (written.length > 0) {
        sink.add(index.file, where, 'killercoda:asset-init-task', 'info', `${written.length} file(s) of "${pattern}" are past the ${MAX_STARTUP_FILES} startup files per machine; an init task writes them on ${machine.name}: ${written.join(', ')}.`);
      }
      if (published.length > 0) {
        sink.add(index.file, where, 'killercoda:asset-static', 'warning', `${published.length} file(s) of "${pattern}" cannot be startup files (binary, or over ${MAX_STARTUP_BYTES / 1024} KiB); they are in __static__/assets/ but not placed on ${machine.name}: ${published.join(', ')}.`, 'Add an init task that fetches them from the published __static__ URL.');
      }
    });
  }
  return [...overflow].map(([machine, files]) => ({ machine, files }));
}
