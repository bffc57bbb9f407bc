import type { Kysely } from 'kysely';
import type { HashOptions } from 'argon2';
import type { Database } from './db/database.ts';
import type { HubConfig } from './hub-config.ts';
import type { HubEvents } from './hub-events.ts';

/** What every route and service of the hub works with; reach it in a route plugin as `app.hub`. */
export interface HubContext {
  readonly config: HubConfig;
  readonly db: Kysely<Database>;
  /** The clock (tests move it to expire sessions). */
  now(): Date;
  /** argon2id cost parameters for new password hashes. */
  readonly passwordHashing: PasswordHashing;
  /** Events one part of the hub tells another (permit revoked, data request approved). */
  readonly events: HubEvents;
}

/** argon2id cost: memory in KiB, iterations, lanes. */
export type PasswordHashing = Pick<HashOptions, 'memoryCost' | 'timeCost' | 'parallelism'>;

declare module 'fastify' {
  interface FastifyInstance {
    /** The hub's configuration, database and clock. */
    hub: HubContext;
  }
}
