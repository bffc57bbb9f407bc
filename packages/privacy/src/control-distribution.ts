import { controlCount, toCount, type SuppressionReason } from './control-count.ts';
import { defaultDisclosurePolicy, type DisclosurePolicy } from './disclosure-policy.ts';

/** One released cell of a distribution: its key and its controlled count (null when suppressed). */
export type ControlledCell<K extends string = string> =
  | { readonly key: K; readonly value: number; readonly suppressed: false }
  | { readonly key: K; readonly value: null; readonly suppressed: true; readonly reason: SuppressionReason };

/** A distribution after disclosure control. */
export interface ControlledDistribution<K extends string = string> {
  /** The cells in the order given. */
  readonly cells: readonly ControlledCell<K>[];
  /**
   * The sum of the released (rounded) cells — recomputed, never the true total — or null when every
   * non-zero cell is suppressed.
   */
  readonly total: number | null;
  /** Keys of the suppressed cells, primary and secondary. */
  readonly suppressed: readonly K[];
}

/**
 * Applies disclosure control to the cells of one distribution (e.g. persons by sex): each cell as
 * {@linkcode controlCount}, then secondary suppression — the smallest released non-zero cells are withheld
 * as well until the suppressed cells together hold 0 or at least `minCount`. So even someone who knows the
 * true total (published elsewhere) and every released cell exactly learns only the sum of the suppressed
 * cells, never a count of 1..7 and never a single suppressed cell. The total is the sum of the released
 * rounded cells.
 *
 * @example
 * controlDistribution({ female: 52, male: 46, unknown: 3 });
 * // cells: female 50, male suppressed (secondary), unknown suppressed (small-count); total 50
 */
export function controlDistribution<K extends string>(
  cells:
    | Readonly<Record<K, number | bigint>>
    | ReadonlyArray<{ readonly key: K; readonly count: number | bigint }>,
  policy: DisclosurePolicy = defaultDisclosurePolicy,
): ControlledDistribution<K> {
  const entries: { key: K; count: number }[] = Array.isArray(cells)
    ? (cells as ReadonlyArray<{ readonly key: K; readonly count: number | bigint }>).map((c) => ({
        key: c.key,
        count: toCount(c.count),
      }))
    : (Object.entries(cells) as [K, number | bigint][]).map(([key, count]) => ({
        key,
        count: toCount(count),
      }));
  const keys = new Set<K>();
  for (const { key } of entries) {
    if (keys.has(key)) throw new RangeError(`Cannot control distribution: key '${key}' appears twice`);
    keys.add(key);
  }

  const controlled: ControlledCell<K>[] = entries.map(({ key, count }) => ({
    key,
    ...controlCount(count, policy),
  }));
  let suppressedSum = 0;
  controlled.forEach((cell, i) => {
    if (cell.suppressed) suppressedSum += entries[i]?.count ?? 0;
  });
  if (suppressedSum > 0) {
    // Candidates for secondary suppression: released non-zero cells, smallest first (key order breaks ties).
    const candidates = controlled
      .map((cell, i) => ({ cell, i, count: entries[i]?.count ?? 0 }))
      .filter(({ cell, count }) => !cell.suppressed && count > 0)
      .sort((a, b) => a.count - b.count || a.i - b.i);
    const suppressedCells = controlled.filter((c) => c.suppressed).length;
    let next = 0;
    let withheld = suppressedCells;
    while ((suppressedSum < policy.minCount || withheld < 2) && next < candidates.length) {
      const candidate = candidates[next++];
      if (candidate === undefined) break;
      controlled[candidate.i] = {
        key: candidate.cell.key,
        value: null,
        suppressed: true,
        reason: 'secondary',
      };
      suppressedSum += candidate.count;
      withheld += 1;
    }
  }
  const released = controlled.filter((c) => !c.suppressed);
  const anyNonZeroReleased = released.some((c) => (c.value ?? 0) > 0);
  const total =
    suppressedSum > 0 && !anyNonZeroReleased ? null : released.reduce((s, c) => s + (c.value ?? 0), 0);
  return { cells: controlled, total, suppressed: controlled.filter((c) => c.suppressed).map((c) => c.key) };
}
