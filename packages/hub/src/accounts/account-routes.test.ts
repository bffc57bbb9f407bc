import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../_test-hub.ts';
import { seedDemoAccounts } from './seed-demo-accounts.ts';
import { totpCode } from './totp.ts';

let hub: TestHub;
let admin: string;
let adminId: string;
beforeAll(async () => {
  hub = await createTestHub();
  adminId = await hub.createUser({ roles: ['admin'] });
  admin = await hub.sessionCookie(adminId);
});
afterAll(() => hub.close());

describe('administration', () => {
  it('creates an organisation and a user in it, and lists them', async () => {
    const organisation = await hub.app.inject({
      method: 'POST',
      url: '/api/organisations',
      headers: { cookie: admin },
      payload: { name: 'OLVG' },
    });
    expect(organisation.statusCode).toBe(201);
    const organisationId = (organisation.json() as { id: string }).id;
    const duplicate = await hub.app.inject({
      method: 'POST',
      url: '/api/organisations',
      headers: { cookie: admin },
      payload: { name: 'OLVG' },
    });
    expect(duplicate.statusCode).toBe(409);
    const user = await hub.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: { cookie: admin },
      payload: {
        email: 'steward@olvg.test',
        name: 'Steward',
        organisationId,
        roles: ['data_steward'],
        password: 'a long enough password',
      },
    });
    expect(user.statusCode).toBe(201);
    expect(user.json()).toMatchObject({
      email: 'steward@olvg.test',
      organisation: { id: organisationId, name: 'OLVG' },
    });
    const users = await hub.app.inject({
      method: 'GET',
      url: '/api/users?limit=500',
      headers: { cookie: admin },
    });
    expect((users.json() as Array<{ email: string }>).map((u) => u.email)).toContain('steward@olvg.test');
    const organisations = await hub.app.inject({
      method: 'GET',
      url: '/api/organisations',
      headers: { cookie: admin },
    });
    expect((organisations.json() as Array<{ name: string }>).map((o) => o.name)).toContain('OLVG');
  });

  it('refuses a user in an unknown organisation with 400', async () => {
    const response = await hub.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: { cookie: admin },
      payload: {
        email: 'x@y.test',
        name: 'X',
        organisationId: '00000000-0000-7000-8000-000000000000',
        roles: [],
        password: 'a long enough password',
      },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toMatch(/organisation .* does not exist/);
  });

  it("changes a user's roles and stations, ending their sessions", async () => {
    const userId = await hub.createUser({ roles: ['researcher'] });
    const session = await hub.sessionCookie(userId);
    const stationId = '01900000-0000-7000-8000-000000000001';
    const response = await hub.app.inject({
      method: 'PATCH',
      url: `/api/users/${userId}`,
      headers: { cookie: admin },
      payload: { roles: ['researcher', 'data_steward'], stationIds: [stationId] },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ roles: ['data_steward', 'researcher'], stationIds: [stationId] });
    const after = await hub.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: session } });
    expect(after.statusCode).toBe(401);
    const audit = await hub.db
      .selectFrom('audit_log')
      .select(['event', 'object_id'])
      .where('event', '=', 'user.update')
      .execute();
    expect(audit).toContainEqual({ event: 'user.update', object_id: userId });
  });

  it('refuses to let an admin remove their own admin role', async () => {
    const response = await hub.app.inject({
      method: 'PATCH',
      url: `/api/users/${adminId}`,
      headers: { cookie: admin },
      payload: { roles: ['researcher'] },
    });
    expect(response.statusCode).toBe(409);
  });

  it('answers 404 for an unknown user', async () => {
    const response = await hub.app.inject({
      method: 'PATCH',
      url: '/api/users/00000000-0000-7000-8000-000000000000',
      headers: { cookie: admin },
      payload: { name: 'Nobody' },
    });
    expect(response.statusCode).toBe(404);
  });
});

describe('seedDemoAccounts()', () => {
  it('creates one account per role that can sign in, idempotently', async () => {
    const accounts = await seedDemoAccounts(hub);
    expect(accounts.map((a) => a.role).sort()).toEqual([
      'access_body_decider',
      'access_body_handler',
      'access_body_reviewer',
      'admin',
      'data_steward',
      'researcher',
    ]);
    expect(await seedDemoAccounts(hub)).toEqual(accounts);
    const decider = accounts.find((a) => a.role === 'access_body_decider');
    if (decider?.totpSecret === undefined) throw new Error('decider has no TOTP secret');
    const first = await hub.app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { email: decider.email, password: decider.password },
    });
    expect(first.json()).toEqual({ status: 'totp_required' });
    const cookie = first.cookies.find((c) => c.name === 'polder_session');
    const second = await hub.app.inject({
      method: 'POST',
      url: '/api/session/totp',
      headers: { cookie: `polder_session=${cookie?.value}` },
      payload: { code: totpCode(decider.totpSecret, hub.context.now()) },
    });
    expect(second.json()).toMatchObject({ status: 'signed_in' });
    const researcher = accounts.find((a) => a.role === 'researcher');
    expect(researcher?.totpSecret).toBeUndefined();
  });
});
