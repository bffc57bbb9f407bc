import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { sql } from 'kysely';
import { HubError } from '../hub-error.ts';
import type { HubContext } from '../hub-context.ts';
import type { SessionStage } from '../db/database.ts';
import { isRole, type Role } from './roles.ts';
import { hashToken } from './_tokens.ts';

/** Who is making a request, once signed in (with a session cookie) or by API token. */
export interface Principal {
  readonly userId: string;
  readonly email: string;
  readonly name: string;
  readonly organisationId: string;
  readonly roles: readonly Role[];
  /** Stations this user stewards (data stewards only). */
  readonly stationIds: readonly string[];
  /** How the request authenticated. */
  readonly via: 'session' | 'token';
}

/** A session that has passed the password but still waits for the second factor (or its enrolment). */
export interface PendingSignIn {
  readonly tokenHash: string;
  readonly userId: string;
  readonly stage: Exclude<SessionStage, 'complete'>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user, or null for an anonymous request. */
    principal: Principal | null;
    /** Set while a sign-in waits for its second factor. */
    pendingSignIn: PendingSignIn | null;
    /** Hash of the session token when the request came with a session cookie (complete or pending). */
    sessionTokenHash: string | null;
    /** Set by a route that wrote its own audit entry for a refusal, so the edge does not write a second. */
    refusalAudited: boolean;
  }
}

/** The session cookie's name. */
export const sessionCookieName = 'polder_session';

/** Only touch a session's last_seen_at (or a token's last_used_at) when it is older than this, in ms. */
const touchIntervalMs = 60_000;

/**
 * Resolves `request.principal` from `Authorization: Bearer <token>` or the session cookie. An unknown
 * bearer token is refused at once (a script should hear that its token is wrong); an expired session
 * cookie is cleared and the request goes on as anonymous.
 */
export async function authenticate(
  hub: HubContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  request.principal = null;
  request.pendingSignIn = null;
  request.sessionTokenHash = null;
  request.refusalAudited = false;
  const now = hub.now();
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S{1,200})\s*$/i.exec(authorization);
    if (match === null) {
      throw new HubError(
        'unauthenticated',
        'Cannot authenticate: the Authorization header must be "Bearer <token>"',
      );
    }
    request.principal = await principalFromToken(hub, hashToken(match[1] ?? ''), now);
    return;
  }
  const token = request.cookies[sessionCookieName];
  if (token === undefined || token.length === 0 || token.length > 200) return;
  const tokenHash = hashToken(token);
  const session = await hub.db
    .selectFrom('sessions')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  const idleLimit = now.getTime() - hub.config.sessionIdleTimeoutMs;
  if (
    session === undefined ||
    new Date(session.expires_at).getTime() <= now.getTime() ||
    new Date(session.last_seen_at).getTime() <= idleLimit
  ) {
    if (session !== undefined)
      await hub.db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
    clearSessionCookie(hub, reply);
    return;
  }
  request.sessionTokenHash = tokenHash;
  if (session.stage !== 'complete') {
    request.pendingSignIn = { tokenHash, userId: session.user_id, stage: session.stage };
    return;
  }
  const principal = await loadPrincipal(hub, session.user_id, 'session');
  if (principal === null) return;
  if (now.getTime() - new Date(session.last_seen_at).getTime() > touchIntervalMs) {
    await hub.db
      .updateTable('sessions')
      .set({ last_seen_at: now })
      .where('token_hash', '=', tokenHash)
      .execute();
  }
  request.principal = principal;
}

async function principalFromToken(hub: HubContext, tokenHash: string, now: Date): Promise<Principal> {
  const token = await hub.db
    .selectFrom('api_tokens')
    .select(['id', 'user_id', 'expires_at', 'revoked_at', 'last_used_at'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  const refused = new HubError(
    'unauthenticated',
    'Cannot authenticate: the API token is unknown, revoked or expired',
  );
  if (token === undefined || token.revoked_at !== null) throw refused;
  if (token.expires_at !== null && new Date(token.expires_at).getTime() <= now.getTime()) throw refused;
  const principal = await loadPrincipal(hub, token.user_id, 'token');
  if (principal === null) throw refused;
  if (
    token.last_used_at === null ||
    now.getTime() - new Date(token.last_used_at).getTime() > touchIntervalMs
  ) {
    await hub.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', token.id).execute();
  }
  return principal;
}

/** Loads a user with roles and stewarded stations; null when the user is missing or disabled. */
export async function loadPrincipal(
  hub: HubContext,
  userId: string,
  via: Principal['via'],
): Promise<Principal | null> {
  const user = await hub.db
    .selectFrom('users')
    .select([
      'id',
      'email',
      'name',
      'organisation_id',
      'disabled',
      sql<string[]>`array(select role from user_roles r where r.user_id = users.id order by role)`.as(
        'roles',
      ),
      sql<
        string[]
      >`array(select station_id::text from station_stewards s where s.user_id = users.id order by 1)`.as(
        'station_ids',
      ),
    ])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (user === undefined || user.disabled) return null;
  return {
    userId: user.id,
    email: user.email,
    name: user.name,
    organisationId: user.organisation_id,
    roles: user.roles.filter(isRole),
    stationIds: user.station_ids,
    via,
  };
}

/** Removes the session cookie from the browser. */
export function clearSessionCookie(hub: HubContext, reply: FastifyReply): void {
  reply.clearCookie(sessionCookieName, sessionCookieOptions(hub));
}

/** Cookie attributes of the session cookie: HTTP-only, SameSite=Lax, Secure when the hub is served over https. */
export function sessionCookieOptions(hub: HubContext) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: hub.config.publicBaseUrl.startsWith('https:'),
  };
}

/** The principal of a request, or a 401 naming the route. */
export function requirePrincipal(request: FastifyRequest): Principal {
  if (request.principal !== null) return request.principal;
  const message =
    request.pendingSignIn === null
      ? `Cannot ${describeRoute(request)}: sign in first`
      : `Cannot ${describeRoute(request)}: finish signing in with your authenticator code first`;
  throw new HubError(request.pendingSignIn === null ? 'unauthenticated' : 'totp_required', message);
}

/**
 * A preHandler that lets a request through only if it is signed in with at least one of `allowed`
 * (any signed-in user when `allowed` is empty): 401 when anonymous, 403 otherwise.
 *
 * @example
 * app.get('/users', { preHandler: requireRole('admin'), schema }, handler);
 */
export function requireRole(...allowed: readonly Role[]): preHandlerAsyncHookHandler {
  const checkRole: preHandlerAsyncHookHandler = async function checkRole(request) {
    const principal = requirePrincipal(request);
    if (allowed.length === 0 || principal.roles.some((role) => allowed.includes(role))) return;
    throw new HubError(
      'forbidden',
      `Cannot ${describeRoute(request)}: this needs the role ${allowed.join(' or ')}, which you do not have`,
    );
  };
  rolesOfGuard.set(checkRole, allowed);
  return checkRole;
}

/** The roles each `requireRole` guard admits, so that the OpenAPI document can state them. */
const rolesOfGuard = new WeakMap<object, readonly Role[]>();

/**
 * The roles a route's preHandlers admit: undefined when no `requireRole` guard is among them, an empty
 * list when any signed-in user may call it.
 */
export function guardedRoles(preHandlers: unknown): readonly Role[] | undefined {
  for (const handler of [preHandlers].flat()) {
    if (typeof handler !== 'function') continue;
    const roles = rolesOfGuard.get(handler);
    if (roles !== undefined) return roles;
  }
  return undefined;
}

/** A preHandler that admits any signed-in user. */
export const requireSignedIn: preHandlerAsyncHookHandler = requireRole();

/** Whether the principal holds `role`. */
export function hasRole(principal: Principal | null, role: Role): boolean {
  return principal !== null && principal.roles.includes(role);
}

/** Whether the principal stewards the station `stationId`. */
export function isStewardOf(principal: Principal | null, stationId: string): boolean {
  return hasRole(principal, 'data_steward') && principal !== null && principal.stationIds.includes(stationId);
}

/**
 * Object-level check: the principal must steward `stationId` (admins pass too). Answers 404, not 403, so
 * that others cannot learn which stations exist.
 */
export function assertStewardOf(principal: Principal, stationId: string, what = 'station'): void {
  if (isStewardOf(principal, stationId) || hasRole(principal, 'admin')) return;
  throw new HubError('not_found', `Cannot find ${what} ${stationId}`);
}

/**
 * Object-level check: only the owner (or an admin, when `adminMayAct`) may act on an object; anyone else
 * gets a 404 as if it did not exist.
 */
export function assertOwner(
  principal: Principal,
  ownerId: string,
  what: string,
  options: { readonly adminMayAct?: boolean } = {},
): void {
  if (principal.userId === ownerId || (options.adminMayAct === true && hasRole(principal, 'admin'))) return;
  throw new HubError('not_found', `Cannot find ${what}`);
}

/** "POST /api/users", for messages. */
export function describeRoute(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`;
}
