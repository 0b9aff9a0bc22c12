/**
 * Errors the tool itself raises (bad flag, missing kernel image, port in use).
 *
 * Content problems are never thrown: they are `Diagnostic`s with a place.
 * A `LabkitError` is for everything else, and always says what to do next.
 * Each package keeps its errors in one catalogue file built with
 * `defineErrors`, so the wording lives in one place and names stay stable.
 */
export interface ErrorSpec<A extends unknown[]> {
  /** Short human title, e.g. "Port in use". */
  title: string;
  /** Builds the message from the arguments given at the throw site. */
  message: (...args: A) => string;
  /** What the user should do next. */
  hint?: string | ((...args: A) => string);
}

export class LabkitError extends Error {
  /** Stable name from the catalogue, e.g. `PortInUse`. */
  readonly code: string;
  readonly title: string;
  readonly hint: string | undefined;

  constructor(code: string, title: string, message: string, hint?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LabkitError';
    this.code = code;
    this.title = title;
    this.hint = hint;
  }
}

export type ErrorFactory<A extends unknown[]> = ((...args: A) => LabkitError) & { code: string };

/**
 * Turns a catalogue of specs into factories:
 * `throw Errors.PortInUse(8080)`.
 */
export function defineErrors<C extends Record<string, ErrorSpec<any[]>>>(
  catalogue: C,
): { [K in keyof C]: C[K] extends ErrorSpec<infer A> ? ErrorFactory<A> : never } {
  const out: Record<string, ErrorFactory<unknown[]>> = {};
  for (const [code, spec] of Object.entries(catalogue)) {
    const make = (...args: unknown[]): LabkitError => {
      const hint = typeof spec.hint === 'function' ? spec.hint(...args) : spec.hint;
      return new LabkitError(code, spec.title, spec.message(...args), hint);
    };
    out[code] = Object.assign(make, { code });
  }
  return out as never;
}

export function isLabkitError(error: unknown): error is LabkitError {
  return error instanceof LabkitError;
}
