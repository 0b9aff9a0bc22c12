import { RuntimeErrors } from '../errors.ts';
import type { MachineState } from '../provider.ts';

type Listener = (state: MachineState, detail?: string) => void;

/**
 * The state and change listeners every `Machine` keeps. Once a machine
 * reaches a terminal state it stays there: a late "ready" from a dying
 * agent must never resurrect it. Providers differ only in which states
 * are terminal (an SSH connection can be closed but never "fails" a boot).
 */
export class MachineLifecycle {
  #state: MachineState = 'booting';
  readonly #listeners = new Set<Listener>();
  readonly #terminal: ReadonlySet<MachineState>;

  constructor(terminal: readonly MachineState[] = ['stopped', 'failed']) {
    this.#terminal = new Set(terminal);
  }

  get state(): MachineState {
    return this.#state;
  }

  onChange(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The machine's agent while the machine is ready; else throws
   * `MachineDied` naming the state (booting, stopped, failed). The one guard
   * every agent call of every provider goes through.
   */
  ready<A>(agent: A | undefined, machine: string): A {
    if (!agent || this.#state !== 'ready') throw RuntimeErrors.MachineDied(machine, `machine is ${this.#state}`);
    return agent;
  }

  set(state: MachineState, detail?: string): void {
    if (this.#state === state || this.#terminal.has(this.#state)) return;
    this.#state = state;
    for (const listener of this.#listeners) listener(state, detail);
  }
}
