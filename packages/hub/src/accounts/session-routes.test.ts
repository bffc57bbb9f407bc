import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { createTestHub, testPassword, type TestHub } from '../_test-hub.ts';
import { sessionCookieOptions } from './principal.ts';
import { newTotpSecret, totpCode } from './totp.ts';
import type { HubContext } from '../hub-context.ts';

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(() => hub.close());

function sessionCookieOf(response: LightMyRequestResponse): string {
  const cookie = response.cookies.find((c) => c.name === 'polder_session');
  if (cookie === undefined) throw new Error('no session cookie set');
  return `polder_session=${cookie.value}`;
}

async function signIn(email: string, password = testPassword) {
  return hub.app.inject({ method: 'POST', url: '/api/session', payload: { email, password } });
}

async function me(cookie: string) {
  return hub.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } });
}

async function auditEvents(): Promise<Array<{ event: string; outcome: string }>> {
  return hub.db.selectFrom('audit_log').select(['event', 'outcome']).orderBy('seq').execute();
}

describe('POST /api/session', () => {
  it('signs a researcher in with a password and sets an HTTP-only SameSite cookie', async () => {
    await hub.createUser({ email: 'rosa@test.polder', roles: ['researcher'] });
    const response = await signIn('Rosa@Test.Polder');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      status: 'signed_in',
      user: { email: 'rosa@test.polder', roles: ['researcher'] },
    });
    const cookie = response.cookies.find((c) => c.name === 'polder_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie?.secure).toBeFalsy();
    expect((await me(sessionCookieOf(response))).json()).toMatchObject({ email: 'rosa@test.polder' });
  });

  it('stores only the hash of the session token', async () => {
    const response = await signIn('rosa@test.polder');
    const token = sessionCookieOf(response).split('=')[1] ?? '';
    const stored = await hub.db.selectFrom('sessions').select('token_hash').execute();
    expect(stored.some((row) => row.token_hash === token)).toBe(false);
    expect(stored.every((row) => /^[0-9a-f]{64}$/.test(row.token_hash))).toBe(true);
  });

  it('refuses a wrong password or unknown email alike, and audits the failure', async () => {
    const wrong = await signIn('rosa@test.polder', 'wrong password!');
    const unknown = await signIn('nobody@test.polder', 'wrong password!');
    for (const response of [wrong, unknown]) {
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({
        error: {
          code: 'unauthenticated',
          message: 'Cannot sign in: unknown email address or wrong password',
        },
      });
    }
    const events = await auditEvents();
    expect(events.filter((e) => e.event === 'session.sign_in' && e.outcome === 'failure')).toHaveLength(2);
    // Written once, by the route, not a second time as a refused request.
    expect(events.filter((e) => e.event === 'request.refused')).toHaveLength(0);
  });

  it('marks the cookie Secure when the hub is served over https', () => {
    const options = sessionCookieOptions({ config: { publicBaseUrl: 'https://hub.example' } } as HubContext);
    expect(options).toMatchObject({ secure: true, httpOnly: true, sameSite: 'lax' });
  });
});

describe('second factor', () => {
  it('requires the TOTP code of an admin before the session counts, and refuses a reused code', async () => {
    const secret = newTotpSecret();
    await hub.createUser({ email: 'ada@test.polder', roles: ['admin'], totpSecret: secret });
    const first = await signIn('ada@test.polder');
    expect(first.json()).toEqual({ status: 'totp_required' });
    const pending = sessionCookieOf(first);
    const early = await me(pending);
    expect(early.statusCode).toBe(401);
    expect(early.json().error.code).toBe('totp_required');

    const wrong = await hub.app.inject({
      method: 'POST',
      url: '/api/session/totp',
      headers: { cookie: pending },
      payload: { code: totpCode(secret, hub.context.now().getTime() + 5 * 60_000) },
    });
    expect(wrong.statusCode).toBe(401);

    const code = totpCode(secret, hub.context.now());
    const done = await hub.app.inject({
      method: 'POST',
      url: '/api/session/totp',
      headers: { cookie: pending },
      payload: { code },
    });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({
      status: 'signed_in',
      user: { roles: ['admin'], totpEnrolled: true },
    });
    const complete = sessionCookieOf(done);
    expect(complete).not.toBe(pending);
    expect((await me(complete)).statusCode).toBe(200);
    expect((await me(pending)).statusCode).toBe(401);

    const again = await signIn('ada@test.polder');
    const replay = await hub.app.inject({
      method: 'POST',
      url: '/api/session/totp',
      headers: { cookie: sessionCookieOf(again) },
      payload: { code },
    });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.message).toMatch(/wrong or already used/);
  });

  it('throws the sign-in away after five wrong codes', async () => {
    const secret = newTotpSecret();
    await hub.createUser({ email: 'dirk@test.polder', roles: ['access_body_decider'], totpSecret: secret });
    const pending = sessionCookieOf(await signIn('dirk@test.polder'));
    let last: LightMyRequestResponse | undefined;
    for (let i = 0; i < 5; i += 1) {
      last = await hub.app.inject({
        method: 'POST',
        url: '/api/session/totp',
        headers: { cookie: pending },
        payload: { code: '000000' === totpCode(secret, hub.context.now()) ? '111111' : '000000' },
      });
    }
    expect(last?.json().error.message).toMatch(/too many wrong authenticator codes/);
    const after = await hub.app.inject({
      method: 'POST',
      url: '/api/session/totp',
      headers: { cookie: pending },
      payload: { code: totpCode(secret, hub.context.now()) },
    });
    expect(after.statusCode).toBe(401);
  });

  it('makes an access-body handler without a factor enrol one before signing in', async () => {
    await hub.createUser({ email: 'hanna@test.polder', roles: ['access_body_handler'] });
    const first = await signIn('hanna@test.polder');
    expect(first.json()).toEqual({ status: 'totp_enrolment_required' });
    const pending = sessionCookieOf(first);
    expect((await me(pending)).statusCode).toBe(401);
    const enrol = await hub.app.inject({ method: 'POST', url: '/api/me/totp', headers: { cookie: pending } });
    expect(enrol.statusCode).toBe(200);
    const { secret, otpauthUri } = enrol.json() as { secret: string; otpauthUri: string };
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/Polder%3Ahanna%40test\.polder\?secret=/);
    const confirm = await hub.app.inject({
      method: 'POST',
      url: '/api/me/totp/confirm',
      headers: { cookie: pending },
      payload: { code: totpCode(secret, hub.context.now()) },
    });
    expect(confirm.statusCode).toBe(200);
    expect(confirm.json()).toMatchObject({ status: 'signed_in', user: { totpEnrolled: true } });
    expect((await me(sessionCookieOf(confirm))).statusCode).toBe(200);
    expect((await signIn('hanna@test.polder')).json()).toEqual({ status: 'totp_required' });
  });
});

describe('session timeouts and sign-out', () => {
  it('ends a session after 30 idle minutes', async () => {
    const cookie = sessionCookieOf(await signIn('rosa@test.polder'));
    hub.advanceClock(29 * 60_000);
    expect((await me(cookie)).statusCode).toBe(200);
    hub.advanceClock(29 * 60_000);
    expect((await me(cookie)).statusCode).toBe(200);
    hub.advanceClock(31 * 60_000);
    const expired = await me(cookie);
    expect(expired.statusCode).toBe(401);
    expect(expired.cookies.find((c) => c.name === 'polder_session')?.value).toBe('');
  });

  it('ends a session 12 hours after sign-in however active it is', async () => {
    const cookie = sessionCookieOf(await signIn('rosa@test.polder'));
    for (let hours = 0; hours < 12; hours += 0.25) {
      hub.advanceClock(15 * 60_000);
      const response = await me(cookie);
      if (hours + 0.25 < 12) expect(response.statusCode).toBe(200);
      else expect(response.statusCode).toBe(401);
    }
  });

  it('signs out with DELETE /api/session', async () => {
    const cookie = sessionCookieOf(await signIn('rosa@test.polder'));
    const out = await hub.app.inject({ method: 'DELETE', url: '/api/session', headers: { cookie } });
    expect(out.statusCode).toBe(204);
    expect((await me(cookie)).statusCode).toBe(401);
    expect((await auditEvents()).some((e) => e.event === 'session.sign_out')).toBe(true);
  });
});

describe('brute force', () => {
  it('locks an account for 15 minutes after ten failed attempts in a row', async () => {
    await hub.createUser({ email: 'target@test.polder', roles: ['researcher'] });
    for (let i = 0; i < 10; i += 1)
      expect((await signIn('target@test.polder', 'not the password')).statusCode).toBe(401);
    const locked = await signIn('target@test.polder');
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.message).toMatch(
      /too many failed attempts for this account; try again after \d\d:\d\d UTC/,
    );
    hub.advanceClock(16 * 60_000);
    expect((await signIn('target@test.polder')).statusCode).toBe(200);
  });
});

describe('PUT /api/me/password', () => {
  it('changes the password with the current one, and ends the other sessions', async () => {
    const userId = await hub.createUser({ email: 'changer@test.polder' });
    const other = await hub.sessionCookie(userId);
    const cookie = sessionCookieOf(await signIn('changer@test.polder'));
    const wrong = await hub.app.inject({
      method: 'PUT',
      url: '/api/me/password',
      headers: { cookie },
      payload: { currentPassword: 'not it at all', newPassword: 'a brand new password' },
    });
    expect(wrong.statusCode).toBe(403);
    const changed = await hub.app.inject({
      method: 'PUT',
      url: '/api/me/password',
      headers: { cookie },
      payload: { currentPassword: testPassword, newPassword: 'a brand new password' },
    });
    expect(changed.statusCode).toBe(204);
    expect((await me(cookie)).statusCode).toBe(200);
    expect((await me(other)).statusCode).toBe(401);
    expect((await signIn('changer@test.polder')).statusCode).toBe(401);
    expect((await signIn('changer@test.polder', 'a brand new password')).statusCode).toBe(200);
  });
});
