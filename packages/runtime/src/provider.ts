import type { PlaygroundDefinition } from '@labkit/sdk';
import type { ImageKind } from './image/build-image.ts';

/** What a machine is doing; every change is also an engine event. */
export type MachineState = 'booting' | 'ready' | 'stopped' | 'failed';

/** One script execution inside a machine. */
export interface ExecRequest {
  /** Shell script, run as `/bin/sh -c <script>`. */
  script: string;
  /** Guest user (default `root`). */
  user?: string;
  /** Extra environment, on top of PATH, HOME, USER, LOGNAME, SHELL, TERM. */
  env?: Record<string, string>;
  /** Working directory (default: the user's home). */
  cwd?: string;
  /** Kill the script's whole process tree after this long. */
  timeoutMs: number;
  /** Per-stream cap; the rest is dropped and `truncated` set. Default 64 KiB. */
  maxOutputBytes?: number;
  /** Live output, as it arrives. */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

export interface ExecResult {
  /** Exit status; -1 when killed by a signal (then `signal` says which). */
  exitCode: number;
  signal?: number;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** Some output went over `maxOutputBytes` and was dropped. */
  truncated: boolean;
  durationMs: number;
}

export interface CopyInFile {
  /** Absolute path in the guest; parent folders are created. */
  path: string;
  content: string | Buffer;
  /** Default 0o644. */
  mode?: number;
  /** Default `root`. */
  owner?: string;
}

/** An interactive shell on a pty in a machine (the learner's terminal). */
export interface TerminalRequest {
  /** Guest user (default `root`); the shell is that user's login shell. */
  user?: string;
  cols: number;
  rows: number;
  env?: Record<string, string>;
  /** Terminal output, as it arrives. */
  onData: (chunk: Buffer) => void;
  /** The shell ended (exit status), or the machine went away (-1). */
  onExit: (code: number) => void;
}

export interface Terminal {
  write(data: string | Buffer): void;
  resize(cols: number, rows: number): void;
  /** Kills the shell and everything it started. */
  close(): void;
}

/** A command whose stdin the host feeds (`lab ssh -- cmd`, `lab cp`, port forwards). */
export interface SpawnRequest {
  /** Shell script, run like `ExecRequest.script`. */
  script: string;
  user?: string;
  env?: Record<string, string>;
  cwd?: string;
  /** Kill the process tree after this long; 0 (the default) never does. */
  timeoutMs?: number;
  /** Output, as it arrives; nothing is buffered for the caller. */
  onOutput: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

export interface SpawnedProcess {
  /** Bytes for the command's stdin (the agent waits up to 10 s for a reader that is slow to take them). */
  write(data: Buffer): void;
  /** Closes the command's stdin (EOF). */
  end(): void;
  /** Kills the command's whole process tree. */
  kill(): void;
  /** Settles when the command has exited and its output is closed; `stdout`/`stderr` are empty (see `onOutput`). */
  readonly result: Promise<ExecResult>;
}

/** A running machine of a playground, whatever runs it (QEMU, Firecracker, SSH). */
export interface Machine {
  readonly name: string;
  readonly state: MachineState;
  exec(request: ExecRequest): Promise<ExecResult>;
  copyIn(file: CopyInFile): Promise<void>;
  /** Opens an interactive shell (providers that cannot leave it undefined). */
  openTerminal?(request: TerminalRequest): Terminal;
  /** Starts a command with a stdin the host writes to (providers that cannot leave it undefined). */
  spawn?(request: SpawnRequest): SpawnedProcess;
  /** Called on every state change (booting → ready → stopped | failed). */
  onStateChange(listener: (state: MachineState, detail?: string) => void): () => void;
  /** Stops the machine and frees everything it held. Safe to call twice. */
  dispose(): Promise<void>;
}

export interface MachineSpec {
  /** Hostname, also the name tasks use in `machine:`. */
  name: string;
  /** Playground name whose image the machine boots (default `busybox`). */
  image?: ImageKind;
  /** The playground's definition when it is a repository's own (built-ins are found by name). */
  definition?: PlaygroundDefinition;
  memoryMiB?: number;
  cpus?: number;
  /** Address on the playground network, e.g. `10.0.0.2/24`. */
  address?: string;
}

export interface PlaygroundSpec {
  machines: MachineSpec[];
}

/** A playground's machines, provisioned together and disposed together. */
export interface RunningPlayground {
  readonly machines: readonly Machine[];
  machine(name: string): Machine;
  dispose(): Promise<void>;
}

/**
 * Where machines come from. Providers differ only in how they start a
 * machine and reach its agent; the engine sees nothing else.
 */
export interface Provider {
  readonly name: string;
  provision(spec: PlaygroundSpec): Promise<RunningPlayground>;
}
