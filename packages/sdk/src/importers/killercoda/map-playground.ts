import type { categories } from '../../schemas/common.ts';
import type { DiagnosticSink } from './diagnostics.ts';
import type { SourceJson } from './source-json.ts';

type Category = (typeof categories)[number];

/** One Killercoda backend image and the Labkit playground that stands in for it. */
interface ImageMapping {
  playground: string;
  /** Machines in Killercoda host order (host01, host02...). */
  machines: string[];
  categories: Category[];
  kubernetes: boolean;
  /** What differs, said once per scenario as an info diagnostic. */
  note: string;
}

/**
 * Killercoda images (killercoda.com/creators, "Environments") → playgrounds.
 * Ubuntu maps to the `debian` playground of Labkit's own runtime (bash,
 * coreutils) so imported checks run under `lab test`, or to `docker` when the
 * scenario runs `docker` (see {@link DOCKER_CAPABLE}); Kubernetes maps to the
 * `k3s` base playground, which the local runtime does not boot.
 */
const IMAGES: Record<string, ImageMapping> = {
  ubuntu: {
    playground: 'debian',
    machines: ['debian'],
    categories: ['linux'],
    kubernetes: false,
    note: 'Killercoda image "ubuntu" (Ubuntu with Docker and Podman) maps to the Labkit playground "debian" (Debian, bash, coreutils; no Docker or Podman preinstalled).',
  },
  'ubuntu-4GB': {
    playground: 'debian',
    machines: ['debian'],
    categories: ['linux'],
    kubernetes: false,
    note: 'Killercoda image "ubuntu-4GB" maps to the Labkit playground "debian" (no Docker or Podman preinstalled; memory is the playground default).',
  },
  'kubernetes-kubeadm-1node': {
    playground: 'k3s',
    machines: ['cplane-01'],
    categories: ['kubernetes'],
    kubernetes: true,
    note: 'Killercoda image "kubernetes-kubeadm-1node" (kubeadm, host "controlplane") maps to the base playground "k3s" with its control plane "cplane-01" only; the local runtime cannot boot it, and node names differ.',
  },
  'kubernetes-kubeadm-2nodes': {
    playground: 'k3s',
    machines: ['cplane-01', 'node-01'],
    categories: ['kubernetes'],
    kubernetes: true,
    note: 'Killercoda image "kubernetes-kubeadm-2nodes" (hosts "controlplane", "node01") maps to the base playground "k3s" with "cplane-01" and "node-01"; the local runtime cannot boot it, and node names differ.',
  },
};

/**
 * Killercoda's `ubuntu` images ship Docker: a scenario on them that runs
 * `docker` gets Labkit's `docker` playground (Debian, Docker Engine, a
 * private registry), the rest stay on `debian`.
 */
const DOCKER_CAPABLE = new Set(['ubuntu', 'ubuntu-4GB']);

function dockerMapping(imageid: string, use: DockerUse): ImageMapping {
  return {
    playground: 'docker',
    machines: ['docker'],
    categories: ['linux', 'containers'],
    kubernetes: false,
    note: `Killercoda image "${imageid}" (Ubuntu with Docker and Podman) maps to the Labkit playground "docker" because the scenario runs \`${use.command}\` (${use.file}:${use.line}): Docker Engine from Debian's packages and a private registry seeded with debian, busybox and nginx (no public registry, no Podman).`,
  };
}

/** Where a scenario first runs `docker` (in a page's text or scripts). */
export interface DockerUse {
  /** Source file, relative to the import source. */
  file: string;
  line: number;
  /** The command as written, e.g. `docker run`. */
  command: string;
}

// `docker <subcommand>` or `docker-compose`/`docker compose`: a command, not the word in prose ("Docker", "the docker group").
const DOCKER_COMMAND = /(?<![\w./-])(docker(?:-compose\b|\s+(?:run|build|ps|pull|push|exec|images|image|container|compose|network|volume|logs|stop|start|restart|rm|rmi|inspect|info|version|cp|commit|tag|login|kill|top|stats|save|load|swarm|service|stack|system|buildx|create|attach|port|history)\b))/;

/** The first line of `text` that runs `docker`, if any. */
export function findDockerCommand(text: string): { line: number; command: string } | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = DOCKER_COMMAND.exec(lines[i]!);
    if (m) return { line: i + 1, command: m[1]!.replace(/\s+/g, ' ') };
  }
  return undefined;
}

export interface PlaygroundPlan {
  /** Shaped like `playgroundSchema` input; the loader validates the written file. */
  playground: {
    name: string;
    machines: Array<{ name: string; users?: Array<{ name: string; default?: boolean }>; startupFiles?: StartupFile[] }>;
    tabs?: Array<{ kind?: 'ide'; machine?: string }>;
  };
  /** Machine names in host order. */
  machines: string[];
  categories: Category[];
  kubernetes: boolean;
}

export interface StartupFile {
  path: string;
  content: string;
  append?: boolean;
  mode?: string;
}

/** `backend.imageid` (and whether the scenario runs `docker`) and `interface.layout` → a playground definition. */
export function mapPlayground(index: SourceJson, raw: Record<string, unknown>, sink: DiagnosticSink, docker?: DockerUse): PlaygroundPlan {
  const backend = (raw.backend ?? {}) as Record<string, unknown>;
  const imageid = typeof backend.imageid === 'string' ? backend.imageid : undefined;
  let mapping = imageid ? (docker && DOCKER_CAPABLE.has(imageid) ? dockerMapping(imageid, docker) : IMAGES[imageid]) : undefined;
  if (!mapping) {
    const where = imageid ? index.spanOf(['backend', 'imageid']) : index.spanOf([]);
    sink.add(index.file, where, 'killercoda:playground', 'warning', imageid
      ? `Killercoda image "${imageid}" has no known Labkit playground; the "debian" playground is used instead.`
      : 'No backend.imageid; the "debian" playground is used.');
    mapping = IMAGES.ubuntu!;
  } else {
    sink.add(index.file, index.spanOf(['backend', 'imageid']), 'killercoda:playground', 'info', mapping.note);
  }
  const machines = mapping.machines.map((name) => {
    // Killercoda scenarios run as root (their scripts write to /root, `~` is /root).
    const machine: { name: string; users: Array<{ name: string; default?: boolean }>; startupFiles?: StartupFile[] } = { name, users: [{ name: 'root', default: true }] };
    if (mapping.kubernetes && name === mapping.machines[0]) {
      // Killercoda's Kubernetes images define `k` for kubectl, and scenarios use it.
      machine.startupFiles = [{ path: '/root/.bashrc', content: 'alias k=kubectl\n', append: true }];
    }
    return machine;
  });
  const playground: PlaygroundPlan['playground'] = { name: mapping.playground, machines };

  const iface = (raw.interface ?? {}) as Record<string, unknown>;
  if (iface.layout !== undefined) {
    const layout = String(iface.layout);
    if (layout === 'ide' || layout === 'vscode' || layout === 'editor-terminal') {
      playground.tabs = [{ kind: 'ide' }, ...mapping.machines.map((machine) => ({ machine }))];
      sink.add(index.file, index.spanOf(['interface', 'layout']), 'killercoda:layout', 'info', `Layout "${layout}" became an IDE tab listed first; Labkit cannot preselect a tab.`);
    } else if (layout === 'terminal') {
      playground.tabs = mapping.machines.map((machine) => ({ machine }));
    } else {
      sink.add(index.file, index.spanOf(['interface', 'layout']), 'killercoda:layout', 'warning', `Layout "${layout}" has no Labkit tab equivalent; the default tabs are used.`);
    }
  }
  return { playground, machines: mapping.machines, categories: mapping.categories, kubernetes: mapping.kubernetes };
}
