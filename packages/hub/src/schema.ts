import { Type, type TProperties, type TSchema } from 'typebox';

/**
 * Schema helpers that keep the hub's input rules in one place: every object refuses unknown fields,
 * every string has a maximum length. Use them for body, query and params schemas.
 */

/** An object that refuses unknown fields. */
export function StrictObject<T extends TProperties>(properties: T, options: { description?: string } = {}) {
  return Type.Object(properties, { ...options, additionalProperties: false });
}

/** A string of at most `maxLength` characters (and at least `minLength`, default 1). */
export function BoundedString(
  maxLength: number,
  options: { minLength?: number; pattern?: string; description?: string } = {},
) {
  return Type.String({ minLength: 1, ...options, maxLength });
}

/** A UUID (as the hub's ids are). */
export const Uuid = Type.String({
  maxLength: 36,
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  description: 'UUID',
});

/** An email address (a light check; the address is confirmed by use, not by pattern). */
export const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' });

/** Params `{ id }` with a UUID. */
export const IdParams = StrictObject({ id: Uuid });

/** The error answer of every route. */
export const ErrorResponse = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }),
});

/** A timestamp in an answer (ISO 8601). */
export const Timestamp = Type.String({ format: 'date-time' });

/** Nullable variant of a schema. */
export function Nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}
