import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { findFrontMatter } from '../parse/front-matter.ts';
import { playgroundDefinitionSchema, type PlaygroundDefinition } from '../schemas/playground-definition.ts';

/** A playground definition found in the content or shipped with Labkit. */
export interface PlaygroundEntry {
  name: string;
  definition: PlaygroundDefinition;
  /** `builtin`: `packages/sdk/playgrounds/<name>/index.md`; `local`: an item of the content graph. */
  source: 'builtin' | 'local';
  /** Absolute path of the defining file (built-ins) or the path relative to the content root (local). */
  file: string;
}

/**
 * The built-in catalogue: ordinary definition files (`<name>/index.md`) an
 * author can copy into a repository and change. Sources and dist both sit two
 * folders below the package root, so one relative URL serves both.
 */
export const builtinPlaygroundsDir = fileURLToPath(new URL('../../playgrounds/', import.meta.url));

let memo: Map<string, PlaygroundEntry> | undefined;

/** The built-in definitions by name (read and checked once per process). */
export function builtinPlaygrounds(): Map<string, PlaygroundEntry> {
  if (memo) return memo;
  const out = new Map<string, PlaygroundEntry>();
  for (const name of readdirSync(builtinPlaygroundsDir).sort()) {
    const file = join(builtinPlaygroundsDir, name, 'index.md');
    const source = readFileSync(file, 'utf8');
    const fm = findFrontMatter(source);
    // A broken built-in is a Labkit bug; the sdk test parses every one.
    const definition = playgroundDefinitionSchema.parse(fm ? parseYaml(source.slice(fm.yamlStart, fm.yamlEnd)) : undefined);
    out.set(name, { name, definition, source: 'builtin', file });
  }
  memo = out;
  return out;
}

/**
 * Names from the iximiuz Labs catalogue that Labkit cannot provide, with the
 * closest local playground. Content naming one validates with a warning (it
 * still runs on the platform), and the local runtime offers the suggestion.
 */
export const platformOnlyPlaygrounds: Readonly<Record<string, string>> = {
  k3s: 'docker',
  'k3s-bare': 'docker',
  k8s: 'docker',
  'k8s-omni': 'docker',
  kubernetes: 'docker',
  'kubernetes-omni': 'docker',
  kind: 'docker',
  minikube: 'docker',
  k0s: 'docker',
  nomad: 'docker',
  'docker-swarm': 'docker-multi',
  podman: 'docker',
  containerd: 'docker',
  nerdctl: 'docker',
  flexbox: 'docker-multi',
  ubuntu: 'debian',
  'ubuntu-22-04': 'debian',
  'ubuntu-24-04': 'debian',
  'ubuntu-24-10': 'debian',
  'debian-trixie': 'debian',
  'debian-sid': 'debian',
  fedora: 'debian',
  alpine: 'busybox',
  'rocky-linux': 'debian',
  almalinux: 'debian',
  'arch-linux': 'debian',
  'opensuse-leap': 'debian',
  centos: 'debian',
  golang: 'debian',
  python: 'debian',
  nodejs: 'debian',
  rust: 'debian',
  java: 'debian',
  dev: 'debian',
};
