import type { HTTPMethods } from 'fastify';
import { roles, type Role } from './accounts/roles.ts';
import type { TestHub } from './_test-hub.ts';
import { catalogueMatrixRows } from './catalogue/_catalogue-matrix-rows.ts';
import { stationMatrixRows } from './stations/_station-matrix-rows.ts';
import { accessMatrixRows } from './access/_access-matrix-rows.ts';
import { federationMatrixRows } from './projects/_federation-matrix-rows.ts';

/**
 * The authorisation matrix: every route × every role (and anonymous) with the status a request gets.
 * `authorization-matrix.test.ts` makes each request as each role and checks the status, and fails when a
 * registered route has no row here (or a row names a route that no longer exists).
 *
 * To add your route: add a row with its method and path pattern exactly as registered, the expected
 * status per role (helpers below), and — when the route needs path parameters or a body to succeed —
 * a `request` function that builds a valid request for the given role (creating what it needs).
 */

/** A column of the matrix. */
export type MatrixRole = 'anonymous' | Role;

/** Every column, anonymous first. */
export const matrixRoles: readonly MatrixRole[] = ['anonymous', ...roles];

/** What a row's `request` function gets. */
export interface MatrixContext {
  readonly role: MatrixRole;
  readonly hub: TestHub;
  /** The user acting, or null for anonymous. */
  readonly userId: string | null;
  /** A fresh string for names that must be unique. */
  readonly unique: string;
}

/** The request to make (the method comes from the row). */
export interface MatrixRequest {
  /** The concrete URL; @default the row's route (fine when it has no parameters). */
  readonly url?: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface MatrixRow {
  readonly method: HTTPMethods;
  /** The path pattern as registered, e.g. '/api/users/:id'. */
  readonly route: string;
  readonly expect: Readonly<Record<MatrixRole, number>>;
  readonly request?: (context: MatrixContext) => MatrixRequest | Promise<MatrixRequest>;
}

/** Everyone, signed in or not, gets `status`. */
export function everyone(status: number): Record<MatrixRole, number> {
  return Object.fromEntries(matrixRoles.map((role) => [role, status])) as Record<MatrixRole, number>;
}

/** Anonymous gets 401; every signed-in role gets `status`. */
export function signedIn(status: number): Record<MatrixRole, number> {
  return { ...everyone(status), anonymous: 401 };
}

/** Anonymous gets 401, the `allowed` roles get `status`, other roles 403. */
export function only(allowed: readonly Role[], status: number): Record<MatrixRole, number> {
  const row = { ...everyone(403), anonymous: 401 };
  for (const role of allowed) row[role] = status;
  return row;
}

const someUuid = '00000000-0000-7000-8000-000000000000';

export const authorizationMatrix: readonly MatrixRow[] = [
  { method: 'GET', route: '/api/openapi.json', expect: everyone(200) },

  // Session and the signed-in user
  {
    method: 'POST',
    route: '/api/session',
    expect: everyone(200),
    request: async ({ hub, unique }) => {
      const email = `signin-${unique}@test.polder`;
      await hub.createUser({ email, roles: ['researcher'] });
      return { body: { email, password: 'correct horse battery staple' } };
    },
  },
  // Only a sign-in waiting for its code may send one; a complete session or none gets 401.
  {
    method: 'POST',
    route: '/api/session/totp',
    expect: everyone(401),
    request: () => ({ body: { code: '123456' } }),
  },
  { method: 'DELETE', route: '/api/session', expect: everyone(204) },
  { method: 'GET', route: '/api/me', expect: signedIn(200) },
  {
    method: 'POST',
    route: '/api/me/totp',
    expect: signedIn(200),
    request: async ({ hub, userId }) => {
      if (userId !== null) {
        await hub.db.updateTable('users').set({ totp_secret: null }).where('id', '=', userId).execute();
      }
      return {};
    },
  },
  {
    method: 'POST',
    route: '/api/me/totp/confirm',
    expect: signedIn(200),
    request: async ({ hub, userId }) => {
      if (userId === null) return { body: { code: '123456' } };
      const { totpCode } = await import('./accounts/totp.ts');
      const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
      await hub.db
        .updateTable('users')
        .set({ totp_secret: null, totp_pending_secret: secret, totp_last_step: null })
        .where('id', '=', userId)
        .execute();
      return { body: { code: totpCode(secret, hub.context.now()) } };
    },
  },

  {
    method: 'PUT',
    route: '/api/me/password',
    expect: signedIn(204),
    request: async ({ hub, userId }) => {
      const newPassword = 'another long enough password';
      if (userId !== null) {
        // Start from the test password, whatever an earlier run of this row set.
        const { hashPassword } = await import('./accounts/passwords.ts');
        const hash = await hashPassword('correct horse battery staple', hub.context.passwordHashing);
        await hub.db.updateTable('users').set({ password_hash: hash }).where('id', '=', userId).execute();
      }
      return { body: { currentPassword: 'correct horse battery staple', newPassword } };
    },
  },

  // API tokens (each user sees and revokes only their own)
  {
    method: 'POST',
    route: '/api/tokens',
    expect: signedIn(201),
    request: () => ({ body: { name: 'matrix' } }),
  },
  { method: 'GET', route: '/api/tokens', expect: signedIn(200) },
  {
    method: 'DELETE',
    route: '/api/tokens/:id',
    expect: signedIn(204),
    request: async ({ hub, userId }) => {
      if (userId === null) return { url: `/api/tokens/${someUuid}` };
      await hub.bearer(userId);
      const token = await hub.db
        .selectFrom('api_tokens')
        .select('id')
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      return { url: `/api/tokens/${token.id}` };
    },
  },

  // Administration
  {
    method: 'POST',
    route: '/api/organisations',
    expect: only(['admin'], 201),
    request: ({ unique }) => ({ body: { name: `Organisation ${unique}` } }),
  },
  { method: 'GET', route: '/api/organisations', expect: only(['admin'], 200) },
  {
    method: 'POST',
    route: '/api/users',
    expect: only(['admin'], 201),
    request: ({ hub, unique }) => ({
      body: {
        email: `new-${unique}@test.polder`,
        name: 'New User',
        organisationId: hub.organisationId,
        roles: ['researcher'],
        password: 'a long enough password',
      },
    }),
  },
  { method: 'GET', route: '/api/users', expect: only(['admin'], 200) },
  {
    method: 'PATCH',
    route: '/api/users/:id',
    expect: only(['admin'], 200),
    request: async ({ hub }) => ({ url: `/api/users/${await hub.createUser()}`, body: { name: 'Renamed' } }),
  },
  ...catalogueMatrixRows(),
  ...stationMatrixRows(),
  ...accessMatrixRows(),
  ...federationMatrixRows(),
];
