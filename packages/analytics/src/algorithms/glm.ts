import { Type, type Static } from 'typebox';
import { defineAlgorithm, type StationContext, type StationPartial } from '../algorithm.ts';
import { AnalyticsError } from '../analytics-error.ts';
import type { RawModelAggregate, RawTable, StationOutput } from '../output-kinds.ts';
import { partOf, requirePartials } from '../_combine-helpers.ts';
import { normalQuantile, normalSurvival, tQuantile, tSurvival } from '../_distributions.ts';
import { cholesky, SingularMatrixError, unpackSymmetric } from '../_linear-algebra.ts';
import {
  CohortFacts,
  cohortVariable,
  quoteTable,
  readCohortColumns,
  toCountValue,
  variableNamePattern,
} from '../_sql.ts';
import { maxCategoricalLevels, SqlParameters } from '../_stratum.ts';
import { planSums } from './_glm-sums.ts';

const Covariate = Type.Object(
  {
    variable: Type.String({ pattern: variableNamePattern }),
    type: Type.Optional(
      Type.Union([Type.Literal('numeric'), Type.Literal('categorical')], {
        description:
          'numeric (default for number columns) or categorical (dummies; default for text columns)',
      }),
    ),
    reference: Type.Optional(
      Type.String({ maxLength: 500, description: 'Reference level of a categorical covariate' }),
    ),
    levels: Type.Optional(
      Type.Array(Type.String({ maxLength: 500 }), {
        minItems: 1,
        maxItems: maxCategoricalLevels,
        description: 'Levels of a categorical covariate; without them a first round asks the stations',
      }),
    ),
  },
  { additionalProperties: false },
);

const GlmParameters = Type.Object(
  {
    family: Type.Union([Type.Literal('gaussian'), Type.Literal('binomial'), Type.Literal('poisson')], {
      description: 'gaussian (identity link), binomial (logit), poisson (log)',
    }),
    outcome: Type.String({ pattern: variableNamePattern }),
    covariates: Type.Array(Covariate, { maxItems: 49 }),
    intercept: Type.Optional(Type.Boolean({ default: true })),
    maxIterations: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
    tolerance: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 1e-3,
        default: 1e-10,
        description: 'Relative deviance change',
      }),
    ),
  },
  { additionalProperties: false },
);
type GlmParameters = Static<typeof GlmParameters>;

const GlmState = Type.Union([
  Type.Null(),
  Type.Object(
    {
      levels: Type.Record(
        Type.String({ pattern: variableNamePattern }),
        Type.Array(Type.String({ maxLength: 500 }), { maxItems: maxCategoricalLevels }),
      ),
      beta: Type.Union([Type.Array(Type.Number(), { maxItems: 100 }), Type.Null()]),
      iteration: Type.Integer({ minimum: 0, maximum: 1000 }),
      deviance: Type.Union([Type.Number(), Type.Null()]),
    },
    { additionalProperties: false },
  ),
]);
type GlmState = Static<typeof GlmState>;
type IrlsState = Exclude<GlmState, null>;

/** One row of the coefficient table. */
export interface GlmCoefficient {
  readonly term: string;
  readonly estimate: number;
  readonly standardError: number;
  /** z (binomial, poisson) or t (gaussian). */
  readonly statistic: number;
  readonly pValue: number;
  readonly lower: number;
  readonly upper: number;
}

/** The result of `glm@1.0.0`. */
export interface GlmResult {
  readonly family: GlmParameters['family'];
  readonly link: 'identity' | 'logit' | 'log';
  readonly coefficients: readonly GlmCoefficient[];
  readonly statistic: 'z' | 't';
  readonly dispersion: number;
  readonly deviance: number;
  readonly logLikelihood: number;
  readonly aic: number;
  readonly n: number;
  readonly residualDf: number;
  readonly iterations: number;
  readonly converged: boolean;
  readonly stations: { readonly included: readonly string[]; readonly withheld: readonly string[] };
}

const intercept = '(Intercept)';

/**
 * A generalised linear model fitted by exact federated IRLS: every round each station sends Xᵀ W X,
 * Xᵀ W z, the deviance and n for the hub's current coefficients; the hub sums them and solves, so the
 * result equals the fit on the pooled data.
 */
export const glmAlgorithm = defineAlgorithm({
  name: 'glm',
  version: '1.0.0',
  title: 'Generalised linear model',
  description:
    'Fits a gaussian (identity), binomial (logit) or poisson (log) GLM by federated iteratively reweighted least squares; the result equals the pooled fit. Coefficients with standard errors, z or t statistics, p-values and 95% confidence intervals, deviance and AIC.',
  parameters: GlmParameters,
  state: GlmState,
  outputKinds: ['table', 'model-aggregate'],
  rounds: 'iterative',
  local: glmLocal,
  combine({ parameters, state, partials }) {
    requirePartials(partials, 'GLM aggregates');
    if (state === null && needsLevels(parameters)) {
      return {
        status: 'next-round',
        state: { levels: discoverLevels(parameters, partials), beta: null, iteration: 0, deviance: null },
      };
    }
    const irls: IrlsState = state ?? {
      levels: givenLevels(parameters),
      beta: null,
      iteration: 0,
      deviance: null,
    };
    return irlsStep(parameters, irls, partials);
  },
});

function needsLevels(parameters: GlmParameters): boolean {
  return parameters.covariates.some((c) => c.type === 'categorical' && c.levels === undefined);
}

/**
 * Whether a covariate is categorical as far as the parameters say. A text column without `type` is
 * categorical too; the hub cannot see column types, so a text covariate needs `type: 'categorical'` or
 * `levels` for the hub to plan the discovery round; the station refuses one that has neither.
 */
function isCategoricalParameter(c: Static<typeof Covariate>): boolean {
  return c.type === 'categorical' || (c.type === undefined && c.levels !== undefined);
}

function givenLevels(parameters: GlmParameters): Record<string, string[]> {
  const levels: Record<string, string[]> = {};
  for (const c of parameters.covariates) {
    if (isCategoricalParameter(c) && c.levels !== undefined)
      levels[c.variable] = withReferenceFirst(c.levels, c);
  }
  return levels;
}

function withReferenceFirst(levels: readonly string[], c: Static<typeof Covariate>): string[] {
  const reference = c.reference ?? levels[0];
  if (reference === undefined || !levels.includes(reference)) {
    throw new AnalyticsError(
      'invalid-parameters',
      `Cannot fit GLM: reference level "${String(reference)}" of "${c.variable}" is not among its levels (${levels.join(', ')})`,
    );
  }
  return [reference, ...levels.filter((l) => l !== reference)];
}

/** The design: one column per coefficient, with its SQL expression. */
interface DesignColumn {
  readonly term: string;
  readonly sql: string;
  /** True for dummies (always 0/1); numeric 0/1 columns are detected from the data. */
  readonly dummy: boolean;
  readonly variable: string | undefined;
}

async function glmLocal(
  ctx: StationContext,
  parameters: GlmParameters,
  _round: number,
  state: GlmState,
): Promise<StationOutput> {
  const columns = await readCohortColumns(ctx);
  const table = quoteTable(ctx.cohortTable);
  const outcome = cohortVariable(columns, parameters.outcome, { role: 'outcome', type: 'numeric' });
  const seen = new Set<string>([parameters.outcome]);
  for (const c of parameters.covariates) {
    if (seen.has(c.variable)) {
      throw new AnalyticsError(
        'invalid-parameters',
        `Cannot fit GLM: "${c.variable}" appears twice among outcome and covariates`,
      );
    }
    seen.add(c.variable);
    const type = c.type === 'numeric' ? 'numeric' : undefined;
    cohortVariable(columns, c.variable, { role: 'covariate', ...(type === undefined ? {} : { type }) });
    if (columns.get(c.variable) === 'text' && !isCategoricalParameter(c)) {
      throw new AnalyticsError(
        'invalid-parameters',
        `Cannot fit GLM: covariate "${c.variable}" holds text; declare it type 'categorical'`,
      );
    }
  }

  if (state === null && needsLevels(parameters)) {
    // Discovery round: the levels of each categorical covariate, as a disclosure-controlled table.
    const output: Record<string, RawTable> = {};
    for (const [i, c] of parameters.covariates.entries()) {
      if (!isCategoricalParameter(c) || c.levels !== undefined) continue;
      const quoted = cohortVariable(columns, c.variable, { role: 'covariate' });
      const rows = await ctx.query(
        `SELECT CAST(${quoted} AS VARCHAR) AS k, count(*) AS n FROM ${table} WHERE ${quoted} IS NOT NULL AND ${outcome} IS NOT NULL GROUP BY k ORDER BY k`,
      );
      if (rows.length > maxCategoricalLevels) {
        throw new AnalyticsError(
          'invalid-parameters',
          `Cannot fit GLM: covariate "${c.variable}" has more than ${maxCategoricalLevels} levels`,
        );
      }
      output[`levels${i}`] = {
        kind: 'table',
        dimensions: [c.variable],
        levels: [rows.map((r) => String(r['k']))],
        counts: rows.map((r) => toCountValue(r['n'])),
      };
    }
    return output;
  }

  const levels = state?.levels ?? givenLevels(parameters);
  const params = new SqlParameters();
  const conditions = [`${outcome} IS NOT NULL`];
  // Each level is bound once: the IN list that excludes records of other levels and the dummies share it.
  const levelParameters = new Map<string, Map<string, string>>();
  for (const c of parameters.covariates) {
    const quoted = cohortVariable(columns, c.variable, { role: 'covariate' });
    conditions.push(`${quoted} IS NOT NULL`);
    if (!isCategoricalParameter(c)) continue;
    const ls = levels[c.variable];
    if (ls === undefined) {
      throw new AnalyticsError(
        'invalid-parameters',
        `Cannot fit GLM: the hub's state lacks the levels of "${c.variable}"`,
      );
    }
    const placeholders = new Map(ls.map((l) => [l, params.add(l)]));
    levelParameters.set(c.variable, placeholders);
    // Records whose level is not in the design (held by too few records anywhere to be named) are left out.
    conditions.push(`CAST(${quoted} AS VARCHAR) IN (${[...placeholders.values()].join(', ')})`);
  }
  const design: DesignColumn[] = [];
  if (parameters.intercept !== false)
    design.push({ term: intercept, sql: '1.0', dummy: false, variable: undefined });
  for (const c of parameters.covariates) {
    const quoted = cohortVariable(columns, c.variable, { role: 'covariate' });
    const placeholders = levelParameters.get(c.variable);
    if (placeholders === undefined) {
      design.push({ term: c.variable, sql: `CAST(${quoted} AS DOUBLE)`, dummy: false, variable: c.variable });
      continue;
    }
    for (const [level, placeholder] of [...placeholders].slice(1)) {
      design.push({
        term: `${c.variable}=${level}`,
        sql: `CASE WHEN CAST(${quoted} AS VARCHAR) = ${placeholder} THEN 1.0 ELSE 0.0 END`,
        dummy: true,
        variable: c.variable,
      });
    }
  }
  const p = design.length;
  if (p === 0) throw new AnalyticsError('invalid-parameters', 'Cannot fit GLM: the model has no terms');
  const beta = state?.beta ?? null;
  if (beta !== null && beta.length !== p) {
    throw new AnalyticsError(
      'invalid-parameters',
      `Cannot fit GLM: the hub sent ${beta.length} coefficients for ${p} terms`,
    );
  }
  const where = conditions.join(' AND ');

  // Numeric covariates that hold only 0 and 1 are indicators too: their counts are checked like dummies.
  // Decided by the station from its data (the hub's state cannot tell it what to check): every round, or
  // once per cohort version when the station names one.
  const numericColumns = design.flatMap((d, j) => (d.variable !== undefined && !d.dummy ? [j] : []));
  const binary = await binaryColumns(
    ctx,
    numericColumns.length === 0
      ? undefined
      : `SELECT ${numericColumns.map((j) => `coalesce(bool_and(${design[j]?.sql ?? ''} = 0 OR ${design[j]?.sql ?? ''} = 1), false) AS b${j}`).join(', ')} FROM ${table} WHERE ${where}`,
    params.values,
  );
  const indicatorColumns = design.flatMap((d, j) =>
    d.dummy || (d.variable !== undefined && binary.has(j)) ? [j] : [],
  );
  const family = parameters.family;
  const indicatorNames = [
    ...indicatorColumns.map((j) => design[j]?.term ?? ''),
    ...(family === 'binomial' ? [`${parameters.outcome} (outcome)`] : []),
  ];

  // The intercept's column is the constant 1: it is not in the SQL, its products are the other factor.
  const isIntercept = design.map((d) => d.term === intercept && d.variable === undefined);
  const eta =
    beta === null
      ? startingEta(family)
      : design
          .map((_, j) => `${params.add(beta[j] ?? 0)}::DOUBLE${isIntercept[j] === true ? '' : ` * x${j}`}`)
          .join(' + ');
  const f = familySql(family);
  const indicatorSet = new Set(indicatorColumns);
  const plan = planSums({
    columns: design.map((d, j) => {
      const indicator = indicatorSet.has(j);
      if (!indicator || d.variable === undefined) return { constant: isIntercept[j] === true, indicator };
      const combinations = d.dummy ? (levels[d.variable]?.length ?? 0) : 2;
      return { constant: false, indicator, group: { variable: d.variable, combinations } };
    }),
    outcomeIndicator: family === 'binomial',
    sumLogLikelihood: family === 'poisson',
    invalid: f.invalid,
  });
  const designSql = design.flatMap((d, j) => (isIntercept[j] === true ? [] : [`, ${d.sql} AS x${j}`]));
  // One pass over the cohort: the design, the per-record IRLS quantities, then every sum in one SELECT.
  const sql = `
    WITH d AS (SELECT CAST(${outcome} AS DOUBLE) AS y${designSql.join('')} FROM ${table} WHERE ${where}),
         e AS (SELECT *, ${eta} AS eta FROM d),
         a AS (SELECT *${f.before === undefined ? '' : `, ${f.before}`} FROM e),
         m AS (SELECT *, ${beta === null ? f.startingMu : f.mu} AS mu${f.besideMu === undefined ? '' : `, ${f.besideMu}`} FROM a),
         r AS (SELECT *, ${f.w} AS w, ${f.wz} AS wz, ${f.dev} AS dev${f.ll === undefined ? '' : `, ${f.ll} AS ll`} FROM m)
    ${plan.sql}`;
  const sums = plan.assemble(await ctx.query(sql, params.values));
  if (sums.invalid > 0) {
    throw new AnalyticsError(
      'invalid-parameters',
      `Cannot fit a ${family} GLM: outcome "${parameters.outcome}" has values outside its family's range (${f.range})`,
    );
  }
  const aggregate: RawModelAggregate = {
    kind: 'model-aggregate',
    n: sums.n,
    columns: design.map((d) => d.term),
    xtwx: sums.xtwx,
    xtwz: sums.xtwz,
    deviance: sums.deviance,
    // A 0/1 outcome's saturated log-likelihood is 0, so the binomial's is minus half the deviance.
    logLikelihood:
      family === 'gaussian' ? null : family === 'binomial' ? -sums.deviance / 2 : sums.logLikelihood,
    indicators: { names: indicatorNames, crossCounts: sums.crossCounts },
  };
  return { model: aggregate };
}

/**
 * Which numeric design columns hold only 0 and 1 among the records the model uses, by column index.
 * Remembered per (cohort version, table, query, parameters) when the station names the cohort's version:
 * the same cohort and model give the same answer, so later rounds skip a pass over the cohort. Only these
 * indices are kept, never values of records.
 */
async function binaryColumns(
  ctx: StationContext,
  sql: string | undefined,
  params: readonly unknown[],
): Promise<ReadonlySet<number>> {
  if (sql === undefined) return new Set();
  return binaryColumnsSeen.of(ctx, [sql, params], async () => {
    const [row] = await ctx.query(sql, params);
    return new Set(
      Object.entries(row ?? {}).flatMap(([name, value]) => (value === true ? [Number(name.slice(1))] : [])),
    );
  });
}

const binaryColumnsSeen = new CohortFacts<ReadonlySet<number>>();

/** η at the family's starting means (R's `mustart`), for round one of IRLS. */
function startingEta(family: GlmParameters['family']): string {
  switch (family) {
    case 'gaussian':
      return 'y';
    case 'binomial':
      return 'ln(((y + 0.5) / 2) / (1 - (y + 0.5) / 2))';
    case 'poisson':
      return 'ln(y + 0.1)';
  }
}

/**
 * Per-record IRLS quantities for canonical links, where W z = w η + (y − μ) (no division by w, so tiny
 * weights cannot blow up z). `before` and `besideMu` name per-record values the later expressions share
 * (computed once, before and beside μ); `startingMu` is R's `mustart`; `invalid` is the condition of a
 * record outside the family's range (none for the gaussian).
 */
function familySql(family: GlmParameters['family']): {
  before?: string;
  mu: string;
  besideMu?: string;
  startingMu: string;
  w: string;
  wz: string;
  dev: string;
  /** The per-record log-likelihood, where it does not follow from the deviance. */
  ll?: string;
  invalid: string | undefined;
  range: string;
} {
  switch (family) {
    case 'gaussian':
      return {
        mu: 'eta',
        startingMu: 'y',
        w: '1.0',
        wz: 'eta + (y - mu)',
        dev: '(y - mu) * (y - mu)',
        invalid: undefined,
        range: 'any number',
      };
    case 'binomial':
      // One exp and one ln per record: with e = exp(−|η|) (never overflows), μ = 1/(1+e) or e/(1+e) and
      // softplus(η) = ln(1+e) + max(η, 0); the deviance term y·softplus(−η) + (1−y)·softplus(η) of a 0/1
      // outcome is softplus(η) − yη.
      return {
        before: 'exp(-abs(eta)) AS ex',
        mu: 'CASE WHEN eta >= 0 THEN 1 / (1 + ex) ELSE ex / (1 + ex) END',
        besideMu: 'ln(1 + ex) + greatest(eta, 0) AS sp',
        startingMu: '(y + 0.5) / 2',
        w: 'mu * (1 - mu)',
        wz: 'mu * (1 - mu) * eta + (y - mu)',
        dev: '2 * (sp - y * eta)',
        invalid: 'y <> 0 AND y <> 1',
        range: '0 or 1',
      };
    case 'poisson':
      // η is clamped inside exp() only, where η > 700 would overflow a double.
      return {
        mu: 'exp(least(eta, 700))',
        startingMu: 'y + 0.1',
        w: 'mu',
        wz: 'mu * eta + (y - mu)',
        dev: '2 * (CASE WHEN y > 0 THEN y * (ln(y) - ln(mu)) ELSE 0 END - (y - mu))',
        ll: 'y * ln(mu) - mu - lgamma(y + 1)',
        invalid: 'NOT (y >= 0 AND y = floor(y))',
        range: 'non-negative whole numbers',
      };
  }
}

/** The design's levels from the discovery round: levels released as non-zero at some station. */
function discoverLevels(
  parameters: GlmParameters,
  partials: readonly StationPartial[],
): Record<string, string[]> {
  const levels = givenLevels(parameters);
  for (const [i, c] of parameters.covariates.entries()) {
    if (!isCategoricalParameter(c) || c.levels !== undefined) continue;
    const seen = new Set<string>();
    for (const partial of partials) {
      const part = partOf(partial, `levels${i}`, ['table']);
      (part.levels[0] ?? []).forEach((label, k) => {
        if ((part.counts[k] ?? 0) > 0) seen.add(label);
      });
    }
    const sorted = [...seen].sort();
    if (sorted.length === 0) {
      throw new AnalyticsError(
        'insufficient-data',
        `Cannot fit GLM: no station has enough records in any level of "${c.variable}"`,
      );
    }
    levels[c.variable] = withReferenceFirst(sorted, c);
  }
  return levels;
}

function irlsStep(
  parameters: GlmParameters,
  state: IrlsState,
  partials: readonly StationPartial[],
): { status: 'done'; result: GlmResult } | { status: 'next-round'; state: IrlsState } {
  const included: StationPartial[] = [];
  const withheld: string[] = [];
  for (const partial of partials) {
    const part = partOf(partial, 'model', ['model-aggregate']);
    if ('withheld' in part) withheld.push(partial.stationId);
    else included.push(partial);
  }
  if (included.length === 0) {
    throw new AnalyticsError(
      'insufficient-data',
      'Cannot fit GLM: every station withheld its aggregates (too few records, too many parameters, or categories held by too few records)',
    );
  }
  let columns: readonly string[] | undefined;
  let n = 0;
  let deviance = 0;
  let logLikelihood = 0;
  let xtwx: number[] = [];
  let xtwz: number[] = [];
  for (const partial of included) {
    const part = partOf(partial, 'model', ['model-aggregate']);
    if ('withheld' in part) continue;
    if (columns === undefined) {
      columns = part.columns;
      xtwx = new Array<number>(part.xtwx.length).fill(0);
      xtwz = new Array<number>(part.xtwz.length).fill(0);
    } else if (columns.join('\u0000') !== part.columns.join('\u0000')) {
      throw new AnalyticsError(
        'compute',
        `Cannot combine GLM aggregates: station ${partial.stationId} used different terms`,
      );
    }
    n += part.n;
    deviance += part.deviance;
    logLikelihood += part.logLikelihood ?? 0;
    part.xtwx.forEach((v, k) => (xtwx[k] = (xtwx[k] ?? 0) + v));
    part.xtwz.forEach((v, k) => (xtwz[k] = (xtwz[k] ?? 0) + v));
  }
  const terms = columns ?? [];
  const p = terms.length;
  const factor = factorise(xtwx, p, terms);
  const tolerance = parameters.tolerance ?? 1e-10;
  const maxIterations = parameters.maxIterations ?? 25;
  const family = parameters.family;
  const converged =
    state.beta !== null &&
    (family === 'gaussian' ||
      (state.deviance !== null &&
        Math.abs(deviance - state.deviance) / (Math.abs(deviance) + 0.1) < tolerance));
  if (state.beta !== null && (converged || state.iteration >= maxIterations)) {
    return {
      status: 'done',
      result: summarise({
        parameters,
        terms,
        beta: state.beta,
        factor,
        n,
        deviance,
        logLikelihood,
        iterations: state.iteration,
        converged,
        included,
        withheld,
      }),
    };
  }
  return {
    status: 'next-round',
    state: { levels: state.levels, beta: factor.solve(xtwz), iteration: state.iteration + 1, deviance },
  };
}

function factorise(xtwx: readonly number[], p: number, terms: readonly string[]) {
  try {
    return cholesky(unpackSymmetric(xtwx, p));
  } catch (error) {
    if (error instanceof SingularMatrixError) {
      throw new AnalyticsError(
        'compute',
        `Cannot fit GLM: term "${terms[error.column] ?? '?'}" is constant or a linear combination of the terms before it (remove it or merge levels)`,
        { cause: error },
      );
    }
    throw error;
  }
}

function summarise(input: {
  parameters: GlmParameters;
  terms: readonly string[];
  beta: readonly number[];
  factor: ReturnType<typeof cholesky>;
  n: number;
  deviance: number;
  logLikelihood: number;
  iterations: number;
  converged: boolean;
  included: readonly StationPartial[];
  withheld: readonly string[];
}): GlmResult {
  const { parameters, terms, beta, n, deviance } = input;
  const p = terms.length;
  const family = parameters.family;
  const residualDf = n - p;
  const dispersion = family === 'gaussian' ? deviance / residualDf : 1;
  const covariance = input.factor.inverse();
  const useT = family === 'gaussian';
  const q = useT ? tQuantile(0.975, residualDf) : normalQuantile(0.975);
  const coefficients = terms.map((term, j) => {
    const estimate = beta[j] ?? 0;
    const standardError = Math.sqrt(dispersion * (covariance[j]?.[j] ?? 0));
    const statistic = estimate / standardError;
    const tail = useT ? tSurvival(Math.abs(statistic), residualDf) : normalSurvival(Math.abs(statistic));
    return {
      term,
      estimate,
      standardError,
      statistic,
      pValue: Math.min(1, 2 * tail),
      lower: estimate - q * standardError,
      upper: estimate + q * standardError,
    };
  });
  // As R's glm: the gaussian log-likelihood at σ̂² = RSS/n, with σ counted as a parameter in the AIC.
  const logLikelihood =
    family === 'gaussian' ? -(n / 2) * (Math.log((2 * Math.PI * deviance) / n) + 1) : input.logLikelihood;
  const aic = -2 * logLikelihood + 2 * (p + (family === 'gaussian' ? 1 : 0));
  return {
    family,
    link: family === 'gaussian' ? 'identity' : family === 'binomial' ? 'logit' : 'log',
    coefficients,
    statistic: useT ? 't' : 'z',
    dispersion,
    deviance,
    logLikelihood,
    aic,
    n,
    residualDf,
    iterations: input.iterations,
    converged: input.converged,
    stations: { included: input.included.map((s) => s.stationId), withheld: [...input.withheld] },
  };
}
