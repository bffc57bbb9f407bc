/** The access tables as Kysely sees them (added to `Database` in `db/database.ts`). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in as the access tables land
export interface AccessTables {}
