import { controlCount, toCount, type ControlledCount, type SuppressionReason } from './control-count.ts';
import { defaultDisclosurePolicy, type DisclosurePolicy } from './disclosure-policy.ts';

/**
 * Why a margin was withheld: `nothing-released` (every non-zero cell of the line is suppressed, so a sum of
 * released cells would say nothing), `unprotected` (a suppressed cell in the line could not be protected by
 * secondary suppression: there was no released non-zero cell left to withhold with it).
 */
export type MarginWithheldReason = 'nothing-released' | 'unprotected';

/**
 * A row, column or grand total of a controlled table: the sum of the *released rounded* cells (never the
 * true total), `partial` when a cell of that line is suppressed; or withheld.
 */
export type ControlledMargin =
  | { readonly value: number; readonly partial: boolean }
  | { readonly value: null; readonly withheld: true; readonly reason: MarginWithheldReason };

/**
 * One line of a table's disclosure report. It names what was done and why, never a true count: even
 * whether rounding changed a value is left out, since "unchanged" would give the exact count away.
 */
export type TableDisclosureEntry =
  | {
      readonly target: 'cell';
      readonly row: number;
      readonly column: number;
      readonly action: 'suppressed';
      readonly reason: SuppressionReason;
    }
  | {
      readonly target: 'cell';
      readonly row: number;
      readonly column: number;
      readonly action: 'rounded';
      readonly roundTo: number;
    }
  | {
      readonly target: 'row-total' | 'column-total';
      readonly index: number;
      readonly action: 'recomputed';
      readonly partial: boolean;
    }
  | {
      readonly target: 'row-total' | 'column-total';
      readonly index: number;
      readonly action: 'withheld';
      readonly reason: MarginWithheldReason;
    }
  | { readonly target: 'grand-total'; readonly action: 'recomputed'; readonly partial: boolean }
  | { readonly target: 'grand-total'; readonly action: 'withheld'; readonly reason: MarginWithheldReason };

/** A two-way table after disclosure control. */
export interface ControlledTable {
  /** The cells, `cells[row][column]`, each released (rounded) or suppressed with its reason. */
  readonly cells: readonly (readonly ControlledCount[])[];
  readonly rowTotals: readonly ControlledMargin[];
  readonly columnTotals: readonly ControlledMargin[];
  readonly grandTotal: ControlledMargin;
  /**
   * False when a suppressed cell could not be protected by secondary suppression (its lines' margins are
   * then withheld); someone who knows that line's true total from elsewhere could recover the cell, so a
   * station should refuse to release such a table.
   */
  readonly fullyProtected: boolean;
  /** Every suppression, rounding and margin decision with its reason, in cell order then margins. */
  readonly report: readonly TableDisclosureEntry[];
}

/**
 * Applies disclosure control to a two-way table (e.g. a crosstab): each cell as {@linkcode controlCount},
 * then secondary suppression, so that no suppressed cell can be recovered from the table's true margins
 * even by someone who learns them elsewhere (another query, a published dataset description):
 *
 * 1. in every row and column, the suppressed cells are 0 or at least two, and hold at least `minCount`
 *    together (as `controlDistribution`); otherwise the smallest released non-zero cell of the line is
 *    withheld too;
 * 2. every suppressed cell lies on a cycle of suppressed cells (row–column–row–…): a suppressed cell that
 *    does not (a bridge in the graph of rows and columns joined by suppressed cells) is determined exactly
 *    by the margins, even when every line holds two suppressed cells, so the smallest released non-zero
 *    cell that closes a cycle through it is withheld too.
 *
 * Zeros are never withheld as complements, since a structural zero would be known to the reader. When no
 * candidate is left, the lines' margins are withheld and `fullyProtected` is false. This is a greedy
 * heuristic (optimal cell suppression is NP-hard); it does not compute the bounds that non-negativity
 * gives an attacker.
 *
 * Margins are recomputed from the released rounded cells (OpenSAFELY's rule) and flagged `partial` where
 * a cell of the line is suppressed; the true totals are never published here.
 *
 * @example
 * const t = controlTable([
 *   [100, 3, 50],
 *   [40, 60, 30],
 *   [20, 25, 90],
 * ]);
 * // 3 is suppressed (small-count), then 50, 25, 30, 40 and 20 (secondary): six withheld cells that form
 * // one cycle through all rows and columns; released are 100, 60 and 90, rows totals 100, 60, 90 (partial)
 */
export function controlTable(
  cells: ReadonlyArray<ReadonlyArray<number | bigint>>,
  policy: DisclosurePolicy = defaultDisclosurePolicy,
): ControlledTable {
  const rows = cells.length;
  const columns = cells[0]?.length ?? 0;
  if (rows === 0 || columns === 0) {
    throw new RangeError('Cannot control table: it has no cells');
  }
  const counts = cells.map((row, r) => {
    if (row.length !== columns) {
      throw new RangeError(
        `Cannot control table: row ${r} has ${row.length} cells where row 0 has ${columns}`,
      );
    }
    return row.map((n) => toCount(n));
  });
  const countAt = (r: number, c: number): number => counts[r]?.[c] ?? 0;

  const controlled: ControlledCount[][] = counts.map((row) => row.map((n) => controlCount(n, policy)));
  const isSuppressed = (r: number, c: number): boolean => controlled[r]?.[c]?.suppressed ?? false;
  const withhold = (r: number, c: number): void => {
    const row = controlled[r];
    if (row !== undefined) row[c] = { value: null, suppressed: true, reason: 'secondary' };
  };

  const unprotectedRows = new Set<number>();
  const unprotectedColumns = new Set<number>();
  const acceptedBridges = new Set<string>();
  const rowLine = (r: number): [number, number][] => range(columns).map((c) => [r, c]);
  const columnLine = (c: number): [number, number][] => range(rows).map((r) => [r, c]);

  /** Withholds cells until the line's suppressed cells are none, or ≥ 2 holding ≥ minCount; false if it cannot. */
  const protectLine = (line: [number, number][]): { changed: boolean; protectable: boolean } => {
    let changed = false;
    for (;;) {
      const hidden = line.filter(([r, c]) => isSuppressed(r, c));
      const hiddenSum = hidden.reduce((s, [r, c]) => s + countAt(r, c), 0);
      if (hidden.length === 0 || (hidden.length >= 2 && hiddenSum >= policy.minCount)) {
        return { changed, protectable: true };
      }
      const candidate = smallestReleased(line, countAt, isSuppressed);
      if (candidate === undefined) return { changed, protectable: false };
      withhold(candidate[0], candidate[1]);
      changed = true;
    }
  };

  for (;;) {
    let changed = false;
    for (let r = 0; r < rows; r++) {
      if (unprotectedRows.has(r)) continue;
      const outcome = protectLine(rowLine(r));
      changed ||= outcome.changed;
      if (!outcome.protectable) unprotectedRows.add(r);
    }
    for (let c = 0; c < columns; c++) {
      if (unprotectedColumns.has(c)) continue;
      const outcome = protectLine(columnLine(c));
      changed ||= outcome.changed;
      if (!outcome.protectable) unprotectedColumns.add(c);
    }
    if (changed) continue;

    const bridge = findBridge(rows, columns, isSuppressed, acceptedBridges);
    if (bridge === undefined) break;
    // Any released non-zero cell joining the bridge's two sides closes a cycle through it.
    const joining: [number, number][] = [];
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < columns; c++) {
        const acrossSides =
          (bridge.rowSideRows.has(r) && bridge.columnSideColumns.has(c)) ||
          (bridge.columnSideRows.has(r) && bridge.rowSideColumns.has(c));
        if (acrossSides) joining.push([r, c]);
      }
    }
    const candidate = smallestReleased(joining, countAt, isSuppressed);
    if (candidate === undefined) {
      acceptedBridges.add(`${bridge.row},${bridge.column}`);
      unprotectedRows.add(bridge.row);
      unprotectedColumns.add(bridge.column);
    } else {
      withhold(candidate[0], candidate[1]);
    }
  }

  const report: TableDisclosureEntry[] = [];
  controlled.forEach((row, r) =>
    row.forEach((cell, c) => {
      if (cell.suppressed) {
        report.push({ target: 'cell', row: r, column: c, action: 'suppressed', reason: cell.reason });
      } else if (cell.value !== 0) {
        report.push({ target: 'cell', row: r, column: c, action: 'rounded', roundTo: policy.roundTo });
      }
    }),
  );
  const margin = (line: ControlledCount[], unprotected: boolean): ControlledMargin => {
    if (unprotected) return { value: null, withheld: true, reason: 'unprotected' };
    const partial = line.some((cell) => cell.suppressed);
    const value = line.reduce((s, cell) => s + (cell.value ?? 0), 0);
    if (partial && value === 0) return { value: null, withheld: true, reason: 'nothing-released' };
    return { value, partial };
  };
  const rowTotals = controlled.map((row, r) => margin(row, unprotectedRows.has(r)));
  const columnTotals = range(columns).map((c) =>
    margin(
      controlled.map((row) => row[c] ?? { value: 0, suppressed: false }),
      unprotectedColumns.has(c),
    ),
  );
  const grandTotal = margin(controlled.flat(), false);
  for (const [target, totals] of [
    ['row-total', rowTotals],
    ['column-total', columnTotals],
  ] as const) {
    totals.forEach((total, index) =>
      report.push(
        total.value === null
          ? { target, index, action: 'withheld', reason: total.reason }
          : { target, index, action: 'recomputed', partial: total.partial },
      ),
    );
  }
  report.push(
    grandTotal.value === null
      ? { target: 'grand-total', action: 'withheld', reason: grandTotal.reason }
      : { target: 'grand-total', action: 'recomputed', partial: grandTotal.partial },
  );
  return {
    cells: controlled,
    rowTotals,
    columnTotals,
    grandTotal,
    fullyProtected: unprotectedRows.size === 0 && unprotectedColumns.size === 0,
    report,
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** The released non-zero cell with the smallest true count among `cells` (first in order on ties). */
function smallestReleased(
  cells: readonly [number, number][],
  countAt: (r: number, c: number) => number,
  isSuppressed: (r: number, c: number) => boolean,
): [number, number] | undefined {
  let best: [number, number] | undefined;
  for (const cell of cells) {
    const [r, c] = cell;
    if (isSuppressed(r, c) || countAt(r, c) === 0) continue;
    if (best === undefined || countAt(r, c) < countAt(best[0], best[1])) best = cell;
  }
  return best;
}

interface Bridge {
  readonly row: number;
  readonly column: number;
  /** Rows and columns still connected to the bridge's row once the bridge is removed. */
  readonly rowSideRows: ReadonlySet<number>;
  readonly rowSideColumns: ReadonlySet<number>;
  /** Rows and columns still connected to the bridge's column once the bridge is removed. */
  readonly columnSideRows: ReadonlySet<number>;
  readonly columnSideColumns: ReadonlySet<number>;
}

/**
 * The first suppressed cell that lies on no cycle of suppressed cells. Rows and columns are the vertices
 * of a bipartite graph and suppressed cells its edges; the margins' equations can be solved for exactly
 * the edges outside the cycle space, i.e. the bridges.
 */
function findBridge(
  rows: number,
  columns: number,
  isSuppressed: (r: number, c: number) => boolean,
  accepted: ReadonlySet<string>,
): Bridge | undefined {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      if (!isSuppressed(r, c) || accepted.has(`${r},${c}`)) continue;
      const fromRow = reachable({ row: r }, rows, columns, isSuppressed, [r, c]);
      if (fromRow.columns.has(c)) continue;
      const fromColumn = reachable({ column: c }, rows, columns, isSuppressed, [r, c]);
      return {
        row: r,
        column: c,
        rowSideRows: fromRow.rows,
        rowSideColumns: fromRow.columns,
        columnSideRows: fromColumn.rows,
        columnSideColumns: fromColumn.columns,
      };
    }
  }
  return undefined;
}

/** Rows and columns reachable from `start` along suppressed cells, not crossing `without`. */
function reachable(
  start: { row: number } | { column: number },
  rows: number,
  columns: number,
  isSuppressed: (r: number, c: number) => boolean,
  without: [number, number],
): { rows: Set<number>; columns: Set<number> } {
  const seenRows = new Set<number>();
  const seenColumns = new Set<number>();
  const queue: ({ row: number } | { column: number })[] = [start];
  if ('row' in start) seenRows.add(start.row);
  else seenColumns.add(start.column);
  const crosses = (r: number, c: number): boolean =>
    isSuppressed(r, c) && !(r === without[0] && c === without[1]);
  for (let vertex = queue.shift(); vertex !== undefined; vertex = queue.shift()) {
    if ('row' in vertex) {
      for (let c = 0; c < columns; c++) {
        if (crosses(vertex.row, c) && !seenColumns.has(c)) {
          seenColumns.add(c);
          queue.push({ column: c });
        }
      }
    } else {
      for (let r = 0; r < rows; r++) {
        if (crosses(r, vertex.column) && !seenRows.has(r)) {
          seenRows.add(r);
          queue.push({ row: r });
        }
      }
    }
  }
  return { rows: seenRows, columns: seenColumns };
}
