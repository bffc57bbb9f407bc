import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roles } from './accounts/roles.ts';
import { createTestHub, type TestHub } from './_test-hub.ts';
import { arbitraryFromSchema } from './_schema-arbitrary.ts';

/**
 * Property-based fuzzing of the whole API: for every route, random bodies, queries and path parameters —
 * wrong types, over-long strings, unknown fields, deep nesting, malformed JSON text, and values that fit
 * the schema so that they reach the handler — never produce a 500. Requests are made by a user holding
 * every role, so role checks do not stop them before the handler.
 */

let hub: TestHub;
let superUserId: string;
beforeAll(async () => {
  hub = await createTestHub();
  superUserId = await hub.createUser({ roles: [...roles], email: 'fuzz@test.polder' });
});
afterAll(() => hub.close());

const runs = Number(process.env['POLDER_FUZZ_RUNS'] ?? 20);
/** Statuses seen, per route: the test also checks that the fuzzer got past validation somewhere. */
const seen = new Map<string, Set<number>>();
function note(route: { method: string; url: string }, status: number): void {
  const key = `${route.method} ${route.url}`;
  if (!seen.has(key)) seen.set(key, new Set());
  seen.get(key)?.add(status);
}

function deepNesting(depth: number): unknown {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}

/** JSON values that a schema would not expect. */
const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ minLength: 5000, maxLength: 20_000 }),
  fc.integer({ min: 1, max: 3000 }).map(deepNesting),
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    1e308,
    '',
    [],
    {},
    { __proto__: { admin: true } },
    { constructor: { prototype: {} } },
  ),
);

/** A body built from the schema, then (perhaps) spoiled: a field replaced, an unknown field added. */
function bodyArbitrary(schema: unknown): fc.Arbitrary<unknown> {
  const fitting = arbitraryFromSchema(schema);
  return fc.oneof(
    { arbitrary: fitting, weight: 3 },
    {
      arbitrary: fc
        .tuple(fitting, fc.string({ maxLength: 20 }), hostileJson)
        .map(([value, key, bad]) =>
          value !== null && typeof value === 'object' && !Array.isArray(value)
            ? { ...value, [key || 'k']: bad }
            : bad,
        ),
      weight: 2,
    },
    {
      arbitrary: fc.tuple(fitting, hostileJson).map(([value, bad]) => {
        if (value === null || typeof value !== 'object' || Array.isArray(value)) return bad;
        const keys = Object.keys(value);
        const key = keys[0];
        return key === undefined ? bad : { ...value, [key]: bad };
      }),
      weight: 2,
    },
    { arbitrary: hostileJson, weight: 2 },
  );
}

/** Raw text sent as application/json: mostly not JSON at all. */
const malformedText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    '{',
    '{"a":',
    '[1,2',
    '{"a":1}}',
    'nul',
    '\u0000',
    '{"__proto__":{"x":1}}',
    '"\\ud800"',
    '1e99999',
  ),
);

function queryArbitrary(schema: unknown): fc.Arbitrary<Record<string, string>> {
  const fitting = arbitraryFromSchema(schema).map((value) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(
          Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
        )
      : {},
  );
  const random = fc.dictionary(fc.string({ maxLength: 30 }), fc.string({ maxLength: 3000 }), { maxKeys: 4 });
  return fc.oneof(
    fitting,
    random,
    fc.tuple(fitting, random).map(([a, b]) => ({ ...a, ...b })),
  );
}

const segment = fc.oneof(
  fc.uuid(),
  fc.string({ maxLength: 300 }),
  fc.constantFrom('..', '%', '%00', 'null', '-1', '1e9', ' ', 'a/b'),
);

function fillPath(route: string, values: readonly string[]): string {
  let index = 0;
  return route.replace(/:[A-Za-z0-9_]+/g, () => encodeURIComponent(values[index++] ?? 'x'));
}

function paramCount(route: string): number {
  return (route.match(/:[A-Za-z0-9_]+/g) ?? []).length;
}

describe('API fuzzing: no input makes the hub answer 500', () => {
  it('covers some routes', () => {
    expect(
      hub.routes.filter((route) => route.url.startsWith('/api/') && !route.url.startsWith('/api/docs'))
        .length,
    ).toBeGreaterThan(10);
  });

  const fuzzed = () => hub.routes.filter((route) => !route.url.startsWith('/api/docs'));

  it('every route with a body survives random JSON bodies and malformed JSON text', async () => {
    for (const route of fuzzed()) {
      if (route.schema['body'] === undefined) continue;
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            bodyArbitrary(route.schema['body']).map((body) => ({ text: JSON.stringify(body) ?? 'null' })),
            malformedText.map((text) => ({ text })),
          ),
          fc.array(segment, { minLength: paramCount(route.url), maxLength: paramCount(route.url) }),
          async ({ text }, params) => {
            const response = await hub.app.inject({
              method: route.method,
              url: fillPath(route.url, params),
              headers: { 'content-type': 'application/json', cookie: await hub.sessionCookie(superUserId) },
              payload: text,
            });
            note(route, response.statusCode);
            expect(
              response.statusCode,
              `${route.method} ${route.url} with ${text.slice(0, 300)}: ${response.body}`,
            ).toBeLessThan(500);
          },
        ),
        { numRuns: runs },
      );
    }
  });

  it('every route survives random query strings and path parameters', async () => {
    for (const route of fuzzed()) {
      await fc.assert(
        fc.asyncProperty(
          queryArbitrary(route.schema['querystring']),
          fc.array(segment, { minLength: paramCount(route.url), maxLength: paramCount(route.url) }),
          async (query, params) => {
            const search = new URLSearchParams(query).toString();
            const url = `${fillPath(route.url, params)}${search === '' ? '' : `?${search}`}`;
            const response = await hub.app.inject({
              method: route.method,
              url,
              headers: { cookie: await hub.sessionCookie(superUserId) },
              ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: {} }),
            });
            note(route, response.statusCode);
            expect(response.statusCode, `${route.method} ${url}: ${response.body}`).toBeLessThan(500);
          },
        ),
        { numRuns: runs },
      );
    }
  });

  it('anonymous and bearer requests with hostile headers are refused, not failed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fuzzed()),
        fc.oneof(
          fc.string({ maxLength: 500 }),
          fc.constant('Bearer '),
          fc.string().map((s) => `Bearer ${s}`),
        ),
        fc.string({ maxLength: 500 }),
        async (route, authorization, cookie) => {
          const response = await hub.app.inject({
            method: route.method,
            url: fillPath(route.url, []),
            headers: { authorization, cookie: `polder_session=${encodeURIComponent(cookie)}` },
          });
          expect(response.statusCode, `${route.method} ${route.url}: ${response.body}`).toBeLessThan(500);
        },
      ),
      { numRuns: runs * 5 },
    );
  });

  it('reached handlers (some fuzzed requests succeeded)', () => {
    if (process.env['POLDER_FUZZ_DEBUG'] !== undefined) {
      for (const [route, statuses] of seen) console.log(route, [...statuses].sort().join(' '));
    }
    const succeeded = [...seen.values()].filter((statuses) => [...statuses].some((status) => status < 300));
    expect(succeeded.length).toBeGreaterThan(5);
  });
});
