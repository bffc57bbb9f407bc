import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from './_test-hub.ts';

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(() => hub.close());

/** A pattern anchored at both ends without open-ended repetition bounds the length as maxLength would. */
function isBoundedPattern(pattern: unknown): boolean {
  if (typeof pattern !== 'string' || !pattern.startsWith('^') || !pattern.endsWith('$')) return false;
  const unescaped = pattern.replace(/\\./g, '');
  return !/[*+]|\{\d*,\}/.test(unescaped);
}

/** Where a request schema breaks the hub's input rules: open objects, unbounded strings. */
function findLooseSpots(schema: unknown, path: string, out: string[]): void {
  if (schema === null || typeof schema !== 'object') return;
  const node = schema as Record<string, unknown>;
  const types = [node['type']].flat();
  // A map (a TypeBox Record: patternProperties) with a bounded size is open by design — a cohort
  // definition, an algorithm's parameters — and its values are checked by their own schema later.
  const isBoundedMap = node['patternProperties'] !== undefined && typeof node['maxProperties'] === 'number';
  if ((types.includes('object') || node['properties'] !== undefined) && !isBoundedMap) {
    if (node['additionalProperties'] !== false)
      out.push(`${path}: object without additionalProperties: false`);
  }
  if (
    types.includes('string') &&
    node['maxLength'] === undefined &&
    node['const'] === undefined &&
    node['enum'] === undefined &&
    !isBoundedPattern(node['pattern'])
  ) {
    out.push(`${path}: string without maxLength (or a pattern that bounds it)`);
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' && value !== null && typeof value === 'object') {
      for (const [name, inner] of Object.entries(value)) findLooseSpots(inner, `${path}.${name}`, out);
    } else if (key === 'patternProperties' && value !== null && typeof value === 'object') {
      for (const inner of Object.values(value)) findLooseSpots(inner, `${path}{}`, out);
    } else if (key === 'items' || key === 'additionalProperties' || key === 'not') {
      findLooseSpots(value, `${path}[]`, out);
    } else if ((key === 'anyOf' || key === 'oneOf' || key === 'allOf') && Array.isArray(value)) {
      value.forEach((inner, index) => findLooseSpots(inner, `${path}|${index}`, out));
    }
  }
}

describe('route schemas', () => {
  it('refuse unknown fields and bound every string, in every body, query and path schema', () => {
    const problems: string[] = [];
    for (const route of hub.routes) {
      for (const part of ['body', 'querystring', 'params'] as const) {
        const schema = route.schema[part];
        if (schema !== undefined) findLooseSpots(schema, `${route.method} ${route.url} ${part}`, problems);
      }
    }
    expect(problems).toEqual([]);
  });
});
