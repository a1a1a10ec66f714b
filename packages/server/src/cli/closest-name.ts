/**
 * The known name a mistyped one most likely meant, or undefined when none is close: a name the
 * input begins (`--retention` for `--retention-days`), else one within a few edits, an adjacent swap
 * counting as one (`--prot` for `--port`). Ties go to the shorter name, then the earlier one.
 */
export function closestName(input: string, known: readonly string[]): string | undefined {
  if (input.length === 0) return undefined;
  const prefixed = known.filter((name) => name.startsWith(input));
  if (prefixed.length > 0) return prefixed.reduce((best, name) => (name.length < best.length ? name : best));
  const allowed = input.length <= 2 ? 0 : input.length <= 4 ? 1 : input.length <= 8 ? 2 : 3;
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(input, name);
    if (distance > allowed) continue;
    if (!best || distance < best.distance || (distance === best.distance && name.length < best.name.length)) best = { name, distance };
  }
  return best?.name;
}

/** Insertions, deletions, substitutions and swaps of adjacent characters needed to turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number) => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, at(i - 2, j - 2) + 1);
      (rows[i] as number[])[j] = d;
    }
  }
  return at(a.length, b.length);
}

/** "; did you mean X?" when one is close, for appending to an error message. */
export function didYouMean(input: string, known: readonly string[], show: (name: string) => string = (name) => name): string {
  const name = closestName(input, known);
  return name === undefined ? '' : `; did you mean ${show(name)}?`;
}
