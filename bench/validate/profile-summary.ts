import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The phase a stack belongs to, by the innermost SDK frame that names one. */
function phaseOf(stack: string): string {
  if (stack.startsWith('(idle)')) return 'idle';
  if (stack.startsWith('(garbage collector)')) return 'garbage collection';
  if (stack.includes('/validate/')) return 'validation rules (sdk/src/validate)';
  if (stack.includes('parse-document.ts') || stack.includes('parse-worker.ts')) return 'parsing (sdk parseDocument: yaml + remark + mdc)';
  if (stack.includes('discover.ts')) return 'file discovery';
  if (stack.includes('load-content.ts')) return 'loadContent (graph assembly, reading files)';
  if (stack.includes('format.ts')) return 'formatting diagnostics';
  return 'start-up: module loading, TypeScript stripping, other';
}

/** Self time by phase and by library, for every `.cpuprofile` in `dir` (one per thread). */
export function summarizeProfiles(dir: string): string {
  let out = '';
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort()) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const stackOf = (id: number): string => {
      const names: string[] = [];
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const cf = byId.get(cur)!.callFrame;
        names.push(`${cf.functionName || '(anonymous)'}@${cf.url}`);
      }
      return names.join(' < ');
    };
    const phases = new Map<string, number>();
    const libraries = new Map<string, number>();
    let total = 0;
    profile.samples.forEach((id, i) => {
      const dt = (profile.timeDeltas[i] ?? 0) / 1000;
      total += dt;
      const phase = phaseOf(stackOf(id));
      phases.set(phase, (phases.get(phase) ?? 0) + dt);
      const url = byId.get(id)!.callFrame.url;
      const lib = url.includes('node_modules/')
        ? url.replace(/.*node_modules\//, '').split('/')[0]!
        : url.includes('/packages/')
          ? url.replace(/.*\/packages\//, 'packages/').split('/').slice(0, 4).join('/')
          : url || byId.get(id)!.callFrame.functionName;
      libraries.set(lib, (libraries.get(lib) ?? 0) + dt);
    });
    out += `  ${file}: ${total.toFixed(0)} ms sampled\n`;
    for (const [k, ms] of [...phases].sort((a, b) => b[1] - a[1])) out += `    ${ms.toFixed(0).padStart(6)} ms  ${k}\n`;
    out += '    by library (self time, top 8):\n';
    for (const [k, ms] of [...libraries].sort((a, b) => b[1] - a[1]).slice(0, 8)) out += `    ${ms.toFixed(0).padStart(6)} ms  ${k}\n`;
  }
  return out;
}
