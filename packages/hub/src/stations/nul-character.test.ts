import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../_test-hub.ts';

// Regression: a NUL character in a JSON string reached PostgreSQL, which refuses it in text and jsonb, and
// the hub answered 500.
describe('a NUL character in input', () => {
  let hub: TestHub;
  let admin: string;
  beforeAll(async () => {
    hub = await createTestHub();
    admin = await hub.bearer((await hub.userPerRole()).admin);
  });
  afterAll(() => hub.close());

  it.each([
    ['/api/stations', { name: 'OLVG\u0000' }],
    ['/api/organisations', { name: 'OLVG\u0000' }],
  ])('is a 400 at POST %s, not a 500', async (url, payload) => {
    const response = await hub.app.inject({
      method: 'POST',
      url,
      headers: { authorization: admin },
      payload,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: {
        code: 'invalid_input',
        message: 'Cannot accept the request: text must not contain the NUL character (\\u0000)',
      },
    });
  });
});
