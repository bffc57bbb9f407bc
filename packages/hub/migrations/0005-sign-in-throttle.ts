import { sql, type Kysely } from 'kysely';

/** Counts consecutive failed sign-ins (passwords and authenticator codes) and locks an account for a while. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table users add column failed_sign_ins integer not null default 0;
    alter table users add column locked_until timestamptz;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table users drop column failed_sign_ins, drop column locked_until`.execute(db);
}
