import type { HubContext } from '../hub-context.ts';
import { HubError } from '../hub-error.ts';
import { uuid7 } from '../db/uuid7.ts';
import { hashPassword } from './passwords.ts';
import type { Role } from './roles.ts';

/** What a new account needs. */
export interface NewAccount {
  readonly email: string;
  readonly name: string;
  readonly organisationId: string;
  readonly roles: readonly Role[];
  readonly password: string;
  /** A confirmed TOTP secret (base32), for seeded demo accounts. */
  readonly totpSecret?: string;
  /** Stations the user stewards (data stewards). */
  readonly stationIds?: readonly string[];
}

/** Creates an organisation; 409 when the name is taken. Returns its id. */
export async function createOrganisation(hub: HubContext, name: string): Promise<string> {
  const id = uuid7(hub.now());
  const inserted = await hub.db
    .insertInto('organisations')
    .values({ id, name, created_at: hub.now() })
    .onConflict((conflict) => conflict.column('name').doNothing())
    .executeTakeFirst();
  if (inserted.numInsertedOrUpdatedRows === 0n) {
    throw new HubError(
      'conflict',
      `Cannot create organisation '${name}': an organisation has that name already`,
    );
  }
  return id;
}

/** Creates a user account with its roles; 409 when the email is taken, 400 when the organisation is unknown. */
export async function createAccount(hub: HubContext, account: NewAccount): Promise<string> {
  const email = account.email.toLowerCase();
  const organisation = await hub.db
    .selectFrom('organisations')
    .select('id')
    .where('id', '=', account.organisationId)
    .executeTakeFirst();
  if (organisation === undefined) {
    throw new HubError(
      'invalid_input',
      `Cannot create user ${email}: organisation ${account.organisationId} does not exist`,
    );
  }
  const passwordHash = await hashPassword(account.password, hub.passwordHashing);
  const id = uuid7(hub.now());
  await hub.db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('users')
      .values({
        id,
        email,
        name: account.name,
        organisation_id: account.organisationId,
        password_hash: passwordHash,
        totp_secret: account.totpSecret ?? null,
        totp_pending_secret: null,
        totp_last_step: null,
        created_at: hub.now(),
        updated_at: hub.now(),
      })
      .onConflict((conflict) => conflict.column('email').doNothing())
      .executeTakeFirst();
    if (inserted.numInsertedOrUpdatedRows === 0n) {
      throw new HubError('conflict', `Cannot create user ${email}: an account with that email exists`);
    }
    const roles = [...new Set(account.roles)];
    if (roles.length > 0) {
      await trx
        .insertInto('user_roles')
        .values(roles.map((role) => ({ user_id: id, role })))
        .execute();
    }
    const stations = [...new Set(account.stationIds ?? [])];
    if (stations.length > 0) {
      await trx
        .insertInto('station_stewards')
        .values(stations.map((stationId) => ({ user_id: id, station_id: stationId })))
        .execute();
    }
  });
  return id;
}
