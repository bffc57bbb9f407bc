import { signPermit, type PermitDocument } from '@polder/protocol';
import { sql } from 'kysely';
import { uuid7 } from '../db/uuid7.ts';
import type { HubContext } from '../hub-context.ts';
import { HubError } from '../hub-error.ts';
import { loadOrCreateHubSigningKey } from '../stations/_hub-signing-key.ts';
import type { ApplicationForm } from './application-form.ts';
import { eventToRow, loadEvents, writeProjection, type AccessDb } from './application-store.ts';
import { checkDataUse, type DatasetConditions, type DuoCheck } from './duo-checks.ts';
import {
  decide,
  evolve,
  replay,
  type Actor,
  type Application,
  type Command,
  type PermitTerms,
  type WorkflowEvent,
} from './workflow.ts';

/** The outcome of a command that was carried out. */
export interface CommandOutcome {
  readonly applicationId: string;
  readonly app: Application;
  readonly events: readonly WorkflowEvent[];
}

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  /** Runs in the command's transaction after its events are stored (e.g. the audit entry). */
  readonly inTransaction?: (trx: AccessDb, outcome: CommandOutcome) => Promise<void>;
  /** The time of the command. @default hub.now() */
  readonly now?: Date;
}

/** A refused command as the hub's error (403, 409 or 400). */
export class CommandRefusedError extends HubError {
  constructor(code: 'forbidden' | 'conflict' | 'invalid', message: string) {
    super(code === 'invalid' ? 'invalid_input' : code, message);
  }
}

/**
 * Carries out a command on an application: in one transaction, locks the application, replays its events,
 * decides, appends the new events, updates the projection, and applies what the events cause (a signed
 * permit on approval; the permit's status on revocation and expiry; notifications, e-mails and webhook calls
 * queued in the outbox). After commit, tells the rest of the hub (permit revoked, data request approved).
 * @throws CommandRefusedError when the workflow refuses the command
 */
export async function runCommand(
  hub: HubContext,
  applicationId: string,
  command: Command,
  actor: Actor,
  options: RunCommandOptions = {},
): Promise<CommandOutcome> {
  const now = options.now ?? hub.now();
  const outcome = await hub.db.transaction().execute(async (trx) => {
    let current: Application | null = null;
    if (command.type !== 'create') {
      const locked = await trx
        .selectFrom('applications')
        .select('id')
        .where('id', '=', applicationId)
        .forUpdate()
        .executeTakeFirst();
      if (locked === undefined) throw new HubError('not_found', `Cannot find application ${applicationId}`);
      current = replay(await loadEvents(trx, applicationId));
    }
    const decision = decide(current, command, actor, now);
    if (!decision.ok) throw new CommandRefusedError(decision.refusal.code, decision.refusal.message);
    let app = current;
    for (const event of decision.events) app = evolve(app, event);
    if (app === null) throw new Error('Cannot run command: no state after its events');
    await writeProjection(trx, applicationId, app);
    await trx
      .insertInto('application_events')
      .values(decision.events.map((event) => eventToRow(applicationId, event)))
      .execute();
    const result: CommandOutcome = { applicationId, app, events: decision.events };
    await applyConsequences(hub, trx, result, now);
    await options.inTransaction?.(trx, result);
    return result;
  });
  for (const event of outcome.events) {
    if (event.type === 'permit-revoked' && outcome.app.permit !== null) {
      hub.events.emit('permit-revoked', {
        permitId: outcome.app.permit.permitId,
        revokedAt: new Date(event.at),
      });
    }
    if (event.type === 'approved' && outcome.app.kind === 'data-request') {
      hub.events.emit('data-request-approved', { applicationId, permitId: event.permit.permitId });
    }
  }
  return outcome;
}

/** Side effects of stored events, in the same transaction. */
async function applyConsequences(
  hub: HubContext,
  trx: AccessDb,
  outcome: CommandOutcome,
  now: Date,
): Promise<void> {
  const { applicationId, app } = outcome;
  for (const event of outcome.events) {
    switch (event.type) {
      case 'approved':
        await issuePermit(hub, trx, applicationId, app, event.permit, now);
        await notify(
          hub,
          trx,
          [app.applicant.id],
          applicationId,
          'decision',
          `Your application "${app.title}" was approved; the permit is active`,
        );
        break;
      case 'rejected':
        await notify(
          hub,
          trx,
          [app.applicant.id],
          applicationId,
          'decision',
          `Your application "${app.title}" was rejected: ${event.comment ?? ''}`,
        );
        break;
      case 'permit-revoked':
        await trx
          .updateTable('permits')
          .set({ status: 'revoked', revoked_at: event.at })
          .where('application_id', '=', applicationId)
          .where('status', '=', 'active')
          .execute();
        await notify(
          hub,
          trx,
          permitHolders(app),
          applicationId,
          'permit',
          `The permit of "${app.title}" was revoked: ${event.comment ?? ''}`,
        );
        break;
      case 'permit-expired':
        await trx
          .updateTable('permits')
          .set({ status: 'expired' })
          .where('application_id', '=', applicationId)
          .where('status', '=', 'active')
          .execute();
        await notify(
          hub,
          trx,
          permitHolders(app),
          applicationId,
          'permit',
          `The permit of "${app.title}" has expired`,
        );
        break;
      case 'submitted':
        await notify(
          hub,
          trx,
          await usersWithRole(trx, 'access_body_handler'),
          applicationId,
          'received',
          `Application "${app.title}" was submitted`,
        );
        break;
      case 'returned':
        await notify(
          hub,
          trx,
          [app.applicant.id],
          applicationId,
          'returned',
          `Your application "${app.title}" was returned for changes: ${event.comment ?? ''}`,
        );
        break;
      case 'reviewer-invited':
        await notify(
          hub,
          trx,
          [event.reviewerId],
          applicationId,
          'invited',
          `You are invited to review "${app.title}"`,
        );
        break;
      case 'opinion-given':
        await notify(
          hub,
          trx,
          await usersWithRole(trx, 'access_body_handler'),
          applicationId,
          'opinion',
          `${event.actor.name} gave an opinion (${event.opinion}) on "${app.title}"`,
        );
        break;
      case 'closed':
        if (event.by === 'lapsed') {
          await notify(
            hub,
            trx,
            [app.applicant.id],
            applicationId,
            'lapsed',
            `Your application "${app.title}" lapsed: it was not completed within four weeks`,
          );
        }
        break;
      case 'deadline-missed':
        await notify(
          hub,
          trx,
          await deadlineOwners(trx, app, event.deadline),
          applicationId,
          'overdue',
          `The ${event.deadline} deadline of "${app.title}" passed at ${event.dueAt}`,
        );
        break;
      default:
        break;
    }
    await queueWebhooks(trx, applicationId, app, event, now);
  }
}

function permitHolders(app: Application): string[] {
  return [...new Set([app.applicant.id, ...(app.form.namedUsers ?? [])])];
}

/** Users holding a role (not disabled). */
export async function usersWithRole(db: AccessDb, role: string): Promise<string[]> {
  const rows = await db
    .selectFrom('user_roles as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .select('u.id')
    .where('r.role', '=', role as never)
    .where('u.disabled', '=', false)
    .execute();
  return rows.map((r) => r.id);
}

/** Who answers for a deadline: the applicant for completion; handlers (and deciders for a decision) otherwise. */
export async function deadlineOwners(db: AccessDb, app: Application, deadline: string): Promise<string[]> {
  if (deadline === 'completion') return [app.applicant.id];
  const handlers = await usersWithRole(db, 'access_body_handler');
  const deciders = deadline === 'decision' ? await usersWithRole(db, 'access_body_decider') : [];
  return [...new Set([...handlers, ...deciders])];
}

/**
 * In-app notifications for `userIds`, and an e-mail each when SMTP is configured. With a `dedupeKey` a
 * notification is made once per user however often this runs. Returns how many were made.
 */
export async function notify(
  hub: HubContext,
  db: AccessDb,
  userIds: readonly string[],
  applicationId: string | null,
  kind: string,
  message: string,
  dedupeKey?: string,
): Promise<number> {
  let made = 0;
  const now = hub.now();
  for (const userId of new Set(userIds)) {
    const inserted = await db
      .insertInto('access_notifications')
      .values({
        id: uuid7(now),
        user_id: userId,
        application_id: applicationId,
        kind,
        message: message.slice(0, 2000),
        dedupe_key: dedupeKey === undefined ? null : `${dedupeKey}:${userId}`,
        created_at: now,
      })
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted === undefined) continue;
    made += 1;
    if (hub.config.smtpUrl === undefined) continue;
    const user = await db
      .selectFrom('users')
      .select(['email', 'name'])
      .where('id', '=', userId)
      .executeTakeFirst();
    if (user === undefined) continue;
    await db
      .insertInto('access_outbox')
      .values({
        id: uuid7(now),
        channel: 'email',
        target: user.email,
        webhook_id: null,
        payload: JSON.stringify({
          subject: `[Polder] ${message.slice(0, 150)}`,
          text: `${user.name},\n\n${message}\n\n${hub.config.publicBaseUrl}/applications/${applicationId ?? ''}\n`,
        }),
        created_at: now,
        next_attempt_at: now,
      })
      .execute();
  }
  return made;
}

/** Queues a POST of `event` to every webhook that subscribes to its type (or to '*'). */
async function queueWebhooks(
  db: AccessDb,
  applicationId: string,
  app: Application,
  event: WorkflowEvent,
  now: Date,
): Promise<void> {
  const hooks = await db
    .selectFrom('access_webhooks')
    .select(['id', 'url'])
    .where((eb) =>
      eb.or([sql<boolean>`${event.type} = any(event_types)`, sql<boolean>`'*' = any(event_types)`]),
    )
    .execute();
  for (const hook of hooks) {
    const deliveryId = uuid7(now);
    await db
      .insertInto('access_outbox')
      .values({
        id: deliveryId,
        channel: 'webhook',
        target: hook.url,
        webhook_id: hook.id,
        payload: JSON.stringify({
          deliveryId,
          event: event.type,
          applicationId,
          seq: event.seq,
          at: event.at,
          actor: event.actor,
          comment: event.comment,
          state: app.state,
          title: app.title,
        }),
        created_at: now,
        next_attempt_at: now,
      })
      .execute();
  }
}

/** Signs the permit of an approved application with the hub key and stores it (status active). */
async function issuePermit(
  hub: HubContext,
  trx: AccessDb,
  applicationId: string,
  app: Application,
  terms: PermitTerms,
  now: Date,
): Promise<void> {
  const datasetIds = app.form.datasets ?? [];
  const stations = await trx
    .selectFrom('catalogue_datasets')
    .select(['id', 'station_id'])
    .where('id', 'in', datasetIds.length === 0 ? [''] : datasetIds)
    .execute();
  const stationOf = new Map(stations.map((s) => [s.id, s.station_id]));
  const datasets = datasetIds.flatMap((datasetId) => {
    const stationId = stationOf.get(datasetId);
    return stationId === undefined ? [] : [{ datasetId, stationId }];
  });
  if (datasets.length === 0) {
    throw new HubError(
      'conflict',
      'Cannot issue the permit: none of its datasets is in the catalogue any more',
    );
  }
  const document: PermitDocument = {
    type: 'polder.permit.v1',
    permitId: terms.permitId,
    applicationId,
    kind: app.kind,
    purpose: app.form.purpose?.ground ?? 'e',
    holder: {
      organisationId: app.applicant.organisationId,
      organisationName: app.applicant.organisationName.slice(0, 300) || 'Unnamed organisation',
    },
    namedUsers: permitHolders(app),
    datasets,
    algorithms: [...terms.algorithms],
    disclosure: { ...terms.disclosure },
    ...(terms.privacyBudget === undefined ? {} : { privacyBudget: { ...terms.privacyBudget } }),
    issuedAt: now.toISOString(),
    validFrom: terms.validFrom,
    validUntil: terms.validUntil,
  };
  const key = await loadOrCreateHubSigningKey(trx, { secret: hub.config.signingKeySecret });
  const token = await signPermit(document, key);
  await trx
    .insertInto('permits')
    .values({
      id: terms.permitId,
      application_id: applicationId,
      kind: app.kind,
      token,
      document: JSON.stringify(document),
      status: 'active',
      valid_from: terms.validFrom,
      valid_until: terms.validUntil,
      revoked_at: null,
      created_at: now,
    })
    .execute();
}

/** The catalogue facts the DUO checks need, for the given datasets (those still published in the catalogue). */
export async function datasetConditions(
  db: AccessDb,
  datasetIds: readonly string[],
): Promise<DatasetConditions[]> {
  if (datasetIds.length === 0) return [];
  const rows = await db
    .selectFrom('catalogue_datasets')
    .select(['id', 'title', 'steward', 'health_categories'])
    .where('id', 'in', [...datasetIds])
    .where('published', '=', true)
    .execute();
  return rows.map((row) => ({
    datasetId: row.id,
    title: row.title,
    dataUseConditions: row.steward?.dataUseConditions ?? [],
    topics: [...(row.steward?.keywords ?? []), ...row.health_categories],
  }));
}

/** The DUO checks of a form against its datasets. */
export async function dataUseChecks(
  db: AccessDb,
  form: ApplicationForm,
): Promise<{ checks: DuoCheck[]; datasets: DatasetConditions[] }> {
  const datasets = await datasetConditions(db, form.datasets ?? []);
  return { checks: checkDataUse(form, datasets), datasets };
}

/** A fresh application id. */
export function newApplicationId(now: Date): string {
  return uuid7(now);
}
