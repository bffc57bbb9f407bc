import type { HTTPMethods } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from './_test-hub.ts';
import { authorizationMatrix, matrixRoles, type MatrixRole } from './authorization-matrix.ts';

let hub: TestHub;
let counter = 0;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(() => hub.close());

/** Routes that the matrix need not list: the static files of the docs page. */
function isExempt(url: string): boolean {
  return url === '/api/docs' || url.startsWith('/api/docs/');
}

const key = (method: HTTPMethods | string, url: string) => `${method} ${url}`;

describe('authorisation matrix', () => {
  it('lists every registered route, and only those', () => {
    const registered = new Set(hub.routes.filter((r) => !isExempt(r.url)).map((r) => key(r.method, r.url)));
    const listed = new Set(authorizationMatrix.map((row) => key(row.method, row.route)));
    const missing = [...registered].filter((route) => !listed.has(route));
    const stale = [...listed].filter((route) => !registered.has(route));
    expect(missing, 'routes without a row in authorization-matrix.ts').toEqual([]);
    expect(stale, 'rows in authorization-matrix.ts for routes that do not exist').toEqual([]);
    expect(authorizationMatrix.length, 'each route once').toBe(listed.size);
  });

  for (const row of authorizationMatrix) {
    it(`${row.method} ${row.route}`, async () => {
      const users = await hub.userPerRole();
      const actual: Partial<Record<MatrixRole, number>> = {};
      for (const role of matrixRoles) {
        const userId = role === 'anonymous' ? null : users[role];
        counter += 1;
        const request =
          (await row.request?.({ role, hub, userId, unique: `${Date.now()}-${counter}` })) ?? {};
        const headers: Record<string, string> = { ...request.headers };
        if (userId !== null) headers['cookie'] = await hub.sessionCookie(userId);
        const response = await hub.app.inject({
          method: row.method,
          url: request.url ?? row.route,
          headers,
          ...(request.body === undefined ? {} : { payload: request.body as Record<string, unknown> }),
        });
        actual[role] = response.statusCode;
      }
      expect(actual).toEqual(row.expect);
    });
  }
});
