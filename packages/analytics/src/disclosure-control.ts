import {
  controlCount,
  controlDistribution,
  controlTable,
  roundToMultiple,
  type DisclosurePolicy,
  type SuppressionReason,
} from '@polder/privacy';
import type { DisclosureAction } from '@polder/protocol';
import { Compile } from 'typebox/compile';
import type { TSchema } from 'typebox';
import { AnalyticsError } from './analytics-error.ts';
import {
  RawCount,
  RawModelAggregate,
  RawSummary,
  RawSurvivalCurve,
  RawTable,
  type OutputKind,
  type ReleasedCount,
  type ReleasedModelAggregate,
  type ReleasedOutput,
  type ReleasedOutputPart,
  type ReleasedSummary,
  type ReleasedSurvivalCurve,
  type ReleasedTable,
} from './output-kinds.ts';
import { indexTuples, protectLines, type UnprotectedLine } from './_protect-lines.ts';

/** Options of {@linkcode controlOutput}. */
export interface ControlOptions {
  /**
   * Differential-privacy noise for counts: applied to every count and table cell after the output is
   * validated and before suppression and rounding (which are then post-processing). Other kinds are
   * refused when it is set. Returns a non-negative integer; `reason` goes into the report.
   */
  readonly noise?: { readonly add: (count: number) => number; readonly reason: string };
}

/** A station half's output after disclosure control, with what was done to it. */
export interface ControlledOutput {
  readonly output: ReleasedOutput;
  readonly actions: readonly DisclosureAction[];
}

const partName = /^[a-zA-Z][a-zA-Z0-9_-]{0,62}$/;
const maxParts = 100;

const rawValidators: Record<OutputKind, ReturnType<typeof Compile>> = {
  count: Compile(RawCount as TSchema),
  table: Compile(RawTable as TSchema),
  summary: Compile(RawSummary as TSchema),
  'model-aggregate': Compile(RawModelAggregate as TSchema),
  'survival-curve': Compile(RawSurvivalCurve as TSchema),
};

/**
 * Applies the station's disclosure control to whatever a station half returned, without trusting it.
 * The output must be an object of named parts, each of a kind the algorithm declared and of exactly that
 * kind's shape; anything else is refused (`AnalyticsError` 'compute'), never passed on. Each part is then
 * controlled by the rules of its kind (README, "Disclosure control"), and every action is reported with a
 * JSON pointer into the released output. Only fields the rules produce are released.
 */
export function controlOutput(
  raw: unknown,
  declaredKinds: readonly OutputKind[],
  policy: DisclosurePolicy,
  options: ControlOptions = {},
): ControlledOutput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw refuse('the algorithm returned something other than an object of named parts');
  }
  const entries = Object.entries(raw);
  if (entries.length > maxParts) throw refuse(`the algorithm returned more than ${maxParts} parts`);
  const output: Record<string, ReleasedOutputPart> = {};
  const actions: DisclosureAction[] = [];
  for (const [name, value] of entries) {
    let part: unknown = value;
    if (!partName.test(name)) throw refuse(`part name "${name.slice(0, 80)}" is not a plain word`);
    const kind = (part as { kind?: unknown } | null)?.kind;
    if (typeof kind !== 'string' || !declaredKinds.includes(kind as OutputKind)) {
      throw refuse(
        `part "${name}" is of kind "${String(kind).slice(0, 40)}", which the algorithm does not declare`,
      );
    }
    const validator = rawValidators[kind as OutputKind];
    if (!validator.Check(part) || !isFiniteEverywhere(part)) {
      const first = validator.Errors(part)[0];
      const where =
        first === undefined ? ': a number is not finite' : `: ${first.instancePath || '/'} ${first.message}`;
      throw refuse(`part "${name}" is not a valid ${kind} output${where}`);
    }
    const path = `/${name}`;
    if (options.noise !== undefined) {
      if (kind === 'count') {
        const noisy = part as RawCount;
        part = { ...noisy, value: options.noise.add(noisy.value) };
      } else if (kind === 'table') {
        const noisy = part as RawTable;
        part = { ...noisy, counts: noisy.counts.map((c) => options.noise?.add(c) ?? c) };
      } else {
        throw refuse(`part "${name}" is of kind ${kind}, to which differential privacy does not apply`);
      }
      actions.push({ path, action: 'noised', reason: options.noise.reason });
    }
    switch (kind as OutputKind) {
      case 'count':
        output[name] = controlCountPart(path, part as RawCount, policy, actions);
        break;
      case 'table':
        output[name] = controlTablePart(path, part as RawTable, policy, actions);
        break;
      case 'summary':
        output[name] = controlSummaryPart(path, part as RawSummary, policy, actions);
        break;
      case 'model-aggregate':
        output[name] = controlModelAggregatePart(path, part as RawModelAggregate, policy, actions);
        break;
      case 'survival-curve':
        output[name] = controlSurvivalPart(path, part as RawSurvivalCurve, policy, actions);
        break;
    }
  }
  return { output, actions };
}

/** The smallest multiple of `roundTo` that is at least `minCount`: the unit survival counts are released in. */
export function survivalReleaseUnit(policy: DisclosurePolicy): number {
  return Math.ceil(policy.minCount / policy.roundTo) * policy.roundTo;
}

function refuse(why: string): AnalyticsError {
  return new AnalyticsError('compute', `Cannot release the station's output: ${why}`);
}

function isFiniteEverywhere(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isFiniteEverywhere);
  if (typeof value === 'object' && value !== null) return Object.values(value).every(isFiniteEverywhere);
  return true;
}

function suppressionReason(reason: SuppressionReason, policy: DisclosurePolicy): string {
  switch (reason) {
    case 'small-count':
      return `count between 1 and ${policy.minCount - 1}`;
    case 'rounds-to-zero':
      return `count would round to 0 at a rounding base of ${policy.roundTo}`;
    case 'secondary':
      return 'secondary suppression: withheld so that a suppressed count cannot be recovered from totals';
  }
}

function controlCountPart(
  path: string,
  part: RawCount,
  policy: DisclosurePolicy,
  actions: DisclosureAction[],
): ReleasedCount {
  const c = controlCount(part.value, policy);
  if (c.suppressed) {
    actions.push({
      path: `${path}/value`,
      action: 'suppressed',
      reason: suppressionReason(c.reason, policy),
    });
  } else if (c.value !== 0) {
    actions.push({
      path: `${path}/value`,
      action: 'rounded',
      reason: `rounded to the nearest ${policy.roundTo}`,
    });
  }
  return { kind: 'count', value: c.value };
}

function controlTablePart(
  path: string,
  part: RawTable,
  policy: DisclosurePolicy,
  actions: DisclosureAction[],
): ReleasedTable {
  const shape = part.levels.map((l) => l.length);
  const cells = shape.reduce((a, b) => a * b, 1);
  if (part.dimensions.length !== shape.length || cells !== part.counts.length) {
    throw refuse(
      `table "${path.slice(1)}" has ${part.counts.length} cells for levels of shape ${shape.join('×')}`,
    );
  }
  const counts = part.counts;
  if (cells === 0) {
    return {
      kind: 'table',
      dimensions: [...part.dimensions],
      levels: part.levels.map((l) => [...l]),
      counts: [],
      total: 0,
    };
  }
  let values: (number | null)[];
  let reasons: (SuppressionReason | undefined)[];
  let unprotected: UnprotectedLine[];
  if (shape.length === 1) {
    const d = controlDistribution(
      counts.map((count, i) => ({ key: String(i), count })),
      policy,
    );
    values = d.cells.map((c) => c.value);
    reasons = d.cells.map((c) => (c.suppressed ? c.reason : undefined));
    // A distribution cannot be left unprotected unless every non-zero cell is withheld (then nothing leaks).
    unprotected = [];
  } else if (shape.length === 2) {
    const rows = shape[0] ?? 0;
    const columns = shape[1] ?? 0;
    const grid = Array.from({ length: rows }, (_, r) => counts.slice(r * columns, (r + 1) * columns));
    const t = controlTable(grid, policy);
    values = t.cells.flat().map((c) => c.value);
    reasons = t.cells.flat().map((c) => (c.suppressed ? c.reason : undefined));
    unprotected = [
      ...t.rowTotals.flatMap((m, r) =>
        m.value === null && m.reason === 'unprotected' ? [{ axis: 1, at: [r, 0] }] : [],
      ),
      ...t.columnTotals.flatMap((m, c) =>
        m.value === null && m.reason === 'unprotected' ? [{ axis: 0, at: [0, c] }] : [],
      ),
    ];
  } else {
    ({ values, reasons, unprotected } = protectLines(counts, shape, policy));
  }

  // Levels held by 1..minCount-1 records: all their cells are suppressed; naming them would still say that
  // such a category exists here, so they are left out (after secondary suppression, which counted them).
  const tuples = indexTuples(shape);
  const dropped = shape.map((size, d) => {
    const margins = new Array<number>(size).fill(0);
    tuples.forEach((t, i) => {
      const level = t[d] ?? 0;
      margins[level] = (margins[level] ?? 0) + (counts[i] ?? 0);
    });
    return new Set(margins.flatMap((m, level) => (m > 0 && m < policy.minCount ? [level] : [])));
  });
  const isDroppedLine = (line: UnprotectedLine): boolean =>
    line.at.some((level, d) => d !== line.axis && (dropped[d]?.has(level) ?? false));
  const keptLevels = shape.map((size, d) =>
    range(size).filter((level) => !(dropped[d]?.has(level) ?? false)),
  );
  const levels = part.levels.map((labels, d) => (keptLevels[d] ?? []).map((level) => labels[level] ?? ''));
  dropped.forEach((set, d) => {
    if (set.size > 0) {
      actions.push({
        path: `${path}/levels/${d}`,
        action: 'withheld',
        reason: `categories held by fewer than ${policy.minCount} records are not named`,
      });
    }
  });

  if (unprotected.some((line) => !isDroppedLine(line))) {
    actions.push({
      path,
      action: 'withheld',
      reason:
        'secondary suppression could not protect every suppressed cell from the margins; no cell is released',
    });
    return {
      kind: 'table',
      dimensions: [...part.dimensions],
      levels,
      counts: tuples.filter((t) => t.every((level, d) => !(dropped[d]?.has(level) ?? false))).map(() => null),
      total: null,
    };
  }

  const releasedCounts: (number | null)[] = [];
  let anySuppressed = false;
  let anyReleasedNonZero = false;
  tuples.forEach((t, i) => {
    if (t.some((level, d) => dropped[d]?.has(level) ?? false)) return;
    const value = values[i] ?? null;
    const reason = reasons[i];
    if (reason !== undefined) {
      anySuppressed = true;
      actions.push({
        path: `${path}/counts/${releasedCounts.length}`,
        action: 'suppressed',
        reason: suppressionReason(reason, policy),
      });
    } else if (value !== null && value > 0) {
      anyReleasedNonZero = true;
    }
    releasedCounts.push(reason === undefined ? value : null);
  });
  if (anyReleasedNonZero) {
    actions.push({
      path: `${path}/counts`,
      action: 'rounded',
      reason: `released counts rounded to the nearest ${policy.roundTo}`,
    });
  }
  const total =
    anySuppressed && !anyReleasedNonZero ? null : releasedCounts.reduce<number>((s, v) => s + (v ?? 0), 0);
  actions.push({
    path: `${path}/total`,
    action: total === null ? 'withheld' : 'rounded',
    reason:
      total === null
        ? 'every non-zero cell is suppressed'
        : 'the sum of the released rounded cells, not the true total',
  });
  return { kind: 'table', dimensions: [...part.dimensions], levels, counts: releasedCounts, total };
}

function controlSummaryPart(
  path: string,
  part: RawSummary,
  policy: DisclosurePolicy,
  actions: DisclosureAction[],
): ReleasedSummary {
  if (part.n === 0) {
    return { kind: 'summary', variable: part.variable, n: 0, mean: null, sd: null, quantiles: [] };
  }
  if (part.n < policy.minSummaryRecords) {
    actions.push({
      path,
      action: 'withheld',
      reason: `a summary needs at least ${policy.minSummaryRecords} records`,
    });
    return { kind: 'summary', variable: part.variable, n: null, mean: null, sd: null, quantiles: [] };
  }
  const quantiles = part.quantiles.map((q, i) => {
    // A quantile is an interpolated data value; it is released only with minCount records on each side,
    // so it never comes close to a minimum or maximum.
    const safe = part.n * Math.min(q.p, 1 - q.p) >= policy.minCount;
    if (!safe) {
      actions.push({
        path: `${path}/quantiles/${i}/value`,
        action: 'withheld',
        reason: `a quantile needs at least ${policy.minCount} records on each side`,
      });
    }
    return { p: q.p, value: safe ? q.value : null };
  });
  return { kind: 'summary', variable: part.variable, n: part.n, mean: part.mean, sd: part.sd, quantiles };
}

function controlModelAggregatePart(
  path: string,
  part: RawModelAggregate,
  policy: DisclosurePolicy,
  actions: DisclosureAction[],
): ReleasedModelAggregate {
  const p = part.columns.length;
  const k = part.indicators.names.length;
  if (part.xtwx.length !== (p * (p + 1)) / 2 || part.xtwz.length !== p) {
    throw refuse(`model aggregate "${path.slice(1)}" does not match its ${p} columns`);
  }
  if (part.indicators.crossCounts.length !== (k * (k + 1)) / 2) {
    throw refuse(`model aggregate "${path.slice(1)}" has indicator counts that do not match its indicators`);
  }
  const withhold = (reason: string): ReleasedModelAggregate => {
    actions.push({ path, action: 'withheld', reason });
    return { kind: 'model-aggregate', withheld: true };
  };
  const n = part.n;
  if (n < policy.minSummaryRecords)
    return withhold(`a model needs at least ${policy.minSummaryRecords} records`);
  if (p > policy.glmParameterRatio * n) {
    return withhold(
      `a model may have at most ${policy.glmParameterRatio} × records parameters (${p} is too many)`,
    );
  }
  const cross = (i: number, j: number): number => {
    const [a, b] = i <= j ? [i, j] : [j, i];
    return part.indicators.crossCounts[a * k - (a * (a - 1)) / 2 + (b - a)] ?? 0;
  };
  const isSmall = (c: number): boolean => c > 0 && c < policy.minCount;
  for (let i = 0; i < k; i++) {
    const ones = cross(i, i);
    if (ones > n)
      throw refuse(`model aggregate "${path.slice(1)}" has an indicator with more ones than records`);
    if (isSmall(ones) || isSmall(n - ones)) {
      return withhold(
        `indicator "${part.indicators.names[i]}" has between 1 and ${policy.minCount - 1} records in a category`,
      );
    }
    for (let j = i + 1; j < k; j++) {
      const both = cross(i, j);
      const cells = [both, ones - both, cross(j, j) - both, n - ones - cross(j, j) + both];
      if (cells.some(isSmall)) {
        return withhold(
          `indicators "${part.indicators.names[i]}" and "${part.indicators.names[j]}" cross in between 1 and ${policy.minCount - 1} records`,
        );
      }
    }
  }
  return {
    kind: 'model-aggregate',
    n,
    columns: [...part.columns],
    xtwx: [...part.xtwx],
    xtwz: [...part.xtwz],
    deviance: part.deviance,
    logLikelihood: part.logLikelihood,
  };
}

function controlSurvivalPart(
  path: string,
  part: RawSurvivalCurve,
  policy: DisclosurePolicy,
  actions: DisclosureAction[],
): ReleasedSurvivalCurve {
  const unit = survivalReleaseUnit(policy);
  const groups = part.groups.map((group, g) => {
    const groupPath = `${path}/groups/${g}`;
    let previousTime = -Infinity;
    let leaving = 0;
    for (const step of group.steps) {
      if (!(step.time > previousTime)) throw refuse(`survival group ${g} has times out of order`);
      previousTime = step.time;
      leaving += step.events + step.censored;
    }
    if (leaving > group.persons)
      throw refuse(`survival group ${g} has more events and censorings than persons`);
    const persons = controlCount(group.persons, policy);
    if (group.persons === 0) return { label: group.label, persons: 0, steps: [], releasedUntil: null };
    if (persons.suppressed) {
      actions.push({
        path: groupPath,
        action: 'suppressed',
        reason: `a curve needs at least ${policy.minCount} persons; its group is not named`,
      });
      return { label: null, persons: null, steps: [], releasedUntil: null };
    }
    actions.push({
      path: `${groupPath}/persons`,
      action: 'rounded',
      reason: `rounded to the nearest ${policy.roundTo}`,
    });
    const steps: { time: number; events: number; censored: number }[] = [];
    let atRisk = group.persons;
    let events = 0;
    let censored = 0;
    let releasedEvents = 0;
    let releasedCensored = 0;
    let releasedUntil: number | null = null;
    let truncated = false;
    for (const step of group.steps) {
      if (atRisk < policy.kmMinAtRisk) {
        truncated = true;
        break;
      }
      releasedUntil = step.time;
      events += step.events;
      censored += step.censored;
      atRisk -= step.events + step.censored;
      const e = Math.floor(events / unit) * unit;
      const c = Math.floor(censored / unit) * unit;
      if (e !== releasedEvents || c !== releasedCensored) {
        steps.push({ time: step.time, events: e - releasedEvents, censored: c - releasedCensored });
        releasedEvents = e;
        releasedCensored = c;
      }
    }
    actions.push({
      path: `${groupPath}/steps`,
      action: 'rounded',
      reason: `events and censorings released only where their running totals reach a multiple of ${unit}, in steps of ${unit}`,
    });
    if (truncated) {
      actions.push({
        path: `${groupPath}/steps`,
        action: 'withheld',
        reason: `steps after fewer than ${policy.kmMinAtRisk} were at risk are withheld (see releasedUntil)`,
      });
    }
    return {
      label: group.label,
      persons: roundToMultiple(group.persons, policy.roundTo),
      steps,
      releasedUntil,
    };
  });
  return { kind: 'survival-curve', variable: part.variable, groups };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
