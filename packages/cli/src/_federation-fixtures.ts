import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '@polder/hub';
import type { StationStore } from '@polder/station';
import { importPrivateKey, signPermit, type PermitDocument, type SigningKeyPair } from '@polder/protocol';

/**
 * Test fixtures for the federation tests: what the access procedure would write (an approved application
 * and its signed permit), written straight into the hub's database, since the hub's API issues permits only
 * at the end of the whole access procedure.
 */

/** The hub's own signing key, read from its database (an embedded hub keeps it unencrypted). */
export async function hubSigningKeyOf(db: Kysely<Database>): Promise<SigningKeyPair> {
  const row = await db.selectFrom('hub_signing_keys').select('private_key').executeTakeFirstOrThrow();
  return importPrivateKey(row.private_key);
}

/** The id of the account with this e-mail address. */
export async function userIdOf(db: Kysely<Database>, email: string): Promise<string> {
  const row = await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Writes an approved application and its permit (signed with `key`: the hub's, or another to forge one) for
 * `applicantId`, naming them; valid from a minute ago for an hour unless `changes` say otherwise.
 */
export async function insertPermit(
  db: Kysely<Database>,
  options: {
    readonly key: SigningKeyPair;
    readonly applicantId: string;
    readonly datasets: PermitDocument['datasets'];
    readonly changes?: Partial<PermitDocument>;
  },
): Promise<PermitDocument> {
  const now = Date.now();
  const document: PermitDocument = {
    type: 'polder.permit.v1',
    permitId: randomUUID(),
    applicationId: randomUUID(),
    kind: 'permit',
    purpose: 'd',
    holder: { organisationId: randomUUID(), organisationName: 'University of Amsterdam (test)' },
    namedUsers: [options.applicantId],
    datasets: options.datasets,
    algorithms: ['count', 'summary', 'glm', 'kaplan-meier'],
    disclosure: {},
    issuedAt: new Date(now - 60_000).toISOString(),
    validFrom: new Date(now - 60_000).toISOString(),
    validUntil: new Date(now + 3_600_000).toISOString(),
    ...options.changes,
  };
  const token = await signPermit(document, options.key);
  const at = new Date();
  await sql`insert into applications (id, kind, title, applicant_id, applicant_name, organisation_id,
      organisation_name, state, form, version, created_at, updated_at)
    values (${document.applicationId}, 'permit', 'Federation test', ${options.applicantId}, 'Test researcher',
      ${document.holder.organisationId}, ${document.holder.organisationName}, 'approved', '{}', 1, ${at}, ${at})`.execute(
    db,
  );
  await sql`insert into permits (id, application_id, kind, token, document, status, valid_from, valid_until,
      revoked_at, created_at)
    values (${document.permitId}, ${document.applicationId}, 'permit', ${token}, ${JSON.stringify(document)},
      'active', ${new Date(document.validFrom)}, ${new Date(document.validUntil)}, ${null}, ${at})`.execute(
    db,
  );
  return document;
}

/**
 * Writes `persons` persons straight into a station's CDM tables — each with an observation period and one
 * inpatient visit, half of them women, born 1940–1999 — so that a federation test has a station in well under
 * a second instead of a synthetic export and an ingest run.
 */
export async function insertVisitingPersons(
  store: Pick<StationStore, 'connection'>,
  persons: number,
): Promise<void> {
  const connection = store.connection;
  await connection.run(
    `INSERT INTO cdm.person (person_id, gender_concept_id, year_of_birth, race_concept_id, ethnicity_concept_id)
     SELECT i, CASE WHEN i % 2 = 0 THEN 8532 ELSE 8507 END, 1940 + i % 60, 0, 0 FROM range(1, $1 + 1) t(i)`,
    [persons],
  );
  await connection.run(
    `INSERT INTO cdm.observation_period (observation_period_id, person_id, observation_period_start_date,
       observation_period_end_date, period_type_concept_id)
     SELECT i, i, DATE '2019-01-01', DATE '2025-06-30', 32817 FROM range(1, $1 + 1) t(i)`,
    [persons],
  );
  await connection.run(
    `INSERT INTO cdm.visit_occurrence (visit_occurrence_id, person_id, visit_concept_id, visit_start_date,
       visit_end_date, visit_type_concept_id)
     SELECT i, i, 9201, DATE '2021-01-01' + CAST(i % 700 AS INTEGER), DATE '2021-01-03' + CAST(i % 700 AS INTEGER),
       32817 FROM range(1, $1 + 1) t(i)`,
    [persons],
  );
}
