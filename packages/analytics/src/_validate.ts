import type { TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import { AnalyticsError } from './analytics-error.ts';

const validators = new WeakMap<TSchema, Validator>();

/**
 * The first place where `value` does not fit `schema` (its JSON pointer, '' for the whole value, and what is
 * wrong there), or undefined when it fits. Each schema is compiled once per process: compiling costs a
 * millisecond or two, and the algorithms' schemas never change.
 */
export function schemaProblem(
  schema: TSchema,
  value: unknown,
): { path: string; message: string } | undefined {
  let validator = validators.get(schema);
  if (validator === undefined) {
    validator = Compile(schema) as unknown as Validator;
    validators.set(schema, validator);
  }
  if (validator.Check(value)) return undefined;
  const first = validator.Errors(value)[0];
  return { path: first?.instancePath ?? '', message: first?.message ?? 'does not fit the schema' };
}

/** Checks `value` against `schema`, throwing 'invalid-parameters' that names the first problem. */
export function checkSchema(schema: TSchema, value: unknown, what: string): void {
  const problem = schemaProblem(schema, value);
  if (problem !== undefined) {
    throw new AnalyticsError(
      'invalid-parameters',
      `Cannot run ${what}: ${problem.path || '/'} ${problem.message}`,
    );
  }
}
