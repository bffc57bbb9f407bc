import { controlCount, type DisclosurePolicy, type SuppressionReason } from '@polder/privacy';

/** A line of a table that secondary suppression could not protect: along `axis`, others fixed at `at`. */
export interface UnprotectedLine {
  readonly axis: number;
  readonly at: readonly number[];
}

/**
 * Disclosure control for a dense table of any number of dimensions (used for three-way tables; two-way
 * tables go through `controlTable` of `@polder/privacy`, which also closes cycles): each cell as
 * `controlCount`, then secondary suppression along every line of every axis until each line's suppressed
 * cells are none, or at least two holding at least `minCount` together. The smallest released non-zero cell
 * of a line is withheld first; zeros never. Lines without a candidate are returned as unprotected.
 */
export function protectLines(
  counts: readonly number[],
  shape: readonly number[],
  policy: DisclosurePolicy,
): { values: (number | null)[]; reasons: (SuppressionReason | undefined)[]; unprotected: UnprotectedLine[] } {
  const values: (number | null)[] = [];
  const reasons: (SuppressionReason | undefined)[] = [];
  for (const n of counts) {
    const c = controlCount(n, policy);
    values.push(c.value);
    reasons.push(c.suppressed ? c.reason : undefined);
  }
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const lines: { axis: number; at: number[]; cells: number[] }[] = [];
  for (let axis = 0; axis < shape.length; axis++) {
    const others = shape.map((size, d) => (d === axis ? 1 : size));
    for (const at of indexTuples(others)) {
      const cells: number[] = [];
      for (let i = 0; i < (shape[axis] ?? 0); i++) {
        const index = at.reduce((s, v, d) => s + (d === axis ? i : v) * (strides[d] ?? 0), 0);
        cells.push(index);
      }
      lines.push({ axis, at, cells });
    }
  }
  const unprotected = new Set<number>();
  for (let changed = true; changed;) {
    changed = false;
    lines.forEach((line, li) => {
      if (unprotected.has(li)) return;
      for (;;) {
        const hidden = line.cells.filter((i) => reasons[i] !== undefined);
        const sum = hidden.reduce((s, i) => s + (counts[i] ?? 0), 0);
        if (hidden.length === 0 || (hidden.length >= 2 && sum >= policy.minCount)) return;
        let best: number | undefined;
        for (const i of line.cells) {
          if (reasons[i] !== undefined || (counts[i] ?? 0) === 0) continue;
          if (best === undefined || (counts[i] ?? 0) < (counts[best] ?? 0)) best = i;
        }
        if (best === undefined) {
          unprotected.add(li);
          return;
        }
        values[best] = null;
        reasons[best] = 'secondary';
        changed = true;
      }
    });
  }
  return {
    values,
    reasons,
    unprotected: [...unprotected].map((li) => {
      const line = lines[li];
      return { axis: line?.axis ?? 0, at: line?.at ?? [] };
    }),
  };
}

/** Every index tuple of a shape, last dimension fastest. */
export function indexTuples(shape: readonly number[]): number[][] {
  let tuples: number[][] = [[]];
  for (const size of shape) {
    const next: number[][] = [];
    for (const t of tuples) for (let i = 0; i < size; i++) next.push([...t, i]);
    tuples = next;
  }
  return tuples;
}
