import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from './_test-hub.ts';

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(() => hub.close());

describe('createHub()', () => {
  it('serves the OpenAPI document at /api/openapi.json', async () => {
    const response = await hub.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json() as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toContain('/api/session');
    expect(Object.keys(document.paths)).not.toContain('/api/openapi.json');
    const users = (document.paths['/api/users'] as { get: { security?: unknown; description?: string } }).get;
    expect(users.security).toEqual([{ session: [] }, { bearer: [] }]);
    expect(users.description).toMatch(/Requires roles: admin\.$/);
  });

  it('serves the docs page at /api/docs', async () => {
    const response = await hub.app.inject({ method: 'GET', url: '/api/docs' });
    expect([200, 302]).toContain(response.statusCode);
  });

  it('sends basic security headers, and no-store for signed-in answers', async () => {
    const cookie = await hub.sessionCookie(await hub.createUser());
    const response = await hub.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } });
    expect(response.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'cache-control': 'no-store',
    });
  });

  it('answers an unknown route with a 404 in the error shape', async () => {
    const response = await hub.app.inject({ method: 'GET', url: '/api/nothing-here' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      error: { code: 'not_found', message: 'Cannot GET /api/nothing-here: no such route' },
    });
  });

  it('answers malformed JSON with 400 invalid_input', async () => {
    const response = await hub.app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_input');
    expect(response.json().error.message).toMatch(/not valid JSON/);
  });

  it('answers an unknown field with 400 naming the field', async () => {
    const response = await hub.app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { email: 'a@b.c', password: 'x', admin: true },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toBe("Cannot accept the request: body has unknown field 'admin'");
  });

  it('answers a wrong type and an over-long string with 400', async () => {
    const wrongType = await hub.app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { email: 5, password: 'x' },
    });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().error.message).toMatch(/body\/email/);
    const tooLong = await hub.app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { email: 'a@b.c', password: 'x'.repeat(2000) },
    });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().error.message).toMatch(/body\/password must not have more than 1024 characters/);
  });

  it('answers JSON nested 400,000 levels deep with 400, not a stack overflow', async () => {
    for (const payload of [
      '['.repeat(400_000) + ']'.repeat(400_000),
      `{"email":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)},"password":"x"}`,
    ]) {
      const response = await hub.app.inject({
        method: 'POST',
        url: '/api/session',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(response.statusCode).toBe(400);
    }
  });

  it('answers a body over the limit with 413 and text/plain with 415', async () => {
    const huge = await hub.app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(2_000_000) }),
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('payload_too_large');
    const text = await hub.app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(415);
  });

  it('answers an unexpected failure with a generic 500 that reveals nothing', async () => {
    // Break the database under a route: the token lookup now fails with a PostgreSQL error.
    await sql`alter table api_tokens rename to api_tokens_gone`.execute(hub.db);
    try {
      const response = await hub.app.inject({
        method: 'GET',
        url: '/api/me',
        headers: { authorization: 'Bearer pld_whatever' },
      });
      expect(response.statusCode).toBe(500);
      expect(response.json()).toEqual({
        error: { code: 'internal', message: 'The hub failed to handle this request; it has been logged' },
      });
    } finally {
      await sql`alter table api_tokens_gone rename to api_tokens`.execute(hub.db);
    }
  });
});
