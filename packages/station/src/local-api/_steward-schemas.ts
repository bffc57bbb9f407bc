import { Type, type Static } from 'typebox';
import { optOutPurposes } from '../opt-out/opt-out-register.ts';
import { StationPolicySchema } from '../service/station-policy.ts';

/*
 * The TypeBox schemas of the steward's local API: they validate requests, shape responses and make the
 * OpenAPI document from which the console's types are generated (`npm run generate:station-api -w
 * @polder/web`).
 */

/** The body of every refusal: `{ error: { code, message } }`. */
export const ErrorAnswer = Type.Object({
  error: Type.Object({
    code: Type.String({
      description: 'bad-request, unauthorised, forbidden, not-found, conflict or internal',
    }),
    message: Type.String({ description: 'What could not be done and why, for a person to act on' }),
  }),
});

/** Responses for the refusals every steward route may give. */
export const refusals = {
  400: ErrorAnswer,
  401: ErrorAnswer,
} as const;

/** The steward who acts, for the audit log. */
export const StewardRef = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 200 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);

const Purpose = Type.Union(optOutPurposes.map((purpose) => Type.Literal(purpose)));
const Purposes = Type.Array(Purpose, { minItems: 1, maxItems: optOutPurposes.length });

/** A steward records or withdraws a patient's opt-out. */
export const OptOutBody = Type.Object(
  {
    /** The patient number; it passes through to the keyed hash and is never stored. */
    sourceIdentifier: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    purposes: Purposes,
    steward: Type.Optional(StewardRef),
  },
  { additionalProperties: false },
);
export type OptOutBody = Static<typeof OptOutBody>;

export const OptOutChangeAnswer = Type.Object({
  reference: Type.String(),
  changed: Type.Array(Purpose),
  unchanged: Type.Array(Purpose),
});

export const OptOutQuery = Type.Object(
  {
    includeWithdrawn: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  },
  { additionalProperties: false },
);
export type OptOutQuery = Static<typeof OptOutQuery>;

export const OptOutListAnswer = Type.Object({
  optOuts: Type.Array(
    Type.Object({
      pseudonym: Type.String(),
      purpose: Purpose,
      recordedAt: Type.String({ format: 'date-time' }),
      recordedBy: Type.String(),
      withdrawnAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      withdrawnBy: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});

export const AuditQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    /** Only rows older than this `seq`: the `nextBefore` of the previous page. */
    before: Type.Optional(Type.Integer({ minimum: 1 })),
    event: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

const nullableText = Type.Union([Type.String(), Type.Null()]);

export const AuditPageAnswer = Type.Object({
  entries: Type.Array(
    Type.Object({
      seq: Type.Integer(),
      occurredAt: Type.String({ format: 'date-time' }),
      event: Type.String(),
      action: Type.Union(
        ['create', 'read', 'update', 'delete', 'execute'].map((action) => Type.Literal(action)),
      ),
      outcome: Type.Union(['success', 'failure', 'refused'].map((outcome) => Type.Literal(outcome))),
      actorId: nullableText,
      actorName: nullableText,
      onBehalfOf: nullableText,
      purpose: nullableText,
      objectType: nullableText,
      objectId: nullableText,
      sourceIp: nullableText,
      client: nullableText,
      /** Canonical JSON text of the entry's details. */
      details: Type.String(),
      prevHash: Type.String(),
      hash: Type.String(),
    }),
  ),
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: Type.Union([Type.Integer(), Type.Null()]),
});

export const AuditVerificationAnswer = Type.Object({
  ok: Type.Boolean(),
  entries: Type.Integer(),
  lastHash: Type.String(),
  problems: Type.Array(Type.Object({ seq: Type.Integer(), problem: Type.String() })),
  verifiedAt: Type.String({ format: 'date-time' }),
});

export const OverviewAnswer = Type.Object({
  name: Type.String(),
  databasePath: Type.String(),
  /** Rows per OMOP clinical table that has rows. */
  rows: Type.Record(Type.String(), Type.Integer()),
  coverage: Type.Union([Type.Object({ from: Type.String(), to: Type.String() }), Type.Null()]),
  quarantined: Type.Integer(),
  lastIngest: Type.Union([
    Type.Object({
      runId: Type.Integer(),
      source: Type.String(),
      status: Type.String(),
      finishedAt: nullableText,
    }),
    Type.Null(),
  ]),
  /** The hub this station is enrolled at, or null before enrolment. */
  enrolment: Type.Union([
    Type.Object({ hubUrl: Type.String(), stationId: Type.String(), enrolledAt: Type.String() }),
    Type.Null(),
  ]),
  pendingApprovals: Type.Integer(),
  activeOptOuts: Type.Integer(),
  dataQualityScore: Type.Union([Type.Number(), Type.Null()]),
});

const Counts = Type.Object({
  passed: Type.Integer(),
  failed: Type.Integer(),
  notApplicable: Type.Integer(),
  error: Type.Integer(),
  total: Type.Integer(),
  percentPassed: Type.Union([Type.Number(), Type.Null()]),
});

export const DataQualityAnswer = Type.Object({
  /** The newest report written by `polder dq` (`dq/dq-report.json` in the station directory), or null. */
  report: Type.Union([
    Type.Object({
      runId: Type.String(),
      startedAt: Type.String(),
      finishedAt: Type.String(),
      durationMs: Type.Number(),
      score: Type.Union([Type.Number(), Type.Null()]),
      overview: Counts,
      byKahn: Type.Array(Type.Object({ category: Type.String(), context: Type.String(), counts: Counts })),
      failedChecks: Type.Array(
        Type.Object({
          checkId: Type.String(),
          checkName: Type.String(),
          kahnCategory: Type.String(),
          kahnContext: Type.String(),
          severity: Type.String(),
          /** `table.field` (and the concept, for concept-level checks). */
          location: Type.String(),
          description: Type.String(),
          numViolatedRows: Type.Union([Type.Integer(), Type.Null()]),
          numDenominatorRows: Type.Union([Type.Integer(), Type.Null()]),
          pctViolatedRows: Type.Union([Type.Number(), Type.Null()]),
          threshold: Type.Number(),
        }),
      ),
      erroredChecks: Type.Array(
        Type.Object({ checkId: Type.String(), location: Type.String(), error: Type.String() }),
      ),
    }),
    Type.Null(),
  ]),
  /** What to do when there is no report. */
  hint: Type.Union([Type.String(), Type.Null()]),
  ingestRuns: Type.Array(
    Type.Object({
      runId: Type.Integer(),
      source: Type.String(),
      status: Type.String(),
      startedAt: Type.String(),
      finishedAt: nullableText,
      recordsRead: Type.Union([Type.Integer(), Type.Null()]),
      quarantined: Type.Integer(),
    }),
  ),
  /** Quarantined records by reason, most frequent first (at most 20 reasons). */
  quarantineReasons: Type.Array(Type.Object({ reason: Type.String(), records: Type.Integer() })),
});

export const PendingApprovalAnswer = Type.Object({
  taskId: Type.String(),
  projectId: Type.String(),
  runId: Type.String(),
  /** `name@version`. */
  algorithm: Type.String(),
  round: Type.Integer(),
  /** The researcher who asked, `name (user id)`. */
  requestedBy: Type.String(),
  receivedAt: Type.String(),
  /** The permit the task runs under, as the hub signed it (the station verified it before queuing). */
  permit: Type.Union([
    Type.Object({
      permitId: Type.String(),
      purpose: Type.String(),
      holder: Type.String(),
      validUntil: Type.String(),
    }),
    Type.Null(),
  ]),
  cohortName: Type.Union([Type.String(), Type.Null()]),
  /** The cohort definition in the cohort language. */
  cohort: Type.Unknown(),
  parameters: Type.Unknown(),
});

export const ApprovalsAnswer = Type.Object({ approvals: Type.Array(PendingApprovalAnswer) });

export const TaskIdParams = Type.Object(
  { taskId: Type.String({ pattern: '^[0-9a-fA-F-]{36}$' }) },
  { additionalProperties: false },
);
export type TaskIdParams = Static<typeof TaskIdParams>;

export const DecisionBody = Type.Object(
  {
    /** Why; required to decline (the researcher is shown it). */
    reason: Type.Optional(Type.String({ maxLength: 2000 })),
    steward: Type.Optional(StewardRef),
  },
  { additionalProperties: false },
);
export type DecisionBody = Static<typeof DecisionBody>;

export const DecisionAnswer = Type.Object({
  taskId: Type.String(),
  decision: Type.Union([Type.Literal('approved'), Type.Literal('declined')]),
});

const Thresholds = Type.Object({
  minCount: Type.Integer(),
  roundTo: Type.Integer(),
  minSummaryRecords: Type.Integer(),
  glmParameterRatio: Type.Number(),
  kmMinAtRisk: Type.Integer(),
});

export { StationPolicySchema };

export const PolicyBody = Type.Object(
  { policy: StationPolicySchema, steward: Type.Optional(StewardRef) },
  { additionalProperties: false },
);
export type PolicyBody = Static<typeof PolicyBody>;

export const PolicyAnswer = Type.Object({
  policy: StationPolicySchema,
  /** Whether the steward has set a policy (`station-policy.json`) or the defaults apply. */
  source: Type.Union([Type.Literal('file'), Type.Literal('default')]),
  /** The thresholds the station applies: its policy's, or the platform's where it sets none. */
  effective: Thresholds,
  /** The platform's thresholds, which a station may tighten but never loosen. */
  platformDefaults: Thresholds,
  /** The algorithms of the vetted library, to allow or not. */
  algorithms: Type.Array(Type.Object({ name: Type.String(), version: Type.String(), title: Type.String() })),
});
