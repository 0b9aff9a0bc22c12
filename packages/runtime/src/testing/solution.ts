/** One piece of a solution script, run on one machine. */
export interface SolutionChunk {
  /** Machine name, or undefined for the playground's first machine. */
  machine: string | undefined;
  user: string;
  /** Re-run the chunk until it exits 0, at most this many extra times (`retry=N`). */
  retries: number;
  script: string;
}

const SESSION = /^#\s*session:\s*(?:([\w.-]+)@)?([\w.-]+)((?:\s+\S+)*)\s*$/;

/**
 * Splits a CI solution (`solution.sh`, `.solution-NN.sh`, or the `solution`
 * field) on iximiuz-style `# session: [user@]machine [retry[=N]]` lines.
 * A script without them is one chunk, run as root on the first machine.
 */
export function splitSolution(text: string): SolutionChunk[] {
  const chunks: SolutionChunk[] = [];
  let current: SolutionChunk = { machine: undefined, user: 'root', retries: 0, script: '' };
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const line of lines) {
    const m = SESSION.exec(line);
    if (m) {
      if (current.script.trim()) chunks.push(current);
      const flags = (m[3] ?? '').trim().split(/\s+/).filter(Boolean);
      const retry = flags.find((f) => f === 'retry' || f.startsWith('retry='));
      current = {
        machine: m[2],
        user: m[1] ?? 'root',
        retries: retry ? (retry === 'retry' ? 1 : Number(retry.slice(6)) || 1) : 0,
        script: '',
      };
    } else current.script += `${line}\n`;
  }
  if (current.script.trim()) chunks.push(current);
  return chunks;
}
