/**
 * Small dense linear algebra for the hub half (p ≤ ~100): symmetric positive-definite systems by Cholesky
 * after equilibration (scaling rows and columns to a unit diagonal), which keeps the pivots comparable when
 * covariates live on very different scales (age in years beside a 0/1 dummy).
 */

/** Thrown when a matrix is not (numerically) positive definite; `column` is the offending column. */
export class SingularMatrixError extends Error {
  override readonly name = 'SingularMatrixError';
  constructor(readonly column: number) {
    super(`matrix is singular at column ${column}`);
  }
}

/** The full symmetric matrix from its upper triangle packed row by row (diagonal included). */
export function unpackSymmetric(packed: readonly number[], p: number): number[][] {
  const a = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  let k = 0;
  for (let i = 0; i < p; i++) {
    for (let j = i; j < p; j++) {
      const v = packed[k++] ?? 0;
      (a[i] as number[])[j] = v;
      (a[j] as number[])[i] = v;
    }
  }
  return a;
}

/** A factorised SPD matrix: solve systems and invert it. */
export interface CholeskyFactor {
  solve(b: readonly number[]): number[];
  inverse(): number[][];
}

/**
 * Factorises a symmetric positive-definite matrix as D⁻¹ L Lᵀ D⁻¹ with D = diag(1/√aᵢᵢ). A pivot below
 * `tolerance` (relative, after scaling) means the columns are linearly dependent.
 */
export function cholesky(a: readonly (readonly number[])[], tolerance = 1e-12): CholeskyFactor {
  const p = a.length;
  const scale = a.map((row, i) => {
    const d = row[i] ?? 0;
    if (!(d > 0) || !Number.isFinite(d)) throw new SingularMatrixError(i);
    return 1 / Math.sqrt(d);
  });
  const l = Array.from({ length: p }, () => new Float64Array(p));
  for (let j = 0; j < p; j++) {
    const lj = l[j] as Float64Array;
    let sum = (a[j]?.[j] ?? 0) * (scale[j] ?? 0) ** 2;
    for (let k = 0; k < j; k++) sum -= (lj[k] ?? 0) ** 2;
    if (!(sum > tolerance)) throw new SingularMatrixError(j);
    const pivot = Math.sqrt(sum);
    lj[j] = pivot;
    for (let i = j + 1; i < p; i++) {
      const li = l[i] as Float64Array;
      let s = (a[i]?.[j] ?? 0) * (scale[i] ?? 0) * (scale[j] ?? 0);
      for (let k = 0; k < j; k++) s -= (li[k] ?? 0) * (lj[k] ?? 0);
      li[j] = s / pivot;
    }
  }
  const solveScaled = (b: readonly number[]): number[] => {
    // (D A D) y = D b, x = D y
    const y = b.map((v, i) => v * (scale[i] ?? 0));
    for (let i = 0; i < p; i++) {
      const li = l[i] as Float64Array;
      let s = y[i] ?? 0;
      for (let k = 0; k < i; k++) s -= (li[k] ?? 0) * (y[k] ?? 0);
      y[i] = s / (li[i] ?? 1);
    }
    for (let i = p - 1; i >= 0; i--) {
      let s = y[i] ?? 0;
      for (let k = i + 1; k < p; k++) s -= (l[k]?.[i] ?? 0) * (y[k] ?? 0);
      y[i] = s / (l[i]?.[i] ?? 1);
    }
    return y.map((v, i) => v * (scale[i] ?? 0));
  };
  return {
    solve: solveScaled,
    inverse() {
      const columns = Array.from({ length: p }, (_, j) =>
        solveScaled(Array.from({ length: p }, (_, i) => (i === j ? 1 : 0))),
      );
      // Symmetrise: the two triangles agree to rounding; average them so the result is exactly symmetric.
      return Array.from({ length: p }, (_, i) =>
        Array.from({ length: p }, (_, j) => ((columns[j]?.[i] ?? 0) + (columns[i]?.[j] ?? 0)) / 2),
      );
    },
  };
}
