/**
 * The candidate closest to `word` (case-insensitive edit distance), or null when none is close
 * enough to be a plausible typo.
 *
 * @example
 * suggestClosest("tape_max_sise", ["tape_max_size", "scratch_path"]); // "tape_max_size"
 */
export function suggestClosest(word: string, candidates: readonly string[]): string | null {
  const wanted = word.toLowerCase();
  let best: { candidate: string; distance: number } | null = null;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (best === null || distance < best.distance) best = { candidate, distance };
  }
  if (best === null) return null;
  const tolerated = Math.max(2, Math.floor(word.length / 3));
  return best.distance <= tolerated ? best.candidate : null;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
