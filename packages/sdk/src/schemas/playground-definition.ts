import { z } from 'zod';
import { machineFields, networkSchema, tabSchema } from './playground.ts';
import { tasksSchema } from './task.ts';

/*
 * A playground definition: the platform's playground manifest (`kind:
 * playground`, machines, tabs, networks, init tasks and init conditions)
 * plus what a local image build needs (`build:`). Content picks one with
 * `playground: { name: <definition name> }`. Limits are checked only where
 * the format reference states them (10 startup files per machine); the rest
 * of the manifest stays loose, as the platform documents no more.
 */

/** A disk of a machine (platform manifest); Labkit boots the image its `build:` makes instead. */
export const driveSchema = z.looseObject({
  /**
   * Where the disk's content comes from (an OCI image on the platform).
   * @example "oci://ghcr.io/iximiuz/labs/rootfs:debian-docker"
   */
  source: z.string().min(1).optional(),
  /**
   * Mount point in the machine.
   * @example "/"
   */
  mount: z.string().min(1).optional(),
  /**
   * Disk size with a unit suffix.
   * @example "40Gi"
   */
  size: z.string().optional(),
});

/** One machine of a playground definition: a content machine plus its kernel and drives. */
export const definitionMachineSchema = z.looseObject({
  ...machineFields,
  /**
   * Kernel the machine boots (platform manifest); Labkit always boots Debian's cloud kernel.
   * @example "oci://ghcr.io/iximiuz/labs/kernels:6.1"
   */
  kernel: z.string().optional(),
  /**
   * Disks of the machine (platform manifest).
   * @example [{ "source": "oci://ghcr.io/iximiuz/labs/rootfs:debian-docker", "mount": "/", "size": "40Gi" }]
   */
  drives: z.array(driveSchema).optional(),
});

/** One value an init condition offers the learner before the playground starts. */
export const initConditionValueSchema = z.looseObject({
  /**
   * Name init tasks read the value by.
   * @example "K8S_VERSION"
   */
  key: z.string().min(1),
  /**
   * Value used when the learner picks none.
   * @example "1.31"
   */
  default: z.string().optional(),
  /**
   * The value may be left empty.
   * @example false
   */
  nullable: z.boolean().optional(),
  /**
   * Values to choose from.
   * @example ["1.30", "1.31"]
   */
  options: z.array(z.string()).optional(),
});

/** A service the image starts at boot, before the playground counts as ready. */
export const serviceSchema = z.looseObject({
  /**
   * Service name (logs go to `/var/log/<name>.log`).
   * @example "dockerd"
   */
  name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/),
  /**
   * Command line, run by `bash -c` as root in its own session.
   * @example "dockerd --host=unix:///run/docker.sock"
   */
  run: z.string().min(1),
  /**
   * Shell test that exits 0 once the service is up; boot waits for it (up to `timeout_seconds`).
   * @example "docker info >/dev/null 2>&1"
   */
  ready: z.string().optional(),
  /**
   * Seconds to wait for `ready`.
   * @example 60
   */
  timeout_seconds: z.number().int().positive().max(600).optional(),
});

/** Container image recipes Labkit can make offline, from Debian packages. */
export const builtinContainerImages = ['debian', 'busybox', 'nginx'] as const;

/** A container image made at image build time from Debian packages and pushed to the playground registry. */
export const containerImageSchema = z.looseObject({
  /**
   * Repository and tag in the playground registry.
   * @example "tools:1"
   */
  name: z.string().regex(/^[a-z0-9]+(?:[._/-][a-z0-9]+)*(?::[A-Za-z0-9_.-]+)?$/),
  /**
   * Debian packages in the image (a `mmdebstrap --variant=essential` root plus these).
   * @example ["curl", "jq"]
   */
  packages: z.array(z.string().min(1)).optional(),
  /**
   * Command the image runs (`CMD`).
   * @example ["sleep", "infinity"]
   */
  cmd: z.array(z.string()).optional(),
});

/** What `lab image build` makes for the playground: Labkit's extension of the manifest. */
export const imageBuildSchema = z.looseObject({
  /**
   * Root file system: `busybox` (an initramfs, nothing else to build) or `debian` (Debian 12 via mmdebstrap).
   * @example "debian"
   */
  rootfs: z.enum(['busybox', 'debian']),
  /**
   * Debian packages to install (`debian` only).
   * @example ["docker.io", "containerd"]
   */
  packages: z.array(z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/)).optional(),
  /**
   * Script run by bash as root inside the new root at image build time (`debian` only).
   * @example "usermod -aG docker laborant"
   */
  setup: z.string().optional(),
  /**
   * Services started at boot, in order.
   * @example [{ "name": "dockerd", "run": "dockerd", "ready": "docker info" }]
   */
  services: z.array(serviceSchema).optional(),
  /**
   * Container images seeded into the playground's registry: a built-in recipe name or a recipe.
   * @example ["busybox", "nginx", { "name": "tools:1", "packages": ["curl"] }]
   */
  images: z.array(z.union([z.enum(builtinContainerImages), containerImageSchema])).optional(),
  /**
   * Root disk size (`debian`), with a unit suffix.
   * @example "4Gi"
   */
  diskSize: z.string().regex(/^\d+(?:Mi|Gi)$/).optional(),
});

/** The playground itself: machines, networks, tabs, init tasks. */
export const playgroundSpecSchema = z.looseObject({
  /**
   * Machines, in boot order; the first one runs tasks that name none.
   * @example [{ "name": "docker", "users": [{ "name": "laborant", "default": true }] }]
   */
  machines: z.array(definitionMachineSchema).min(1),
  /**
   * Networks of a custom topology.
   * @example [{ "name": "local", "subnet": "172.16.0.0/24" }]
   */
  networks: z.array(networkSchema).optional(),
  /**
   * Default UI tabs.
   * @example [{ "machine": "docker" }]
   */
  tabs: z.array(tabSchema).optional(),
  /**
   * Tasks run once while the playground starts, by name (as content `init: true` tasks).
   * @example { "warm_up": { "init": true, "run": "docker version" } }
   */
  initTasks: tasksSchema.optional(),
  /**
   * Values the learner may choose before the playground starts.
   * @example { "values": [{ "key": "VERSION", "default": "1" }] }
   */
  initConditions: z
    .looseObject({
      /**
       * The values.
       * @example [{ "key": "VERSION", "default": "1" }]
       */
      values: z.array(initConditionValueSchema).optional(),
    })
    .optional(),
  /**
   * `user:password` protecting the playground's registry.
   * @example "user:password"
   */
  registryAuth: z.string().optional(),
});

/**
 * A playground definition: `<name>/index.md` with `kind: playground` front
 * matter (the body describes it), or `definePlayground({...})` in a
 * `*.lab.ts`. Content uses it with `playground: { name: <name> }`.
 */
export const playgroundDefinitionSchema = z.looseObject({
  /**
   * Content kind, always `playground`.
   * @example "playground"
   */
  kind: z.literal('playground'),
  /**
   * Playground name; defaults to the folder (or `*.lab.ts` file) name.
   * @example "docker"
   */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/).optional(),
  /**
   * Base playground on the platform this one derives from (informative here).
   * @example "flexbox"
   */
  base: z.string().optional(),
  /**
   * Title shown in listings.
   * @example "Docker"
   */
  title: z.string().min(1).max(120),
  /**
   * One-paragraph description.
   * @example "Docker Engine on Debian 12."
   */
  description: z.string().max(500).optional(),
  /**
   * Categories (free text here).
   * @example ["containers"]
   */
  categories: z.array(z.string()).optional(),
  /**
   * Machines, networks, tabs and init tasks.
   * @example { "machines": [{ "name": "docker" }] }
   */
  playground: playgroundSpecSchema,
  /**
   * How `lab image build` makes the machines' image (all machines share it).
   * @example { "rootfs": "debian", "packages": ["docker.io"] }
   */
  build: imageBuildSchema,
});

/** A playground definition as an author writes it. */
export type PlaygroundDefinitionInput = z.input<typeof playgroundDefinitionSchema>;
/** A validated playground definition. */
export type PlaygroundDefinition = z.output<typeof playgroundDefinitionSchema>;
/** The build part of a definition. */
export type ImageBuild = z.output<typeof imageBuildSchema>;
/** A service of a definition. */
export type Service = z.output<typeof serviceSchema>;
/** A container image recipe. */
export type ContainerImage = z.output<typeof containerImageSchema>;
