/** Levenshtein distance, case-insensitive: typos in field names are usually case slips too. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let previous = Array.from({ length: t.length + 1 }, (_, i) => i);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[t.length]!;
}

/** The closest candidate within a typo's reach of `word`, if any. */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(2, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    // A prefix match ("scope" for "scopes") is a likely intent even when longer.
    const adjusted =
      candidate.toLowerCase().startsWith(word.toLowerCase()) && word.length >= 3 ? Math.min(distance, 1) : distance;
    if (adjusted < bestDistance) {
      best = candidate;
      bestDistance = adjusted;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/** "; did you mean 'x'?" or an empty string. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = closestMatch(word, candidates);
  return match === undefined ? '' : `; did you mean '${match}'?`;
}
