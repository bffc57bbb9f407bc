import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SessionStage } from '../db/database.ts';
import type { HubContext } from '../hub-context.ts';
import { sessionCookieName, sessionCookieOptions } from './principal.ts';
import { hashToken, newSessionToken } from './_tokens.ts';

/** A sign-in waiting for its second factor lasts at most this long, in ms. */
const pendingLifetimeMs = 10 * 60_000;

/**
 * Starts a session for `userId` at `stage` and sets its cookie. The cookie carries a random token; the
 * database keeps only the token's SHA-256. A completed sign-in always gets a new token (no session fixation).
 */
export async function startSession(
  hub: HubContext,
  request: FastifyRequest,
  reply: FastifyReply,
  userId: string,
  stage: SessionStage,
): Promise<void> {
  const now = hub.now();
  const lifetime =
    stage === 'complete'
      ? hub.config.sessionAbsoluteTimeoutMs
      : Math.min(pendingLifetimeMs, hub.config.sessionAbsoluteTimeoutMs);
  // Sessions are otherwise removed only when presented: clear this user's lapsed ones here.
  await hub.db
    .deleteFrom('sessions')
    .where('user_id', '=', userId)
    .where((eb) =>
      eb.or([
        eb('expires_at', '<=', now),
        eb('last_seen_at', '<=', new Date(now.getTime() - hub.config.sessionIdleTimeoutMs)),
      ]),
    )
    .execute();
  const token = newSessionToken();
  await hub.db
    .insertInto('sessions')
    .values({
      token_hash: hashToken(token),
      user_id: userId,
      stage,
      created_at: now,
      last_seen_at: now,
      expires_at: new Date(now.getTime() + lifetime),
      source_ip: request.ip,
      client: request.headers['user-agent']?.slice(0, 500) ?? null,
    })
    .execute();
  reply.setCookie(sessionCookieName, token, {
    ...sessionCookieOptions(hub),
    maxAge: Math.floor(lifetime / 1000),
  });
}

/** Ends the session whose token hashes to `tokenHash`. */
export async function endSession(hub: HubContext, tokenHash: string): Promise<void> {
  await hub.db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}
