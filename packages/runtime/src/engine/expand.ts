/** Values that `x(...)` expressions read. */
export interface ExpandContext {
  needs: Record<string, { stdout: string; stderr: string }>;
  input?: string;
}

const EXPRESSION = /x\(\s*\.(needs\.([A-Za-z0-9_-]+)\.(stdout|stderr)|input)\s*\)/g;

/** True when the text uses `x(.input)` (the task waits for the learner's input). */
export function usesInput(text: string): boolean {
  return /x\(\s*\.input\s*\)/.test(text);
}

/**
 * Replaces `x(.needs.T.stdout)`, `x(.needs.T.stderr)` and `x(.input)`.
 * Output values lose their trailing newlines, like shell `$(...)`, so a
 * producer's `echo` does not leak a `\n` into the consumer. A reference to a
 * task not in `needs` is left as written (the validator reports it).
 */
export function expand(text: string, context: ExpandContext): string {
  return text.replace(EXPRESSION, (whole, _expr: string, task: string | undefined, stream: 'stdout' | 'stderr' | undefined) => {
    if (!task) return context.input ?? '';
    const produced = context.needs[task];
    return produced ? produced[stream!].replace(/\n+$/, '') : whole;
  });
}

/** `env:` entries (`NAME=value`) to a map, with expressions expanded. */
export function expandEnv(entries: readonly string[] | undefined, context: ExpandContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of entries ?? []) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    env[entry.slice(0, eq)] = expand(entry.slice(eq + 1), context);
  }
  return env;
}
