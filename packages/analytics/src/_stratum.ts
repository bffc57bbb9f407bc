import { Type, type Static } from 'typebox';
import { AnalyticsError } from './analytics-error.ts';
import { cohortVariable, variableNamePattern, type CohortColumns } from './_sql.ts';

/** A variable to stratify by: categorical as it is, or numeric binned at `breaks`. */
export const StratumParameter = Type.Object(
  {
    variable: Type.String({ pattern: variableNamePattern, description: 'A cohort variable' }),
    breaks: Type.Optional(
      Type.Array(Type.Number(), {
        minItems: 1,
        maxItems: 30,
        description:
          'For a numeric variable: ascending cut points; bins are [b₀,b₁), …, below b₀ and from the last up',
      }),
    ),
  },
  { additionalProperties: false },
);
export type StratumParameter = Static<typeof StratumParameter>;

/** The level used for a missing (NULL) value. */
export const missingLevel = '(missing)';

/** Most levels a categorical variable may have before the algorithm asks for breaks or fewer categories. */
export const maxCategoricalLevels = 100;

/** Collects bind parameters and hands out their `$n` placeholders. */
export class SqlParameters {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** A stratum compiled to SQL: `key` is the expression grouped by; `label` maps a key to its level. */
export interface CompiledStratum {
  readonly variable: string;
  readonly key: string;
  /** Levels known before the query (bins); undefined for categorical variables (taken from the data). */
  readonly fixedLevels: readonly string[] | undefined;
  label(key: unknown): string;
}

/** Compiles a stratum: checks the variable exists, binning numbers when breaks are given. */
export function compileStratum(
  columns: CohortColumns,
  stratum: StratumParameter,
  params: SqlParameters,
  role = 'stratum variable',
): CompiledStratum {
  const quoted = cohortVariable(columns, stratum.variable, { role });
  const breaks = stratum.breaks;
  if (breaks === undefined) {
    return {
      variable: stratum.variable,
      key: quoted,
      fixedLevels: undefined,
      label: (key) =>
        key === null || key === undefined
          ? missingLevel
          : typeof key === 'bigint'
            ? key.toString()
            : String(key),
    };
  }
  if (columns.get(stratum.variable) !== 'numeric') {
    throw new AnalyticsError(
      'invalid-parameters',
      `Cannot bin ${role} "${stratum.variable}": breaks apply to numeric variables only`,
    );
  }
  for (let i = 1; i < breaks.length; i++) {
    if (!((breaks[i] ?? 0) > (breaks[i - 1] ?? 0))) {
      throw new AnalyticsError(
        'invalid-parameters',
        `Cannot bin ${role} "${stratum.variable}": breaks must be strictly ascending`,
      );
    }
  }
  const labels = binLabels(breaks);
  const whens = breaks.map((b, i) => `WHEN ${quoted} < ${params.add(b)} THEN ${i}`).join(' ');
  return {
    variable: stratum.variable,
    key: `CASE WHEN ${quoted} IS NULL THEN NULL ${whens} ELSE ${breaks.length} END`,
    fixedLevels: labels,
    label: (key) =>
      key === null || key === undefined ? missingLevel : (labels[Number(key)] ?? missingLevel),
  };
}

/** Labels of the bins cut at `breaks`: `<b₀`, `[b₀,b₁)`, …, `>=bₖ`. */
export function binLabels(breaks: readonly number[]): string[] {
  const labels = [`<${breaks[0]}`];
  for (let i = 1; i < breaks.length; i++) labels.push(`[${breaks[i - 1]},${breaks[i]})`);
  labels.push(`>=${breaks[breaks.length - 1]}`);
  return labels;
}

/**
 * The levels of a compiled stratum given the keys seen in the data: the bins in order (plus missing if
 * seen), or the distinct values sorted (numbers numerically) with missing last.
 */
export function stratumLevels(stratum: CompiledStratum, keys: readonly unknown[]): string[] {
  const hasMissing = keys.some((k) => k === null || k === undefined);
  if (stratum.fixedLevels !== undefined) {
    return hasMissing ? [...stratum.fixedLevels, missingLevel] : [...stratum.fixedLevels];
  }
  const distinct = [...new Set(keys.filter((k) => k !== null && k !== undefined))];
  if (distinct.length > maxCategoricalLevels) {
    throw new AnalyticsError(
      'invalid-parameters',
      `Cannot stratify by "${stratum.variable}": it has more than ${maxCategoricalLevels} distinct values; give breaks to bin it`,
    );
  }
  const numeric = distinct.every((k) => typeof k === 'number' || typeof k === 'bigint');
  const sorted = numeric
    ? distinct.sort((a, b) => Number(a) - Number(b))
    : distinct.map((k) => stratum.label(k)).sort();
  const labels = numeric ? sorted.map((k) => stratum.label(k)) : (sorted as string[]);
  return hasMissing ? [...labels, missingLevel] : labels;
}

/**
 * Orders level labels pooled from several stations: known bin order first when every label is a bin of
 * the same breaks, otherwise numbers numerically then text; missing last.
 */
export function mergeLevels(lists: readonly (readonly string[])[], fixed?: readonly string[]): string[] {
  const all = new Set(lists.flat());
  const missing = all.delete(missingLevel);
  let ordered: string[];
  if (fixed !== undefined) {
    ordered = fixed.filter((l) => all.has(l));
    for (const l of all) if (!fixed.includes(l)) ordered.push(l);
  } else {
    const values = [...all];
    const numeric = values.every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
    ordered = numeric ? values.sort((a, b) => Number(a) - Number(b)) : values.sort();
  }
  return missing ? [...ordered, missingLevel] : ordered;
}
