import type { TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import { AnalyticsError } from './analytics-error.ts';

const validators = new WeakMap<TSchema, Validator>();

/** Checks `value` against `schema`, throwing 'invalid-parameters' that names the first problem. */
export function checkSchema(schema: TSchema, value: unknown, what: string): void {
  let validator = validators.get(schema);
  if (validator === undefined) {
    validator = Compile(schema) as unknown as Validator;
    validators.set(schema, validator);
  }
  if (!validator.Check(value)) {
    const first = validator.Errors(value)[0];
    const where = first === undefined ? '' : `: ${first.instancePath || '/'} ${first.message}`;
    throw new AnalyticsError('invalid-parameters', `Cannot run ${what}${where}`);
  }
}
