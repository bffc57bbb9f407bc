/** The federation tables as Kysely sees them (added to `Database` in `db/database.ts`). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in as the federation tables land
export interface FederationTables {}
