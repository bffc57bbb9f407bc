import { Type, type Static } from 'typebox';

/**
 * The kinds of output an algorithm may return from its station half. Disclosure control is defined per
 * kind, so the station can control any algorithm's output without trusting the algorithm.
 */
export type OutputKind = 'count' | 'table' | 'summary' | 'model-aggregate' | 'survival-curve';

/** Every output kind, in the order the disclosure report names them. */
export const outputKinds: readonly OutputKind[] = Object.freeze([
  'count',
  'table',
  'summary',
  'model-aggregate',
  'survival-curve',
]);

const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Finite = Type.Number();
const Label = Type.String({ maxLength: 500 });
const VariableName = Type.String({ maxLength: 63 });

/** A single count of records (persons) before disclosure control. */
export const RawCount = Type.Object(
  { kind: Type.Literal('count'), value: Count },
  { additionalProperties: false },
);
export type RawCount = Static<typeof RawCount>;

/**
 * A dense table of counts over 1..3 dimensions before disclosure control: `levels[d]` are the labels of
 * dimension `d`, `counts` the cells in row-major order (the last dimension varies fastest).
 */
export const RawTable = Type.Object(
  {
    kind: Type.Literal('table'),
    dimensions: Type.Array(VariableName, { minItems: 1, maxItems: 3 }),
    levels: Type.Array(Type.Array(Label, { maxItems: 1000 }), { minItems: 1, maxItems: 3 }),
    counts: Type.Array(Count, { maxItems: 20_000 }),
  },
  { additionalProperties: false },
);
export type RawTable = Static<typeof RawTable>;

/** Summary statistics of one numeric variable over its `n` non-missing values. */
export const RawSummary = Type.Object(
  {
    kind: Type.Literal('summary'),
    variable: VariableName,
    n: Count,
    mean: Type.Union([Finite, Type.Null()]),
    sd: Type.Union([Finite, Type.Null()]),
    quantiles: Type.Array(
      Type.Object(
        {
          p: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
          value: Type.Union([Finite, Type.Null()]),
        },
        { additionalProperties: false },
      ),
      { maxItems: 99 },
    ),
  },
  { additionalProperties: false },
);
export type RawSummary = Static<typeof RawSummary>;

/**
 * The sufficient statistics of one IRLS step of a GLM at one station: Xᵀ W X (upper triangle, row by row,
 * diagonal included), Xᵀ W z, the deviance and log-likelihood at the current coefficients, and the number
 * of complete records. `indicators` are the 0/1 columns (dummies, 0/1 covariates, a binomial outcome) with
 * their cross counts (upper triangle with diagonal: Σ xᵢxⱼ); disclosure control checks them and never
 * releases them.
 */
export const RawModelAggregate = Type.Object(
  {
    kind: Type.Literal('model-aggregate'),
    n: Count,
    columns: Type.Array(Label, { minItems: 1, maxItems: 100 }),
    xtwx: Type.Array(Finite, { maxItems: 5050 }),
    xtwz: Type.Array(Finite, { maxItems: 100 }),
    deviance: Finite,
    logLikelihood: Type.Union([Finite, Type.Null()]),
    indicators: Type.Object(
      {
        names: Type.Array(Label, { maxItems: 101 }),
        crossCounts: Type.Array(Count, { maxItems: 5151 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type RawModelAggregate = Static<typeof RawModelAggregate>;

const SurvivalStep = Type.Object(
  { time: Finite, events: Count, censored: Count },
  { additionalProperties: false },
);

/**
 * Survival data per group before disclosure control: for each distinct time (ascending), the events and
 * the censored at that time; at-risk counts follow from `persons` (the number at risk at the start).
 */
export const RawSurvivalCurve = Type.Object(
  {
    kind: Type.Literal('survival-curve'),
    variable: VariableName,
    groups: Type.Array(
      Type.Object(
        {
          label: Type.Union([Label, Type.Null()]),
          persons: Count,
          steps: Type.Array(SurvivalStep, { maxItems: 100_000 }),
        },
        { additionalProperties: false },
      ),
      { maxItems: 100 },
    ),
  },
  { additionalProperties: false },
);
export type RawSurvivalCurve = Static<typeof RawSurvivalCurve>;

/** One part of a station half's output, tagged with its kind. */
export const RawOutputPart = Type.Union([
  RawCount,
  RawTable,
  RawSummary,
  RawModelAggregate,
  RawSurvivalCurve,
]);
export type RawOutputPart = Static<typeof RawOutputPart>;

/**
 * What a station half returns: named parts, each of a declared kind. Names are plain words (they become
 * JSON-pointer segments in the disclosure report).
 */
export type StationOutput = Readonly<Record<string, RawOutputPart>>;

const MaybeCount = Type.Union([Count, Type.Null()]);

/** A count after disclosure control: rounded, or null when suppressed. */
export const ReleasedCount = Type.Object(
  { kind: Type.Literal('count'), value: MaybeCount },
  { additionalProperties: false },
);
export type ReleasedCount = Static<typeof ReleasedCount>;

/**
 * A table after disclosure control: cells rounded or null (suppressed), levels held by fewer than
 * `minCount` records left out, `total` the sum of the released cells (null when nothing is released).
 */
export const ReleasedTable = Type.Object(
  {
    kind: Type.Literal('table'),
    dimensions: Type.Array(VariableName, { minItems: 1, maxItems: 3 }),
    levels: Type.Array(Type.Array(Label, { maxItems: 1000 }), { minItems: 1, maxItems: 3 }),
    counts: Type.Array(MaybeCount, { maxItems: 20_000 }),
    total: Type.Optional(MaybeCount),
  },
  { additionalProperties: false },
);
export type ReleasedTable = Static<typeof ReleasedTable>;

/** A summary after disclosure control: exact when n ≥ minSummaryRecords, otherwise everything null. */
export const ReleasedSummary = Type.Object(
  {
    kind: Type.Literal('summary'),
    variable: VariableName,
    n: MaybeCount,
    mean: Type.Union([Finite, Type.Null()]),
    sd: Type.Union([Finite, Type.Null()]),
    quantiles: Type.Array(
      Type.Object(
        {
          p: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
          value: Type.Union([Finite, Type.Null()]),
        },
        { additionalProperties: false },
      ),
      { maxItems: 99 },
    ),
  },
  { additionalProperties: false },
);
export type ReleasedSummary = Static<typeof ReleasedSummary>;

/** A model aggregate after disclosure control: exact, or withheld (no numbers at all). */
export const ReleasedModelAggregate = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('model-aggregate'),
      n: Count,
      columns: Type.Array(Label, { minItems: 1, maxItems: 100 }),
      xtwx: Type.Array(Finite, { maxItems: 5050 }),
      xtwz: Type.Array(Finite, { maxItems: 100 }),
      deviance: Finite,
      logLikelihood: Type.Union([Finite, Type.Null()]),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('model-aggregate'), withheld: Type.Literal(true) },
    { additionalProperties: false },
  ),
]);
export type ReleasedModelAggregate = Static<typeof ReleasedModelAggregate>;

/**
 * Survival data after disclosure control, per group: `persons` rounded; steps only up to `releasedUntil`
 * (the last time at which at least `kmMinAtRisk` were at risk), with events and censored released as
 * changes of their cumulative counts rounded down to a multiple of the release unit (see README). A group
 * with fewer than `minCount` persons has `persons` null, no steps and no label.
 */
export const ReleasedSurvivalCurve = Type.Object(
  {
    kind: Type.Literal('survival-curve'),
    variable: VariableName,
    groups: Type.Array(
      Type.Object(
        {
          label: Type.Union([Label, Type.Null()]),
          persons: MaybeCount,
          steps: Type.Array(SurvivalStep, { maxItems: 100_000 }),
          releasedUntil: Type.Optional(Type.Union([Finite, Type.Null()])),
        },
        { additionalProperties: false },
      ),
      { maxItems: 100 },
    ),
  },
  { additionalProperties: false },
);
export type ReleasedSurvivalCurve = Static<typeof ReleasedSurvivalCurve>;

/**
 * One part of a released output. The hub half accepts these; raw parts of the same kind (except model
 * aggregates, whose indicator counts are never released) fit them too, which lets tests compare the
 * federated computation before disclosure control with the pooled one.
 */
export const ReleasedOutputPart = Type.Union([
  ReleasedCount,
  ReleasedTable,
  ReleasedSummary,
  ReleasedModelAggregate,
  ReleasedSurvivalCurve,
]);
export type ReleasedOutputPart = Static<typeof ReleasedOutputPart>;

/** A station's released output: named parts (the JSON a TaskResult carries). */
export const ReleasedOutput = Type.Record(
  Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9_-]{0,62}$' }),
  ReleasedOutputPart,
);
export type ReleasedOutput = Static<typeof ReleasedOutput>;
