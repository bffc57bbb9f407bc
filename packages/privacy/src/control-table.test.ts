import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ControlledCount } from './control-count.ts';
import { controlTable, type ControlledMargin } from './control-table.ts';
import { resolveDisclosurePolicy } from './disclosure-policy.ts';

const policies = fc
  .record({ minCount: fc.integer({ min: 8, max: 20 }), roundTo: fc.constantFrom(5, 10, 25) })
  .map((options) => resolveDisclosurePolicy(options));

/** Small counts and zeros are the interesting ones. */
const count = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 8, max: 300 }));
const tables = fc
  .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }))
  .chain(([rows, columns]) =>
    fc.array(fc.array(count, { minLength: columns, maxLength: columns }), {
      minLength: rows,
      maxLength: rows,
    }),
  );

const value = (cell: ControlledCount | undefined): number | null => cell?.value ?? null;
const values = (cells: readonly (readonly ControlledCount[])[]): (number | null)[][] =>
  cells.map((row) => row.map(value));

/**
 * Whether `target` is determined by the true row and column margins: the unit vector of `target` lies in
 * the row space of the margins' equations over the suppressed cells. Plain Gaussian elimination, so that
 * the test does not share the implementation's graph argument.
 */
function isDeterminedByMargins(suppressed: [number, number][], target: number): boolean {
  const rowsOf = new Set(suppressed.map(([r]) => r));
  const columnsOf = new Set(suppressed.map(([, c]) => c));
  const equations = [
    ...[...rowsOf].map((r) => suppressed.map(([sr]) => (sr === r ? 1 : 0))),
    ...[...columnsOf].map((c) => suppressed.map(([, sc]) => (sc === c ? 1 : 0))),
  ];
  const unit = suppressed.map((_, i) => (i === target ? 1 : 0));
  return rank(equations) === rank([...equations, unit]);
}

function rank(matrix: number[][]): number {
  const m = matrix.map((row) => [...row]);
  let r = 0;
  const width = m[0]?.length ?? 0;
  for (let c = 0; c < width && r < m.length; c++) {
    const pivot = m.findIndex((row, i) => i >= r && Math.abs(row[c] ?? 0) > 1e-9);
    if (pivot < 0) continue;
    [m[r], m[pivot]] = [m[pivot] ?? [], m[r] ?? []];
    const pivotRow = m[r] ?? [];
    for (let i = 0; i < m.length; i++) {
      const row = m[i] ?? [];
      if (i === r || Math.abs(row[c] ?? 0) < 1e-9) continue;
      const factor = (row[c] ?? 0) / (pivotRow[c] ?? 1);
      for (let j = c; j < width; j++) row[j] = (row[j] ?? 0) - factor * (pivotRow[j] ?? 0);
    }
    r++;
  }
  return r;
}

const suppressedCells = (cells: readonly (readonly ControlledCount[])[]): [number, number][] =>
  cells.flatMap((row, r) => row.flatMap((cell, c): [number, number][] => (cell.suppressed ? [[r, c]] : [])));

describe('controlTable()', () => {
  it('rounds every cell and recomputes the margins from the rounded cells', () => {
    const table = controlTable([
      [52, 46],
      [33, 20],
    ]);
    expect(values(table.cells)).toEqual([
      [50, 45],
      [35, 20],
    ]);
    expect(table.rowTotals).toEqual([
      { value: 95, partial: false },
      { value: 55, partial: false },
    ]);
    expect(table.columnTotals).toEqual([
      { value: 85, partial: false },
      { value: 65, partial: false },
    ]);
    // The true grand total is 151; the released one is the sum of what was released.
    expect(table.grandTotal).toEqual({ value: 150, partial: false });
    expect(table.fullyProtected).toBe(true);
    expect(table.report.filter((e) => e.target === 'cell')).toHaveLength(4);
  });

  it('withholds the smallest other cells until every row and column holds two suppressed cells', () => {
    const table = controlTable([
      [100, 3, 50],
      [40, 60, 30],
      [20, 25, 90],
    ]);
    expect(values(table.cells)).toEqual([
      [100, null, null],
      [null, 60, null],
      [null, null, 90],
    ]);
    expect(table.cells[0]?.[1]).toEqual({ value: null, suppressed: true, reason: 'small-count' });
    expect(table.cells[0]?.[2]).toEqual({ value: null, suppressed: true, reason: 'secondary' });
    expect(table.rowTotals).toEqual([
      { value: 100, partial: true },
      { value: 60, partial: true },
      { value: 90, partial: true },
    ]);
    expect(table.grandTotal).toEqual({ value: 250, partial: true });
    expect(table.fullyProtected).toBe(true);
    expect(table.report).toContainEqual({
      target: 'cell',
      row: 0,
      column: 2,
      action: 'suppressed',
      reason: 'secondary',
    });
    expect(table.report).toContainEqual({
      target: 'row-total',
      index: 0,
      action: 'recomputed',
      partial: true,
    });
  });

  it('withholds a cell that closes a cycle when a suppressed cell is a bridge between two blocks', () => {
    // Two 2×2 blocks of small cells joined by one small cell at (1, 2): every line holds two or more
    // suppressed cells, yet (1, 2) equals (row 0 + row 1 margins) − (column 0 + column 1 margins).
    const cells = [
      [4, 4, 100, 101],
      [4, 4, 5, 102],
      [50, 200, 4, 4],
      [201, 202, 4, 4],
    ];
    const table = controlTable(cells);
    expect(table.cells[2]?.[0]).toEqual({ value: null, suppressed: true, reason: 'secondary' });
    expect(table.fullyProtected).toBe(true);
    const hidden = suppressedCells(table.cells);
    hidden.forEach((_, i) => expect(isDeterminedByMargins(hidden, i)).toBe(false));
    // Without (2, 0) the bridge would have been recoverable.
    const withoutFix = hidden.filter(([r, c]) => !(r === 2 && c === 0));
    const bridge = withoutFix.findIndex(([r, c]) => r === 1 && c === 2);
    expect(isDeterminedByMargins(withoutFix, bridge)).toBe(true);
  });

  it('withholds the margins of a line it cannot protect and says the table is not fully protected', () => {
    const single = controlTable([[3], [50], [60]]);
    expect(values(single.cells)).toEqual([[null], [null], [60]]);
    expect(single.rowTotals[0]).toEqual({ value: null, withheld: true, reason: 'unprotected' });
    expect(single.columnTotals[0]).toEqual({ value: null, withheld: true, reason: 'unprotected' });
    expect(single.fullyProtected).toBe(false);

    // Zeros are not used as complements: a structural zero would be known to the reader.
    const zeros = controlTable([
      [3, 0],
      [0, 50],
    ]);
    expect(values(zeros.cells)).toEqual([
      [null, 0],
      [0, 50],
    ]);
    expect(zeros.rowTotals[0]).toEqual({ value: null, withheld: true, reason: 'unprotected' });
    expect(zeros.columnTotals[0]).toEqual({ value: null, withheld: true, reason: 'unprotected' });
    expect(zeros.fullyProtected).toBe(false);
  });

  it('withholds a margin whose non-zero cells are all suppressed', () => {
    const table = controlTable([
      [3, 5, 0],
      [40, 60, 30],
    ]);
    expect(table.rowTotals[0]).toEqual({ value: null, withheld: true, reason: 'nothing-released' });
  });

  it('accepts bigint counts and refuses ragged or empty tables', () => {
    expect(values(controlTable([[12n, 1234n]]).cells)).toEqual([[10, 1235]]);
    expect(() => controlTable([[1, 2], [3]])).toThrow(/row 1 has 1 cells where row 0 has 2/);
    expect(() => controlTable([])).toThrow(/no cells/);
    expect(() => controlTable([[-1]])).toThrow(/not a non-negative integer/);
  });

  it('releases no count in 1..7 nor any from a true count below minCount, only multiples of roundTo, and no line with one suppressed cell unless its margin is withheld (property)', () => {
    fc.assert(
      fc.property(tables, policies, (cells, policy) => {
        const table = controlTable(cells, policy);
        table.cells.forEach((row, r) =>
          row.forEach((cell, c) => {
            if (cell.value === null) return;
            expect(cell.value > 0 && cell.value <= 7).toBe(false);
            const truth = cells[r]?.[c] ?? 0;
            expect(truth > 0 && truth < policy.minCount).toBe(false);
            expect(cell.value % policy.roundTo).toBe(0);
          }),
        );
        const lines: { cells: ControlledCount[]; truth: number[]; margin: ControlledMargin | undefined }[] = [
          ...table.cells.map((row, r) => ({
            cells: [...row],
            truth: cells[r] ?? [],
            margin: table.rowTotals[r],
          })),
          ...(cells[0] ?? []).map((_, c) => ({
            cells: table.cells.map((row) => row[c] ?? { value: 0, suppressed: false as const }),
            truth: cells.map((row) => row[c] ?? 0),
            margin: table.columnTotals[c],
          })),
        ];
        for (const line of lines) {
          const hidden = line.cells.flatMap((cell, i) => (cell.suppressed ? [line.truth[i] ?? 0] : []));
          const released = line.cells.reduce((s, cell) => s + (cell.value ?? 0), 0);
          if (line.margin?.value === null) continue;
          expect(hidden.length).not.toBe(1);
          // A margin that is released is the sum of the released cells, partial iff a cell is hidden.
          expect(line.margin).toEqual({ value: released, partial: hidden.length > 0 });
          // Whoever learns the line's true total learns only a sum of 0 or at least minCount.
          if (hidden.length > 0 && table.fullyProtected) {
            expect(hidden.reduce((s, n) => s + n, 0)).toBeGreaterThanOrEqual(policy.minCount);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  // Bridges are rare in random tables: 3000 runs find one reliably when the bridge step is left out.
  it('leaves no suppressed cell determined by the true margins when fully protected (property)', () => {
    fc.assert(
      fc.property(tables, policies, (cells, policy) => {
        const table = controlTable(cells, policy);
        if (!table.fullyProtected) {
          expect(
            table.rowTotals.some((t) => t.value === null) || table.columnTotals.some((t) => t.value === null),
          ).toBe(true);
          return;
        }
        const hidden = suppressedCells(table.cells);
        hidden.forEach((_, i) => expect(isDeterminedByMargins(hidden, i)).toBe(false));
      }),
      { numRuns: 3000 },
    );
  });
});
