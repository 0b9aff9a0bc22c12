import { InvalidArgumentError } from 'commander';

/**
 * A commander parser for a whole-number flag (`--port 0`, `--max-sessions 4`):
 * digits only (no `1e3`, `0x10`, `-1` or `2.5`), from `min` to `max`
 * inclusive. The message names the range, so `lab serve --pool -1` says what
 * it takes. One parser for every command's number flags.
 */
export function wholeNumber(range: { min?: number; max?: number; what?: string } = {}): (value: string) => number {
  const min = range.min ?? 0;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  const what = range.what ? ` (${range.what})` : '';
  const expected = max === Number.MAX_SAFE_INTEGER ? `a whole number${what}, ${min} or more` : `a whole number${what} from ${min} to ${max}`;
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max) throw new InvalidArgumentError(`expected ${expected}`);
    return n;
  };
}

/** A TCP port: 0 (any free port) to 65535. */
export const portNumber = wholeNumber({ max: 65535, what: 'a port' });
