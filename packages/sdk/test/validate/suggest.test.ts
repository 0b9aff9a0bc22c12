// closest() stops each distance once it cannot win; it must pick what the
// full Levenshtein distance picks, on real names and on near misses of them.
import { readdirSync } from 'node:fs';
import leven from 'leven';
import { describe, expect, it } from 'vitest';
import { closest } from '../../src/validate/suggest.ts';
import { corpusPath, hasCorpus } from '../../../../test-support/corpus.ts';

/** The pick by full distances: the first candidate at the least distance, if within the limit. */
function reference(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    if (c === word) continue;
    const d = leven(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** A deterministic stream of numbers in [0, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('closest', () => {
  // Folder names of the corpus (real page names) and generated ones that differ by a character or two.
  const real = hasCorpus ? readdirSync(corpusPath('.'), { recursive: true, withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name) : [];
  const names = [...new Set([...real, ...Array.from({ length: 300 }, (_, i) => `tutorial-${i}`), 'docker-101', 'Docker-101', 'kubernetes-pods', 'kubernetes-pod'])];

  it('picks what full distances pick, for names, near misses and strangers', () => {
    const next = random(18);
    const alphabet = 'abcdefghijklmnopqrstuvwxyz-0123456789';
    const mutate = (w: string): string => {
      const chars = [...w];
      for (let k = 1 + Math.floor(next() * 3); k > 0; k--) {
        const at = Math.floor(next() * (chars.length + 1));
        const op = Math.floor(next() * 3);
        const ch = alphabet[Math.floor(next() * alphabet.length)]!;
        if (op === 0) chars.splice(at, 0, ch);
        else if (op === 1) chars.splice(at, 1);
        else chars[at] = ch;
      }
      return chars.join('');
    };
    const words = [...names.slice(0, 200), ...names.map(mutate), 'x', '', 'TUTORIAL-12', 'completely-unrelated-words'];
    let suggested = 0;
    for (const w of words) {
      const want = reference(w, names);
      expect(closest(w, names), w).toBe(want);
      if (want !== undefined) suggested++;
    }
    // Most near misses have a suggestion: the comparison is not of two undefineds.
    expect(suggested).toBeGreaterThan(names.length / 2);
  });
});
