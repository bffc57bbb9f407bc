import { Type, type Static } from 'typebox';
import { sql } from 'kysely';
import type { HubContext } from '../hub-context.ts';
import { Nullable, Timestamp, Uuid } from '../schema.ts';
import { isRole, roles } from './roles.ts';

/** A user as the API shows it (never the password hash or TOTP secret). */
export const UserView = Type.Object({
  id: Uuid,
  email: Type.String(),
  name: Type.String(),
  organisation: Type.Object({ id: Uuid, name: Type.String() }),
  roles: Type.Array(Type.Enum(roles)),
  stationIds: Type.Array(Uuid),
  totpEnrolled: Type.Boolean(),
  disabled: Type.Boolean(),
  createdAt: Timestamp,
});
export type UserView = Static<typeof UserView>;

/** Users as the API shows them: one by id, or all (newest first) with paging. */
export async function loadUserViews(
  hub: HubContext,
  filter: { readonly id?: string; readonly limit?: number; readonly offset?: number },
): Promise<UserView[]> {
  let query = hub.db
    .selectFrom('users')
    .innerJoin('organisations', 'organisations.id', 'users.organisation_id')
    .select([
      'users.id',
      'users.email',
      'users.name',
      'users.organisation_id',
      'organisations.name as organisation_name',
      'users.disabled',
      'users.created_at',
      sql<boolean>`users.totp_secret is not null`.as('totp_enrolled'),
      sql<string[]>`array(select role from user_roles r where r.user_id = users.id order by role)`.as(
        'roles',
      ),
      sql<
        string[]
      >`array(select station_id::text from station_stewards s where s.user_id = users.id order by 1)`.as(
        'station_ids',
      ),
    ])
    .orderBy('users.id', 'desc');
  if (filter.id !== undefined) query = query.where('users.id', '=', filter.id);
  if (filter.limit !== undefined) query = query.limit(filter.limit);
  if (filter.offset !== undefined) query = query.offset(filter.offset);
  const rows = await query.execute();
  return rows.map((row) => ({
    id: row.id,
    email: row.email,
    name: row.name,
    organisation: { id: row.organisation_id, name: row.organisation_name },
    roles: row.roles.filter(isRole),
    stationIds: row.station_ids,
    totpEnrolled: row.totp_enrolled,
    disabled: row.disabled,
    createdAt: new Date(row.created_at).toISOString(),
  }));
}

/** The user `id` as the API shows it, or undefined. */
export async function loadUserView(hub: HubContext, id: string): Promise<UserView | undefined> {
  return (await loadUserViews(hub, { id }))[0];
}

/** Nullable timestamp for answers. */
export const OptionalTimestamp = Nullable(Timestamp);
