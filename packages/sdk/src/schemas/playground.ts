import { z } from 'zod';
import { openEnum } from './common.ts';

/** CPU / memory / disk overrides, never above the base playground's limits. */
export const machineResourcesSchema = z.looseObject({
  /**
   * Number of virtual CPUs.
   * @example 1
   */
  cpuCount: z.number().int().positive().optional(),
  /**
   * Memory size with a unit suffix.
   * @example "1Gi"
   */
  ramSize: z.string().optional(),
  /**
   * Root disk size with a unit suffix.
   * @example "10Gi"
   */
  diskSize: z.string().optional(),
});

/** A file written onto the machine before it boots (up to 10 per machine). */
export const startupFileSchema = z.looseObject({
  /**
   * Absolute path of the file in the machine.
   * @example "/home/laborant/.bashrc"
   */
  path: z.string().min(1),
  /**
   * File content.
   * @example "export SOME_ENV_VAR=some-value\n"
   */
  content: z.string(),
  /**
   * Append to an existing file instead of overwriting it.
   * @example true
   */
  append: z.boolean().optional(),
  /**
   * `UID:GID` owner (default `0:0` unless `append`).
   * @example "1001:1001"
   */
  owner: z.string().optional(),
  /**
   * Octal file mode (default `0644` unless `append`).
   * @example "0755"
   */
  mode: z.union([z.string(), z.number()]).optional(),
});

/** A login user of a machine. */
export const machineUserSchema = z.looseObject({
  /**
   * User name.
   * @example "root"
   */
  name: z.string().min(1),
  /**
   * Make it the default login user of the machine.
   * @example true
   */
  default: z.boolean().optional(),
  /**
   * Welcome message printed at login; `-` disables it.
   * @example "Welcome to the control plane node."
   */
  welcome: z.string().optional(),
});

/** A network interface of a machine (custom `flexbox` topologies). */
export const machineInterfaceSchema = z.looseObject({
  /**
   * Name of the playground network the interface is attached to.
   * @example "local"
   */
  network: z.string().min(1),
  /**
   * Static address in the network.
   * @example "172.16.0.2"
   */
  address: z.string().optional(),
});

/** The fields of a machine, shared with playground definitions' machines. */
export const machineFields = {
  /**
   * Hostname of a machine of the base playground.
   * @example "dev-machine"
   */
  name: z.string().min(1),
  /**
   * Resource overrides.
   * @example { "cpuCount": 1, "ramSize": "1Gi" }
   */
  resources: machineResourcesSchema.optional(),
  /**
   * Files created before the machine boots.
   * @example [{ "path": "/etc/motd", "content": "hi\n" }]
   */
  startupFiles: z.array(startupFileSchema).max(10).optional(),
  /**
   * Login users (default user, welcome message).
   * @example [{ "name": "root", "default": true }]
   */
  users: z.array(machineUserSchema).optional(),
  /**
   * Keep the machine but forbid SSH into it (also hides its terminal tab).
   * @example true
   */
  noSSH: z.boolean().optional(),
  /**
   * Network attachment for custom topologies.
   * @example { "interfaces": [{ "network": "local", "address": "172.16.0.2" }] }
   */
  network: z
    .looseObject({
      /**
       * Interfaces of the machine.
       * @example [{ "network": "local" }]
       */
      interfaces: z.array(machineInterfaceSchema).optional(),
    })
    .optional(),
};

/** One machine of the playground; listing any machine keeps only the listed ones. */
export const machineSchema = z.looseObject({
  ...machineFields,
});

/** Tab kinds of the playground UI; `terminal` is implied when only `machine` is set. */
export const tabKinds = ['terminal', 'ide', 'kexp', 'http-port', 'web-page'] as const;

/** One UI tab of the playground. */
export const tabSchema = z.looseObject({
  /**
   * Tab kind; defaults to `terminal`.
   * @example "http-port"
   */
  kind: openEnum(tabKinds).optional(),
  /**
   * Tab title shown to the learner.
   * @example "Nginx"
   */
  name: z.string().optional(),
  /**
   * Machine the tab belongs to (terminal, http-port).
   * @example "node-01"
   */
  machine: z.string().optional(),
  /**
   * Port number to expose (http-port).
   * @example 30080
   */
  number: z.number().int().min(1).max(65535).optional(),
  /**
   * Use HTTPS to reach the port (http-port).
   * @example true
   */
  tls: z.boolean().optional(),
  /**
   * Page to embed (web-page).
   * @example "https://example.com"
   */
  url: z.url().optional(),
  /**
   * Stable tab id, usable from `:tab{id=...}`.
   * @example "nginx"
   */
  id: z.string().optional(),
});

/** A virtual network of a custom topology (`flexbox` playground). */
export const networkSchema = z.looseObject({
  /**
   * Network name that machine interfaces refer to.
   * @example "local"
   */
  name: z.string().min(1),
  /**
   * Subnet in CIDR notation.
   * @example "172.16.0.0/24"
   */
  subnet: z.string().optional(),
});

/**
 * The playground of a content item: a base playground and its customisations.
 */
export const playgroundSchema = z.looseObject({
  /**
   * Base playground name; the only required field.
   * @example "k3s"
   */
  name: z.string().min(1),
  /**
   * Machines to keep and customise (default: all machines of the base playground).
   * @example [{ "name": "dev-machine" }]
   */
  machines: z.array(machineSchema).optional(),
  /**
   * UI tabs (default: IDE, kexp for Kubernetes, one terminal per machine).
   * @example [{ "kind": "ide" }, { "machine": "dev-machine" }]
   */
  tabs: z.array(tabSchema).optional(),
  /**
   * Networks of a custom topology.
   * @example [{ "name": "local", "subnet": "172.16.0.0/24" }]
   */
  networks: z.array(networkSchema).optional(),
  /**
   * `user:password` protecting the playground's private registry.
   * @example "user:password"
   */
  registryAuth: z.string().optional(),
});

/** A playground as an author writes it. */
export type PlaygroundInput = z.input<typeof playgroundSchema>;
/** A resolved playground. */
export type Playground = z.output<typeof playgroundSchema>;
export type Machine = z.output<typeof machineSchema>;
export type Tab = z.output<typeof tabSchema>;
