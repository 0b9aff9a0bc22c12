import leven from 'leven';

/**
 * The closest candidate to `word`, if it is close enough to be a typo. Each
 * distance is computed only as far as it could still win (leven's
 * `maxDistance`): a broken link is checked against every page of its
 * collection, and full distances made that quadratic in the repository's
 * size (300 real tutorials: 55 ms of a one-file rebuild). A candidate
 * whose length alone puts it out of reach is not measured at all (49 ms of
 * a real page's rebuild went to leven still, at 300 tutorials).
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  const lower = word.toLowerCase();
  const limit = Math.max(2, Math.floor(word.length / 3));
  // A candidate must beat the best so far and be within the limit.
  let cap = limit;
  for (const c of candidates) {
    if (c === word) continue;
    const other = c.toLowerCase();
    // The distance is at least the difference in length: most candidates end here, before leven's table.
    if (Math.abs(other.length - lower.length) > cap) continue;
    const d = leven(lower, other, { maxDistance: cap + 1 });
    if (d <= cap) {
      best = c;
      if (d === 0) break;
      cap = d - 1;
    }
  }
  return best;
}

/** ` Did you mean "x"?` or ''. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const c = closest(word, candidates);
  return c === undefined ? '' : ` Did you mean "${c}"?`;
}
