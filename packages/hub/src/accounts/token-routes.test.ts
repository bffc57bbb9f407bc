import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../_test-hub.ts';

let hub: TestHub;
let cookie: string;
beforeAll(async () => {
  hub = await createTestHub();
  cookie = await hub.sessionCookie(await hub.createUser({ roles: ['researcher'] }));
});
afterAll(() => hub.close());

describe('API tokens', () => {
  it('creates a token shown once, which then authenticates as Bearer', async () => {
    const created = await hub.app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: { cookie },
      payload: { name: 'export script', expiresInDays: 30 },
    });
    expect(created.statusCode).toBe(201);
    const { token, id } = created.json() as { token: string; id: string };
    expect(token).toMatch(/^pld_/);
    const listed = await hub.app.inject({ method: 'GET', url: '/api/tokens', headers: { cookie } });
    expect(listed.json()).toEqual([expect.objectContaining({ id, name: 'export script', revokedAt: null })]);
    expect(JSON.stringify(listed.json())).not.toContain(token);
    const asScript = await hub.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(asScript.statusCode).toBe(200);
  });

  it('refuses to create a token with a token', async () => {
    const bearer = await hub.bearer(await hub.createUser());
    const response = await hub.app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: { authorization: bearer },
      payload: { name: 'more' },
    });
    expect(response.statusCode).toBe(403);
  });

  it('revokes a token so that it no longer authenticates', async () => {
    const created = await hub.app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: { cookie },
      payload: { name: 'x' },
    });
    const { token, id } = created.json() as { token: string; id: string };
    const revoked = await hub.app.inject({ method: 'DELETE', url: `/api/tokens/${id}`, headers: { cookie } });
    expect(revoked.statusCode).toBe(204);
    const after = await hub.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.message).toBe(
      'Cannot authenticate: the API token is unknown, revoked or expired',
    );
  });

  it("answers 404 for another user's token", async () => {
    const other = await hub.sessionCookie(await hub.createUser());
    const created = await hub.app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: { cookie },
      payload: { name: 'y' },
    });
    const { id } = created.json() as { id: string };
    const response = await hub.app.inject({
      method: 'DELETE',
      url: `/api/tokens/${id}`,
      headers: { cookie: other },
    });
    expect(response.statusCode).toBe(404);
  });

  it('refuses an expired token', async () => {
    const created = await hub.app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: { cookie },
      payload: { name: 'short', expiresInDays: 1 },
    });
    const { token } = created.json() as { token: string };
    hub.advanceClock(2 * 86_400_000);
    const response = await hub.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.statusCode).toBe(401);
  });
});
