import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { auditRequest } from '../audit/audit-request.ts';
import { HubError } from '../hub-error.ts';
import { BoundedString, Email, ErrorResponse, StrictObject } from '../schema.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { clearSessionCookie, loadPrincipal, requirePrincipal, requireSignedIn } from './principal.ts';
import { rolesRequiringTotp } from './roles.ts';
import { endSession, startSession } from './_sessions.ts';
import { loadUserView, UserView } from './_users.ts';
import { newTotpSecret, totpUri, verifyTotp } from './totp.ts';

/** Wrong second-factor codes allowed per sign-in before it is thrown away. */
const maxTotpAttempts = 5;
/** Consecutive failed sign-in steps (passwords and codes) before an account is locked … */
const maxFailedSignIns = 10;
/** … for this long, in ms. */
const lockMs = 15 * 60_000;

const SignInBody = StrictObject({ email: Email, password: BoundedString(1024) });
const TotpBody = StrictObject({ code: Type.String({ pattern: '^[0-9]{6}$', maxLength: 6 }) });
const SignInAnswer = Type.Union([
  Type.Object({ status: Type.Literal('signed_in'), user: UserView }),
  Type.Object({ status: Type.Literal('totp_required') }),
  Type.Object({ status: Type.Literal('totp_enrolment_required') }),
]);
const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse };

/** Sign-in (password, then TOTP where required), sign-out, the signed-in user, and TOTP enrolment. */
export const sessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const hub = app.hub;

  app.post(
    '/session',
    {
      schema: {
        tags: ['session'],
        summary: 'Sign in with email and password',
        description:
          'Sets the session cookie. Access-body and admin accounts (and anyone who enrolled a second factor) ' +
          'get status totp_required: send the authenticator code to POST /api/session/totp. Without an ' +
          'enrolled factor they get totp_enrolment_required: enrol with POST /api/me/totp.',
        body: SignInBody,
        response: { 200: SignInAnswer, ...errors },
      },
    },
    async (request, reply) => {
      const email = request.body.email.toLowerCase();
      const user = await hub.db
        .selectFrom('users')
        .select(['id', 'password_hash', 'totp_secret', 'disabled', 'locked_until'])
        .where('email', '=', email)
        .executeTakeFirst();
      if (user?.locked_until && new Date(user.locked_until).getTime() > hub.now().getTime()) {
        await auditRequest(request, {
          event: 'session.sign_in',
          action: 'execute',
          outcome: 'refused',
          objectType: 'user',
          objectId: user.id,
          details: { email, reason: 'locked after repeated failures' },
        });
        const until = new Date(user.locked_until).toISOString().slice(11, 16);
        throw new HubError(
          'too_many_requests',
          `Cannot sign in: too many failed attempts for this account; try again after ${until} UTC`,
        );
      }
      const passwordOk = await verifyPassword(
        user?.password_hash,
        request.body.password,
        hub.passwordHashing,
      );
      if (user === undefined || !passwordOk || user.disabled) {
        if (user !== undefined && !passwordOk) await countFailedSignIn(user.id);
        await auditRequest(request, {
          event: 'session.sign_in',
          action: 'execute',
          outcome: 'failure',
          objectType: 'user',
          objectId: user?.id ?? null,
          details: {
            email,
            reason: user === undefined ? 'unknown email' : user.disabled ? 'disabled' : 'password',
          },
        });
        request.refusalAudited = true;
        throw new HubError('unauthenticated', 'Cannot sign in: unknown email address or wrong password');
      }
      const principal = await loadPrincipal(hub, user.id, 'session');
      const needsTotp =
        user.totp_secret !== null ||
        (principal?.roles ?? []).some((role) => rolesRequiringTotp.includes(role));
      const stage = !needsTotp ? 'complete' : user.totp_secret !== null ? 'totp' : 'totp_enrolment';
      // A password alone resets the count only where it completes the sign-in (not before a code).
      if (stage === 'complete') await resetFailedSignIns(user.id);
      if (request.sessionTokenHash !== null) await endSession(hub, request.sessionTokenHash);
      await startSession(hub, request, reply, user.id, stage);
      await auditRequest(request, {
        event: stage === 'complete' ? 'session.sign_in' : 'session.password_accepted',
        action: 'execute',
        outcome: 'success',
        actor: { id: user.id, name: email },
        objectType: 'user',
        objectId: user.id,
        details: { secondFactor: stage === 'complete' ? 'not required' : 'pending' },
      });
      if (stage === 'totp') return { status: 'totp_required' as const };
      if (stage === 'totp_enrolment') return { status: 'totp_enrolment_required' as const };
      return { status: 'signed_in' as const, user: await requireUserView(request, user.id) };
    },
  );

  app.post(
    '/session/totp',
    {
      schema: {
        tags: ['session'],
        summary: 'Complete sign-in with the authenticator code',
        body: TotpBody,
        response: { 200: Type.Object({ status: Type.Literal('signed_in'), user: UserView }), ...errors },
      },
    },
    async (request, reply) => {
      const pending = request.pendingSignIn;
      if (pending === null || pending.stage !== 'totp') {
        throw new HubError(
          'unauthenticated',
          'Cannot check an authenticator code: sign in with your email and password first (POST /api/session)',
        );
      }
      const user = await hub.db
        .selectFrom('users')
        .select(['id', 'email', 'totp_secret', 'totp_last_step'])
        .where('id', '=', pending.userId)
        .executeTakeFirstOrThrow();
      const step =
        user.totp_secret === null
          ? null
          : verifyTotp(user.totp_secret, request.body.code, hub.now(), { lastUsedStep: user.totp_last_step });
      if (step === null) {
        await refuseCode(request, pending.tokenHash, user, 'session.sign_in');
      } else {
        await hub.db
          .updateTable('users')
          .set({ totp_last_step: step, failed_sign_ins: 0 })
          .where('id', '=', user.id)
          .execute();
        await endSession(hub, pending.tokenHash);
        await startSession(hub, request, reply, user.id, 'complete');
        await auditRequest(request, {
          event: 'session.sign_in',
          action: 'execute',
          outcome: 'success',
          actor: { id: user.id, name: user.email },
          objectType: 'user',
          objectId: user.id,
          details: { secondFactor: 'totp' },
        });
      }
      return { status: 'signed_in' as const, user: await requireUserView(request, user.id) };
    },
  );

  app.delete(
    '/session',
    {
      schema: {
        tags: ['session'],
        summary: 'Sign out (ends the session; does nothing without one)',
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      if (request.sessionTokenHash !== null) {
        await endSession(hub, request.sessionTokenHash);
        await auditRequest(request, {
          event: 'session.sign_out',
          action: 'execute',
          outcome: 'success',
          ...(request.pendingSignIn === null
            ? {}
            : { actor: { id: request.pendingSignIn.userId, name: request.pendingSignIn.userId } }),
        });
      }
      clearSessionCookie(hub, reply);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/me',
    {
      preHandler: requireSignedIn,
      schema: { tags: ['session'], summary: 'The signed-in user', response: { 200: UserView, ...errors } },
    },
    async (request) => requireUserView(request, requirePrincipal(request).userId),
  );

  app.put(
    '/me/password',
    {
      preHandler: requireSignedIn,
      schema: {
        tags: ['session'],
        summary: 'Change your password (ends your other sessions)',
        body: StrictObject({
          currentPassword: BoundedString(1024),
          newPassword: BoundedString(1024, { minLength: 12, description: 'At least 12 characters' }),
        }),
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      if (principal.via !== 'session') {
        throw new HubError('forbidden', 'Cannot change a password with an API token: sign in to change it');
      }
      const user = await hub.db
        .selectFrom('users')
        .select(['password_hash'])
        .where('id', '=', principal.userId)
        .executeTakeFirstOrThrow();
      if (!(await verifyPassword(user.password_hash, request.body.currentPassword, hub.passwordHashing))) {
        await auditRequest(request, {
          event: 'user.password_change',
          action: 'update',
          outcome: 'failure',
          objectType: 'user',
          objectId: principal.userId,
          details: { reason: 'current password wrong' },
        });
        request.refusalAudited = true;
        throw new HubError('forbidden', 'Cannot change your password: the current password is wrong');
      }
      const passwordHash = await hashPassword(request.body.newPassword, hub.passwordHashing);
      await hub.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('users')
          .set({ password_hash: passwordHash, updated_at: hub.now() })
          .where('id', '=', principal.userId)
          .execute();
        let others = trx.deleteFrom('sessions').where('user_id', '=', principal.userId);
        if (request.sessionTokenHash !== null)
          others = others.where('token_hash', '!=', request.sessionTokenHash);
        await others.execute();
        await auditRequest(
          request,
          {
            event: 'user.password_change',
            action: 'update',
            outcome: 'success',
            objectType: 'user',
            objectId: principal.userId,
          },
          trx,
        );
      });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/me/totp',
    {
      schema: {
        tags: ['session'],
        summary: 'Start enrolling an authenticator app (TOTP)',
        description:
          'Answers a new secret and its otpauth:// URI (show it as a QR code); confirm with a code at ' +
          'POST /api/me/totp/confirm. Allowed when signed in, or during a sign-in that requires enrolment.',
        response: {
          200: Type.Object({ secret: Type.String(), otpauthUri: Type.String() }),
          ...errors,
          409: ErrorResponse,
        },
      },
    },
    async (request) => {
      const userId = enrollingUserId(request);
      const user = await hub.db
        .selectFrom('users')
        .select(['email', 'totp_secret'])
        .where('id', '=', userId)
        .executeTakeFirstOrThrow();
      if (user.totp_secret !== null) {
        throw new HubError('conflict', 'Cannot enrol an authenticator: this account already has one');
      }
      const secret = newTotpSecret();
      await hub.db
        .updateTable('users')
        .set({ totp_pending_secret: secret })
        .where('id', '=', userId)
        .execute();
      await auditRequest(request, {
        event: 'totp.enrolment_started',
        action: 'update',
        outcome: 'success',
        actor: { id: userId, name: user.email },
        objectType: 'user',
        objectId: userId,
      });
      return { secret, otpauthUri: totpUri(secret, user.email) };
    },
  );

  app.post(
    '/me/totp/confirm',
    {
      schema: {
        tags: ['session'],
        summary: 'Confirm the authenticator with a code (completes a sign-in that required enrolment)',
        body: TotpBody,
        response: {
          200: Type.Object({
            status: Type.Union([Type.Literal('signed_in'), Type.Literal('enrolled')]),
            user: UserView,
          }),
          ...errors,
          409: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const userId = enrollingUserId(request);
      const user = await hub.db
        .selectFrom('users')
        .select(['id', 'email', 'totp_pending_secret', 'totp_last_step'])
        .where('id', '=', userId)
        .executeTakeFirstOrThrow();
      if (user.totp_pending_secret === null) {
        throw new HubError(
          'conflict',
          'Cannot confirm an authenticator: start enrolment first (POST /api/me/totp)',
        );
      }
      const step = verifyTotp(user.totp_pending_secret, request.body.code, hub.now());
      if (step === null) {
        const tokenHash = request.pendingSignIn?.tokenHash ?? null;
        await refuseCode(request, tokenHash, user, 'totp.enrolment_confirmed');
      }
      await hub.db
        .updateTable('users')
        .set({
          totp_secret: user.totp_pending_secret,
          totp_pending_secret: null,
          totp_last_step: step,
          failed_sign_ins: 0,
        })
        .where('id', '=', userId)
        .execute();
      await auditRequest(request, {
        event: 'totp.enrolment_confirmed',
        action: 'update',
        outcome: 'success',
        actor: { id: userId, name: user.email },
        objectType: 'user',
        objectId: userId,
      });
      if (request.pendingSignIn !== null) {
        await endSession(hub, request.pendingSignIn.tokenHash);
        await startSession(hub, request, reply, userId, 'complete');
        await auditRequest(request, {
          event: 'session.sign_in',
          action: 'execute',
          outcome: 'success',
          actor: { id: userId, name: user.email },
          objectType: 'user',
          objectId: userId,
          details: { secondFactor: 'totp (enrolled now)' },
        });
        return { status: 'signed_in' as const, user: await requireUserView(request, userId) };
      }
      return { status: 'enrolled' as const, user: await requireUserView(request, userId) };
    },
  );

  /** Counts a failed password or code; the tenth in a row locks the account for a while. */
  async function countFailedSignIn(userId: string): Promise<void> {
    const row = await hub.db
      .updateTable('users')
      .set((eb) => ({ failed_sign_ins: eb('failed_sign_ins', '+', 1) }))
      .where('id', '=', userId)
      .returning('failed_sign_ins')
      .executeTakeFirst();
    if (row !== undefined && row.failed_sign_ins >= maxFailedSignIns) {
      await hub.db
        .updateTable('users')
        .set({ failed_sign_ins: 0, locked_until: new Date(hub.now().getTime() + lockMs) })
        .where('id', '=', userId)
        .execute();
    }
  }

  async function resetFailedSignIns(userId: string): Promise<void> {
    await hub.db.updateTable('users').set({ failed_sign_ins: 0 }).where('id', '=', userId).execute();
  }

  /** Counts a wrong code against the sign-in, audits it, and refuses the request (throws). */
  async function refuseCode(
    request: FastifyRequest,
    tokenHash: string | null,
    user: { readonly id: string; readonly email: string },
    event: string,
  ): Promise<never> {
    let attempts = 0;
    if (tokenHash !== null) {
      const row = await hub.db
        .updateTable('sessions')
        .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
        .where('token_hash', '=', tokenHash)
        .returning('failed_attempts')
        .executeTakeFirst();
      attempts = row?.failed_attempts ?? 0;
    }
    await countFailedSignIn(user.id);
    const exhausted = attempts >= maxTotpAttempts;
    if (exhausted && tokenHash !== null) await endSession(hub, tokenHash);
    await auditRequest(request, {
      event,
      action: 'execute',
      outcome: 'failure',
      actor: { id: user.id, name: user.email },
      objectType: 'user',
      objectId: user.id,
      details: { reason: 'wrong or reused authenticator code', attempts },
    });
    request.refusalAudited = true;
    throw new HubError(
      'unauthenticated',
      exhausted
        ? 'Cannot sign in: too many wrong authenticator codes; sign in with your password again'
        : 'Cannot accept the authenticator code: it is wrong or already used; wait for the next code and try again',
    );
  }
};

function enrollingUserId(request: FastifyRequest): string {
  if (request.principal !== null) return request.principal.userId;
  if (request.pendingSignIn?.stage === 'totp_enrolment') return request.pendingSignIn.userId;
  throw new HubError('unauthenticated', 'Cannot enrol an authenticator: sign in first');
}

async function requireUserView(request: FastifyRequest, userId: string): Promise<UserView> {
  const view = await loadUserView(request.server.hub, userId);
  if (view === undefined) throw new HubError('not_found', `Cannot find user ${userId}`);
  return view;
}
