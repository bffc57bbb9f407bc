import { sql } from 'kysely';
import {
  generateSigningKeyPair,
  signEnvelope,
  signPermit,
  signText,
  stationAuthText,
  type PermitDocument,
  type SigningKeyPair,
} from '@polder/protocol';
import type { TestHub } from '../_test-hub.ts';
import { uuid7 } from '../db/uuid7.ts';
import { loadOrCreateHubSigningKey } from '../stations/_hub-signing-key.ts';
import {
  answerChallenge,
  enrolStationRecord,
  insertStation,
  issueChallenge,
  type Refusal,
} from '../stations/_station-records.ts';

/** Test fixtures of the federation: enrolled stations, sessions, permits signed by the hub, projects. */

const hour = 60 * 60 * 1000;

function unrefused<T extends object>(value: T | Refusal): T {
  if ('refused' in value) throw new Error(`federation fixture refused: ${value.message}`);
  return value;
}

/** An enrolled station (through the hub's own records) and its key. */
export async function enrolTestStation(
  hub: TestHub,
  name: string,
): Promise<{ id: string; key: SigningKeyPair }> {
  const { token } = await insertStation(
    hub.db,
    { name, organisationId: hub.organisationId, createdBy: null },
    { now: hub.context.now(), tokenMs: hour },
  );
  const key = generateSigningKeyPair();
  const envelope = signEnvelope(
    {
      type: 'polder.station-enrolment-request.v1' as const,
      token,
      stationPublicKey: key.publicKey,
      stationName: name,
      stationVersion: '0.1.0',
    },
    key,
  );
  const station = unrefused(await enrolStationRecord(hub.db, envelope, hub.context.now()));
  return { id: station.id, key };
}

/** A live station session token (as POST /api/station-auth/response would give it). */
export async function testStationSession(
  hub: TestHub,
  station: { readonly id: string; readonly key: SigningKeyPair },
): Promise<string> {
  const now = hub.context.now();
  const { nonce } = unrefused(await issueChallenge(hub.db, station.id, { now, challengeMs: hour }));
  const signature = signText(station.key, stationAuthText(station.id, nonce));
  const session = unrefused(
    await answerChallenge(hub.db, { stationId: station.id, nonce, signature }, { now, sessionMs: hour }),
  );
  return session.token;
}

/** What a test permit allows. */
export interface TestPermitOptions {
  readonly namedUsers: readonly string[];
  readonly stationIds: readonly string[];
  readonly algorithms?: readonly string[];
  readonly status?: 'active' | 'expired' | 'revoked';
  readonly validUntil?: Date;
}

/**
 * A permit signed with the hub key and stored in `permits` as the access procedure would. The permits table
 * belongs to the access migration; where it has not run, the table (as the federation contract describes it)
 * is made here, in the test database only. An application row is made for its foreign key when there is one.
 */
export async function insertTestPermit(
  hub: TestHub,
  options: TestPermitOptions,
): Promise<{ id: string; token: string; document: PermitDocument }> {
  const now = hub.context.now();
  const hubKey = await loadOrCreateHubSigningKey(hub.db, { secret: hub.config.signingKeySecret });
  const id = uuid7(now);
  const applicationId = uuid7(now);
  const validUntil = options.validUntil ?? new Date(now.getTime() + 365 * 24 * hour);
  const document: PermitDocument = {
    type: 'polder.permit.v1',
    permitId: id,
    applicationId,
    kind: 'permit',
    purpose: 'd',
    holder: { organisationId: hub.organisationId, organisationName: 'Test organisation' },
    namedUsers: [...options.namedUsers],
    datasets: options.stationIds.map((stationId) => ({ datasetId: uuid7(now), stationId })),
    algorithms: [...(options.algorithms ?? ['count', 'summary', 'crosstab', 'glm', 'kaplan-meier'])],
    disclosure: {},
    issuedAt: new Date(now.getTime() - hour).toISOString(),
    validFrom: new Date(now.getTime() - hour).toISOString(),
    validUntil: validUntil.toISOString(),
  };
  const token = await signPermit(document, hubKey);
  const status = options.status ?? 'active';
  const columns = await tableColumns(hub, 'permits');
  if (columns.size === 0) {
    await sql`create table permits (
      id uuid primary key, application_id uuid, token text not null, document jsonb not null,
      status text not null, valid_until timestamptz not null, revoked_at timestamptz, created_at timestamptz not null
    )`.execute(hub.db);
  } else if ((await tableColumns(hub, 'applications')).size > 0) {
    const applicant = options.namedUsers[0] ?? (await hub.createUser());
    await sql`insert into applications (id, kind, title, applicant_id, applicant_name, organisation_id,
        organisation_name, state, form, version, created_at, updated_at)
      values (${applicationId}, 'permit', 'Test application', ${applicant}, 'Test User', ${hub.organisationId},
        'Test organisation', 'approved', '{}', 1, ${now}, ${now})`.execute(hub.db);
  }
  const values: Record<string, unknown> = {
    id,
    application_id: applicationId,
    token,
    document: JSON.stringify(document),
    status,
    valid_until: validUntil,
    revoked_at: status === 'revoked' ? now : null,
    created_at: now,
  };
  if (columns.has('kind')) values['kind'] = 'permit';
  if (columns.has('valid_from')) values['valid_from'] = new Date(document.validFrom);
  const names = Object.keys(values);
  await sql`insert into permits (${sql.join(names.map((name) => sql.id(name)))})
    values (${sql.join(names.map((name) => values[name]))})`.execute(hub.db);
  return { id, token, document };
}

/** Marks a test permit revoked, as the access procedure would (it then emits `permit-revoked`). */
export async function revokeTestPermit(hub: TestHub, permitId: string): Promise<Date> {
  const now = hub.context.now();
  await sql`update permits set status = 'revoked', revoked_at = ${now} where id = ${permitId}`.execute(
    hub.db,
  );
  return now;
}

async function tableColumns(hub: TestHub, table: string): Promise<Set<string>> {
  const result = await sql<{ column_name: string }>`
    select column_name from information_schema.columns
    where table_schema = current_schema() and table_name = ${table}`.execute(hub.db);
  return new Set(result.rows.map((row) => row.column_name));
}

/** A project owned by `ownerId` under `permitId` (straight into the tables, for fixtures). */
export async function insertTestProject(
  hub: TestHub,
  ownerId: string,
  permitId: string | null,
): Promise<string> {
  const now = hub.context.now();
  const id = uuid7(now);
  await hub.db
    .insertInto('projects')
    .values({
      id,
      title: 'Test project',
      description: '',
      owner_id: ownerId,
      permit_id: permitId,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await hub.db
    .insertInto('project_members')
    .values({ project_id: id, user_id: ownerId, role: 'owner', added_by: ownerId, added_at: now })
    .execute();
  return id;
}

/** A run straight into the tables (for fixtures that need one in a given state), with no tasks. */
export async function insertTestRun(
  hub: TestHub,
  run: {
    readonly projectId: string;
    readonly permitId: string;
    readonly requestedBy: string;
    readonly status?: 'running' | 'completed' | 'failed';
    readonly result?: unknown;
    readonly stationIds?: readonly string[];
  },
): Promise<string> {
  const now = hub.context.now();
  const id = uuid7(now);
  const status = run.status ?? 'completed';
  await hub.db
    .insertInto('runs')
    .values({
      id,
      project_id: run.projectId,
      permit_id: run.permitId,
      rerun_of: null,
      requested_by: run.requestedBy,
      requested_by_name: 'Test User',
      algorithm_name: 'count',
      algorithm_version: '1.0.0',
      parameters: '{}',
      cohort: JSON.stringify({ name: 'Everyone', entry: { visit: { concept: 9201 } } }),
      cohort_source: JSON.stringify({ inline: true }),
      station_ids: [...(run.stationIds ?? [])],
      status,
      round: 0,
      state: null,
      result: status === 'completed' ? JSON.stringify(run.result ?? { persons: 1500, stations: 3 }) : null,
      error: null,
      created_at: now,
      updated_at: now,
      finished_at: status === 'running' ? null : now,
    })
    .execute();
  return id;
}
