import type { Playground, PlaygroundEntry } from '@labkit/sdk';
import type { PlaygroundMachine } from './catalog.ts';

/**
 * The machines a content item's playground boots: the definition's machines,
 * or the ones the content lists, in the content's order (a listed name the
 * definition lacks boots as a copy of its first machine),
 * each with its login user and startup files (the definition's, then the
 * content's), memory from `resources.ramSize`, and the image of the
 * playground. A repository's own definition travels with each machine so
 * the provider builds that image rather than a built-in of the same name.
 */
export function playgroundMachines(playground: Playground, entry: PlaygroundEntry): PlaygroundMachine[] {
  const def = entry.definition;
  const listed = playground.machines?.length ? playground.machines : undefined;
  const chosen = listed ?? def.playground.machines;
  return chosen.map((m) => {
    // A listed name the definition lacks is a copy of its first machine (a custom topology).
    const base = def.playground.machines.find((d) => d.name === m.name) ?? def.playground.machines[0]!;
    const own = listed ? m : undefined;
    const users = own?.users?.length ? own.users : base.users;
    const user = users?.find((u) => u.default) ?? users?.[0];
    const welcome = user?.welcome && user.welcome !== '-' ? user.welcome : undefined;
    const ram = ramMiB(own?.resources?.ramSize ?? base.resources?.ramSize);
    const files = [...(base.startupFiles ?? []), ...(own?.startupFiles ?? [])];
    return {
      name: m.name,
      image: playground.name,
      ...(entry.source === 'local' ? { definition: def } : {}),
      ...(ram ? { memoryMiB: ram } : {}),
      user: user?.name ?? 'root',
      ...(welcome ? { welcome } : {}),
      terminal: (own?.noSSH ?? base.noSSH) !== true,
      startupFiles: files.map((f) => ({
        path: f.path,
        content: f.content ?? '',
        ...(f.mode !== undefined ? { mode: typeof f.mode === 'string' ? parseInt(f.mode, 8) : f.mode } : {}),
        ...(f.owner ? { owner: f.owner } : {}),
        ...(f.append ? { append: true } : {}),
      })),
    };
  });
}

/** `512Mi`, `1Gi`, `1G` → MiB; undefined when absent or unreadable. */
export function ramMiB(size: string | undefined): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(Mi|M|Gi|G)?$/.exec(size ?? '');
  if (!m) return undefined;
  const n = Number(m[1]);
  return Math.round(m[2]?.startsWith('G') ? n * 1024 : n);
}
