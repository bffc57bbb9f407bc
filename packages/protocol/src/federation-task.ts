import { Type, type Static } from 'typebox';
import { Timestamp, Uuid } from './_formats.ts';
import { SignedEnvelopeSchema } from './signed-envelope.ts';

/** An algorithm by name and version, as the analytics library registers it. */
export const AlgorithmRef = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9-]{0,62}$' }),
    version: Type.String({ pattern: '^\\d+\\.\\d+\\.\\d+$', maxLength: 32 }),
  },
  { additionalProperties: false },
);
export type AlgorithmRef = Static<typeof AlgorithmRef>;

/**
 * A task the hub offers one station: one round of one algorithm for one run of a project. Signed by the
 * hub. `taskId` makes execution idempotent: a station that sees a task again answers with the result it
 * kept instead of running it twice. The station validates `cohort` and `parameters` itself (the cohort
 * language's and the algorithm's schemas); the hub never asks it to trust them.
 */
export const TaskOffer = Type.Object(
  {
    type: Type.Literal('polder.task.v1'),
    taskId: Uuid,
    runId: Uuid,
    projectId: Uuid,
    /** The project's title, shown to patients on the station's page of projects that used their record. */
    projectTitle: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    stationId: Uuid,
    /** The compact JWS permit the run is made under. */
    permit: Type.String({ minLength: 1, maxLength: 20_000 }),
    algorithm: AlgorithmRef,
    /** A cohort definition in the cohort language (`@polder/omop`). */
    cohort: Type.Unknown(),
    /** The algorithm's parameters, checked against its schema at the station. */
    parameters: Type.Unknown(),
    /** Round of an iterative algorithm (0 for single-round ones). */
    round: Type.Integer({ minimum: 0, maximum: 1000 }),
    /** What the hub half carries into the round (e.g. GLM coefficients); null in round 0. */
    state: Type.Unknown(),
    /** Who asked, for the station's audit log. */
    requestedBy: Type.Object(
      { userId: Uuid, name: Type.String({ maxLength: 300 }) },
      { additionalProperties: false },
    ),
    createdAt: Timestamp,
  },
  { additionalProperties: false },
);
export type TaskOffer = Static<typeof TaskOffer>;
export const SignedTaskOffer = SignedEnvelopeSchema(TaskOffer);
export type SignedTaskOffer = Static<typeof SignedTaskOffer>;

/** One thing disclosure control did to an output, and why. */
export const DisclosureAction = Type.Object(
  {
    /** Where in the output, as a JSON pointer (`/strata/3/count`). */
    path: Type.String({ maxLength: 500 }),
    action: Type.Union([
      Type.Literal('suppressed'),
      Type.Literal('rounded'),
      Type.Literal('withheld'),
      Type.Literal('noised'),
    ]),
    reason: Type.String({ maxLength: 500 }),
  },
  { additionalProperties: false },
);
export type DisclosureAction = Static<typeof DisclosureAction>;

/** What the station's disclosure control did to a result: the policy applied and each action. */
export const DisclosureReport = Type.Object(
  {
    policy: Type.Record(
      Type.String({ maxLength: 100 }),
      Type.Union([Type.Number(), Type.Boolean(), Type.String({ maxLength: 200 })]),
      { maxProperties: 50 },
    ),
    actions: Type.Array(DisclosureAction, { maxItems: 100_000 }),
    /** Differential-privacy budget spent by this result, if any. */
    privacySpent: Type.Optional(
      Type.Object(
        { epsilon: Type.Number({ minimum: 0 }), delta: Type.Optional(Type.Number({ minimum: 0 })) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type DisclosureReport = Static<typeof DisclosureReport>;

/** Why a station did not compute a result; `step` says where, so a person knows what to fix. */
export const TaskProblem = Type.Object(
  {
    step: Type.Union([
      Type.Literal('permit'),
      Type.Literal('policy'),
      Type.Literal('approval'),
      Type.Literal('parameters'),
      Type.Literal('cohort'),
      Type.Literal('compute'),
      Type.Literal('disclosure'),
    ]),
    code: Type.String({ maxLength: 100 }),
    message: Type.String({ maxLength: 2000 }),
  },
  { additionalProperties: false },
);
export type TaskProblem = Static<typeof TaskProblem>;

/**
 * A station's answer to a task, signed with the station key. `completed` carries the disclosure-controlled
 * output and its report; `refused` (permit, policy, approval declined) and `failed` (bad cohort, an error)
 * carry the problem instead. `pending-approval` tells the hub the steward has yet to approve it.
 */
export const TaskResult = Type.Object(
  {
    type: Type.Literal('polder.task-result.v1'),
    taskId: Uuid,
    stationId: Uuid,
    status: Type.Union([
      Type.Literal('completed'),
      Type.Literal('refused'),
      Type.Literal('failed'),
      Type.Literal('pending-approval'),
    ]),
    output: Type.Optional(Type.Unknown()),
    disclosure: Type.Optional(DisclosureReport),
    problem: Type.Optional(TaskProblem),
    completedAt: Timestamp,
    durationMs: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type TaskResult = Static<typeof TaskResult>;
export const SignedTaskResult = SignedEnvelopeSchema(TaskResult);
export type SignedTaskResult = Static<typeof SignedTaskResult>;

/** The hub's list of revoked permits, signed, which stations fetch on every (re)connect and receive live. */
export const PermitRevocationList = Type.Object(
  {
    type: Type.Literal('polder.permit-revocations.v1'),
    revoked: Type.Array(
      Type.Object({ permitId: Uuid, revokedAt: Timestamp }, { additionalProperties: false }),
      { maxItems: 100_000 },
    ),
    issuedAt: Timestamp,
  },
  { additionalProperties: false },
);
export type PermitRevocationList = Static<typeof PermitRevocationList>;
export const SignedPermitRevocationList = SignedEnvelopeSchema(PermitRevocationList);
export type SignedPermitRevocationList = Static<typeof SignedPermitRevocationList>;
