// Playground definitions: the built-in catalogue, local `kind: playground`
// items (Markdown and definePlayground), how content resolves a name, and the
// machine/user checks that need the definition.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinPlaygrounds, loadContent, playgroundDefinitionSchema, resolvePlayground, usersOf } from '../src/index.ts';

const fixture = join(import.meta.dirname, 'fixtures/playgrounds/lab');

describe('built-in playgrounds', () => {
  it('are ordinary definitions: busybox, debian, docker, docker-multi', () => {
    const all = builtinPlaygrounds();
    expect([...all.keys()]).toEqual(['busybox', 'debian', 'docker', 'docker-multi']);
    for (const entry of all.values()) expect(playgroundDefinitionSchema.safeParse(entry.definition).success).toBe(true);
    const docker = all.get('docker')!.definition;
    expect(docker.build.rootfs).toBe('debian');
    expect(docker.build.packages).toEqual(expect.arrayContaining(['docker.io', 'containerd', 'docker-registry']));
    expect(docker.playground.machines[0]?.users?.find((u) => u.default)?.name).toBe('laborant');
    expect(docker.build.setup).toContain('usermod -aG docker laborant');
    expect(usersOf(docker, 'docker')).toEqual(['root', 'laborant']);
    expect(all.get('docker-multi')!.definition.playground.machines.map((m) => m.name)).toEqual(['docker-01', 'docker-02']);
  });
});

describe('local playground definitions', () => {
  it('resolve in the graph like any item, from Markdown and from definePlayground', async () => {
    const graph = await loadContent(fixture);
    const pair = graph.byId.get('playground:web-pair');
    expect(pair?.kind).toBe('playground');
    // A definition's own `playground:` holds its machines, not a playground it runs on.
    expect(pair?.playground).toBeUndefined();
    expect(graph.byId.get('playground:tools')?.format).toBe('typescript');
    const entry = resolvePlayground(graph, 'web-pair');
    expect(entry?.source).toBe('local');
    expect(entry?.definition.playground.machines.map((m) => m.name)).toEqual(['client', 'server']);
    expect(entry?.definition.build.services?.[0]?.name).toBe('nginx');
    expect(resolvePlayground(graph, 'tools')?.definition.build.rootfs).toBe('busybox');
    expect(resolvePlayground(graph, 'docker')?.source).toBe('builtin');
  });

  it('check task users against the machine a task runs on', async () => {
    const graph = await loadContent(fixture);
    const problems = graph.diagnostics.filter((d) => d.severity !== 'info').map((d) => `${d.ruleId} ${d.file}:${d.span.start.line} ${d.message}`);
    // alice exists on client only.
    expect(problems).toEqual(['lab:unknown-user on-pair/index.md:17 Task "verify_server" runs as user "alice", who does not exist on machine "server".']);
  });
});
