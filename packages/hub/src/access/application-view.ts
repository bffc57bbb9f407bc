import { Type, type Static } from 'typebox';
import type { Principal } from '../accounts/principal.ts';
import { Nullable, Timestamp, Uuid } from '../schema.ts';
import { ApplicationForm, missingSections } from './application-form.ts';
import type { AccessDb } from './application-store.ts';
import { daysLeft, isOverdue } from './deadlines.ts';
import type { DuoCheck } from './duo-checks.ts';
import {
  applicationStates,
  currentDue,
  decide,
  type Actor,
  type Application,
  type Command,
  type WorkflowEvent,
} from './workflow.ts';

/** The commands a client may send to `POST /api/applications/:id/commands`. */
export const clientCommands = [
  'submit',
  'return',
  'mark-complete',
  'invite-reviewer',
  'give-opinion',
  'extend-deadline',
  'approve',
  'reject',
  'revoke-permit',
  'close',
  'comment',
  'publish-result',
] as const;
/** A command a client may send. */
export type ClientCommand = (typeof clientCommands)[number];

const StateSchema = Type.Enum(applicationStates);
const DueKindSchema = Type.Enum(['completeness', 'decision', 'completion']);

/** The clocks of an application. */
export const Deadlines = Type.Object({
  completenessDue: Nullable(Timestamp),
  decisionDue: Nullable(Timestamp),
  completionDue: Nullable(Timestamp),
  extended: Type.Boolean(),
  /** The deadline the procedure waits on now, and which one it is. */
  dueAt: Nullable(Timestamp),
  dueKind: Nullable(DueKindSchema),
  /** Whole days to `dueAt` (0 on the day, negative when overdue). */
  daysLeft: Nullable(Type.Integer()),
});

const DatasetRef = Type.Object({ id: Type.String(), title: Type.String() });

/** An application in lists and queues. */
export const ApplicationSummary = Type.Object({
  id: Uuid,
  kind: Type.Enum(['permit', 'data-request']),
  title: Type.String(),
  applicant: Type.Object({ id: Uuid, name: Type.String(), organisation: Type.String() }),
  state: StateSchema,
  createdAt: Timestamp,
  receivedAt: Nullable(Timestamp),
  submittedAt: Nullable(Timestamp),
  deadlines: Deadlines,
  overdue: Type.Boolean(),
  datasets: Type.Array(DatasetRef),
});
export type ApplicationSummary = Static<typeof ApplicationSummary>;

const DuoCheckSchema = Type.Object({
  datasetId: Type.String(),
  code: Type.String(),
  outcome: Type.Enum(['ok', 'warning', 'block']),
  message: Type.String(),
});

/** An application in full. */
export const ApplicationView = Type.Object({
  ...ApplicationSummary.properties,
  version: Type.Integer(),
  form: ApplicationForm,
  completeness: Type.Object({
    complete: Type.Boolean(),
    missing: Type.Array(Type.Object({ section: Type.String(), message: Type.String() })),
  }),
  duoChecks: Type.Array(DuoCheckSchema),
  events: Type.Array(
    Type.Object({
      seq: Type.Integer(),
      type: Type.String(),
      actor: Type.Object({ id: Nullable(Type.String()), name: Type.String() }),
      at: Timestamp,
      comment: Nullable(Type.String()),
    }),
  ),
  reviewers: Type.Array(
    Type.Object({
      id: Uuid,
      name: Type.String(),
      invitedAt: Timestamp,
      opinion: Nullable(Type.Enum(['approve', 'reject', 'changes'])),
      opinionAt: Nullable(Timestamp),
      comment: Nullable(Type.String()),
    }),
  ),
  attachments: Type.Array(
    Type.Object({
      id: Uuid,
      filename: Type.String(),
      mediaType: Type.String(),
      size: Type.Integer(),
      sha256: Type.String(),
    }),
  ),
  decision: Nullable(
    Type.Object({ outcome: Type.Enum(['approved', 'rejected']), reasons: Type.String(), at: Timestamp }),
  ),
  permit: Nullable(
    Type.Object({
      id: Uuid,
      status: Type.Enum(['active', 'expired', 'revoked']),
      validFrom: Timestamp,
      validUntil: Timestamp,
      algorithms: Type.Array(Type.String()),
    }),
  ),
  results: Type.Array(
    Type.Object({
      title: Type.String(),
      summary: Type.String(),
      url: Type.Optional(Type.String()),
      at: Timestamp,
    }),
  ),
  /** The commands the requester may send now (a role and state check; input is checked on sending). */
  availableCommands: Type.Array(Type.Enum(clientCommands)),
});
export type ApplicationView = Static<typeof ApplicationView>;

/** Whether the principal may see an application: its applicant; the access body once received; invited reviewers. */
export function mayView(principal: Principal, app: Application): boolean {
  if (principal.userId === app.applicant.id) return true;
  if (app.receivedAt === null) return false;
  if (principal.roles.includes('access_body_handler') || principal.roles.includes('access_body_decider')) {
    return true;
  }
  return (
    principal.roles.includes('access_body_reviewer') && app.reviewers.some((r) => r.id === principal.userId)
  );
}

/** The principal as a workflow actor. */
export function actorOf(principal: Principal): Actor {
  return { id: principal.userId, name: principal.name, roles: principal.roles };
}

/** The clocks at `now`. */
export function deadlinesOf(
  row: {
    completenessDue: string | null;
    decisionDue: string | null;
    completionDue: string | null;
    extended: boolean;
    due: { kind: 'completeness' | 'decision' | 'completion'; at: string } | null;
  },
  now: Date,
): Static<typeof Deadlines> {
  return {
    completenessDue: row.completenessDue,
    decisionDue: row.decisionDue,
    completionDue: row.completionDue,
    extended: row.extended,
    dueAt: row.due?.at ?? null,
    dueKind: row.due?.kind ?? null,
    daysLeft: row.due === null ? null : daysLeft(new Date(row.due.at), now),
  };
}

/** Probe commands: what each client command would look like, to ask the workflow whether it may be sent. */
function probe(command: ClientCommand, now: Date): Command {
  const text = 'probe';
  switch (command) {
    case 'submit':
      return { type: 'submit', duoBlocks: [] };
    case 'invite-reviewer':
      return {
        type: 'invite-reviewer',
        reviewerId: '00000000-0000-7000-8000-000000000000',
        reviewerName: text,
      };
    case 'give-opinion':
      return { type: 'give-opinion', opinion: 'approve', comment: text };
    case 'approve':
      return {
        type: 'approve',
        permit: {
          permitId: '00000000-0000-7000-8000-000000000000',
          validFrom: now.toISOString(),
          validUntil: new Date(now.getTime() + 1000).toISOString(),
          algorithms: ['count'],
        },
      };
    case 'publish-result':
      return { type: 'publish-result', result: { title: text, summary: text } };
    case 'comment':
    case 'return':
      return { type: command, comment: text };
    case 'extend-deadline':
    case 'reject':
    case 'revoke-permit':
      return { type: command, reason: text };
    default:
      return { type: command };
  }
}

/** The commands `actor` may send now: those the workflow refuses neither for role nor for state. */
export function availableCommands(app: Application, actor: Actor, now: Date): ClientCommand[] {
  return clientCommands.filter((command) => {
    const decision = decide(app, probe(command, now), actor, now);
    // An incomplete form still lets the applicant try to submit (and hear what is missing).
    return decision.ok || decision.refusal.code === 'invalid';
  });
}

/** The summary of an application for lists. */
export function summaryOf(
  id: string,
  app: Application,
  datasets: ReadonlyMap<string, string>,
  now: Date,
): ApplicationSummary {
  const due = currentDue(app);
  return {
    id,
    kind: app.kind,
    title: app.title,
    applicant: {
      id: app.applicant.id,
      name: app.applicant.name,
      organisation: app.applicant.organisationName,
    },
    state: app.state,
    createdAt: app.createdAt,
    receivedAt: app.receivedAt,
    submittedAt: app.submittedAt,
    deadlines: deadlinesOf({ ...app, due }, now),
    overdue: due !== null && isOverdue(new Date(due.at), now),
    datasets: (app.form.datasets ?? []).map((datasetId) => ({
      id: datasetId,
      title: datasets.get(datasetId) ?? '',
    })),
  };
}

/** The full view of an application for `actor`. */
export function viewOf(
  id: string,
  app: Application,
  events: readonly WorkflowEvent[],
  context: {
    readonly datasets: ReadonlyMap<string, string>;
    readonly duoChecks: readonly DuoCheck[];
    readonly actor: Actor;
    readonly now: Date;
  },
): ApplicationView {
  const missing = missingSections(app.form, app.kind);
  return {
    ...summaryOf(id, app, context.datasets, context.now),
    version: app.version,
    form: app.form,
    completeness: { complete: missing.length === 0, missing },
    duoChecks: [...context.duoChecks],
    events: events.map((e) => ({ seq: e.seq, type: e.type, actor: e.actor, at: e.at, comment: e.comment })),
    reviewers: app.reviewers.map((r) => ({ ...r })),
    attachments: app.attachments.map((a) => ({ ...a })),
    decision: app.decision,
    permit:
      app.permit === null
        ? null
        : {
            id: app.permit.permitId,
            status: app.permit.status,
            validFrom: app.permit.validFrom,
            validUntil: app.permit.validUntil,
            algorithms: [...app.permit.algorithms],
          },
    results: app.results.map((r) => ({ ...r })),
    availableCommands: availableCommands(app, context.actor, context.now),
  };
}

/** Titles of datasets by id (empty for ids no longer in the catalogue). */
export async function datasetTitles(db: AccessDb, ids: Iterable<string>): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await db
    .selectFrom('catalogue_datasets')
    .select(['id', 'title'])
    .where('id', 'in', unique)
    .execute();
  return new Map(rows.map((r) => [r.id, r.title]));
}
