// The shared corpus (real content from other people: the iximiuz samples, the
// Killercoda examples) lives beside the repository, in ../shared/corpus, and is
// read in place. A contributor's clone may not have it: tests that need it are
// skipped with the reason printed, instead of failing with ENOENT. CI sets
// LABKIT_REQUIRE_CORPUS=1 (.ci/lib.sh), so there a missing corpus fails loudly
// instead of skipping quietly.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import { repoRoot } from './paths.ts';


/** The corpus folder: LABKIT_CORPUS if set (relative to the repository), else ../shared/corpus. */
export const corpusDir = path.resolve(repoRoot, process.env.LABKIT_CORPUS ?? '../shared/corpus');

/** Whether the corpus is on this machine. */
export const hasCorpus = existsSync(corpusDir);

/** Why corpus tests are skipped here (empty when they run). */
export const noCorpusReason = hasCorpus ? '' : `skipped: the shared corpus is absent (${corpusDir}); set LABKIT_CORPUS to its folder to run these`;

if (!hasCorpus) {
  if (process.env.LABKIT_REQUIRE_CORPUS) throw new Error(`LABKIT_REQUIRE_CORPUS is set but the shared corpus is absent: ${corpusDir}`);
  console.warn(noCorpusReason);
}

/** A path inside the corpus (which may be absent: check hasCorpus before reading it at module level). */
export function corpusPath(...parts: string[]): string {
  return path.join(corpusDir, ...parts);
}

const title = (name: string): string => (hasCorpus ? name : `${name} [${noCorpusReason}]`);

/** `describe` for a block that needs the corpus: skipped, with the reason in its title, when the corpus is absent. */
export function describeCorpus(name: string, fn: () => void): void {
  describe.skipIf(!hasCorpus)(title(name), fn);
}

/** `it` for one test that needs the corpus, inside a block that does not. */
export function itCorpus(name: string, fn: () => unknown, timeout?: number): void {
  it.skipIf(!hasCorpus)(title(name), fn as () => Promise<void>, timeout);
}
