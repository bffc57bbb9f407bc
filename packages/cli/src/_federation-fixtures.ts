import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '@polder/hub';
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
