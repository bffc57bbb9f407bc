import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { createTestHub } from './_test-hub.ts';
import { hubValidatorCompiler, urlPartConverter } from './validator-compiler.ts';

const Query = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1 })),
  ratio: Type.Optional(Type.Number()),
  open: Type.Optional(Type.Boolean()),
  sort: Type.Optional(Type.Enum(['title', 'modified'])),
  facet: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
  ids: Type.Optional(Type.Array(Type.Integer())),
  either: Type.Optional(Type.Union([Type.Integer(), Type.Literal('all')])),
});

function validate(part: 'querystring' | 'body', value: unknown) {
  const check = hubValidatorCompiler({ schema: Query, httpPart: part, method: 'GET', url: '/' });
  return check(value) as { value?: unknown; error?: unknown };
}

describe('hubValidatorCompiler', () => {
  it('converts the query string to the declared types', () => {
    expect(validate('querystring', { page: '2', ratio: '-0.25', open: 'true', sort: 'title' })).toEqual({
      value: { page: 2, ratio: -0.25, open: true, sort: 'title' },
    });
    expect(validate('querystring', { open: '0', facet: 'a', ids: '7' }).value).toEqual({
      open: false,
      facet: 'a',
      ids: [7],
    });
    expect(validate('querystring', { facet: ['a', 'b'], ids: ['1', '2'] }).value).toEqual({
      facet: ['a', 'b'],
      ids: [1, 2],
    });
  });

  it('refuses what is not a number instead of truncating it', () => {
    for (const page of ['2.5', '', ' 3', '0x10', 'two', '0']) {
      expect(validate('querystring', { page }).error, `page=${page}`).toBeDefined();
    }
    expect(validate('querystring', { open: 'yes' }).error).toBeDefined();
    expect(validate('querystring', { sort: 'size' }).error).toBeDefined();
  });

  it('falls back to TypeBox conversion for shapes it does not know', () => {
    expect(validate('querystring', { either: '3' }).value).toEqual({ either: 3 });
    expect(validate('querystring', { either: 'all' }).value).toEqual({ either: 'all' });
  });

  it('checks bodies as they are', () => {
    expect(validate('body', { page: '2' }).error).toBeDefined();
    expect(validate('body', { page: 2 }).value).toEqual({ page: 2 });
  });

  it('returns the same object when nothing needs converting', () => {
    const convert = urlPartConverter(Query);
    const query = { sort: 'title', facet: 'x' };
    expect(convert(query)).toBe(query);
  });

  it('answers a wrong query parameter of a route with 400 and says which', async () => {
    const hub = await createTestHub();
    try {
      const wrong = await hub.app.inject({ method: 'GET', url: '/api/catalogue/search?page=2.5' });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json().error.message).toMatch(/page/);
      const right = await hub.app.inject({ method: 'GET', url: '/api/catalogue/search?page=2&pageSize=5' });
      expect(right.statusCode).toBe(200);
      expect(right.json()).toMatchObject({ page: 2, pageSize: 5 });
    } finally {
      await hub.close();
    }
  });
});
