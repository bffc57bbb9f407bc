/** Edit distance of two short strings (field and column names). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(
        Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** " (did you mean 'start'?)" when a known name is close to `name` (case aside, or a few typos away). */
export function didYouMean(name: string, known: readonly string[]): string {
  const lower = name.toLowerCase();
  const scored = known
    .map((k) => {
      const kl = k.toLowerCase();
      const d = kl === lower ? 0 : kl.startsWith(lower) || lower.startsWith(kl) ? 1 : distance(kl, lower);
      return { k, d };
    })
    .filter(({ d }) => d <= 2)
    .sort((x, y) => x.d - y.d);
  return scored[0] === undefined ? '' : ` (did you mean '${scored[0].k}'?)`;
}
