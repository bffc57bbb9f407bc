/**
 * Fastify's validator compiler for the hub's TypeBox schemas.
 *
 * Why not `TypeBoxValidatorCompiler` from `@fastify/type-provider-typebox`: it runs `Value.Convert` on
 * every query string, path and header object, and TypeBox 1.x interprets the schema anew each time
 * (evaluating enums and unions). On the catalogue search that was a fifth of the hub's CPU per request.
 * Here the conversion is decided once per schema: URL parts only ever hold strings (or arrays of strings
 * for repeated parameters), so each property gets a small converter for its declared type. It is also
 * stricter than `Value.Convert`, which turns `page=2.5` into 2 and `page=` into 0: a number must be
 * written as a decimal number, and a wrong one is answered 400 by the type check that follows.
 * Bodies are JSON and are checked as they are.
 */
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import type { FastifySchemaCompiler } from 'fastify';

type Converter = (value: unknown) => unknown;

const identity: Converter = (value) => value;
const decimal = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

const toNumber: Converter = (value) =>
  typeof value === 'string' && decimal.test(value) ? Number(value) : value;

const toBoolean: Converter = (value) => {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return value;
};

type JsonSchema = {
  readonly type?: unknown;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly JsonSchema[];
  readonly items?: JsonSchema;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
};

/** A schema whose every accepted value is a string: nothing to convert. */
function onlyStrings(schema: JsonSchema): boolean {
  if (schema.type === 'string') return true;
  if (schema.enum !== undefined) return schema.enum.every((v) => typeof v === 'string');
  if ('const' in schema && schema.const !== undefined) return typeof schema.const === 'string';
  return false;
}

/** The converter for one property of a URL part, or undefined when its shape is not a simple one. */
function propertyConverter(schema: JsonSchema): Converter | undefined {
  if (onlyStrings(schema)) return identity;
  if (schema.type === 'integer' || schema.type === 'number') return toNumber;
  if (schema.type === 'boolean') return toBoolean;
  if (schema.type === 'array' && schema.items !== undefined) {
    const item = propertyConverter(schema.items);
    if (item === undefined) return undefined;
    return (value) => (Array.isArray(value) ? value.map(item) : [item(value)]);
  }
  // A string or an array of strings (a parameter that may repeat): the query parser gives one of the two.
  if (
    schema.anyOf !== undefined &&
    schema.anyOf.every(
      (s) => onlyStrings(s) || (s.type === 'array' && s.items !== undefined && onlyStrings(s.items)),
    )
  ) {
    return identity;
  }
  return undefined;
}

/**
 * The converter of a URL part's object schema. A property of a shape not handled above is converted by
 * TypeBox's `Value.Convert` on its own, so every schema keeps working, only slower.
 */
export function urlPartConverter(schema: JsonSchema): Converter {
  const properties = Object.entries(schema.properties ?? {});
  if (schema.type !== 'object' || properties.length === 0) {
    return (value) => Value.Convert(schema as Parameters<typeof Value.Convert>[0], value);
  }
  const converters = new Map<string, Converter>();
  for (const [name, property] of properties) {
    const converter =
      propertyConverter(property) ??
      ((value: unknown) => Value.Convert(property as Parameters<typeof Value.Convert>[0], value));
    if (converter !== identity) converters.set(name, converter);
  }
  if (converters.size === 0) return identity;
  return (value) => {
    if (typeof value !== 'object' || value === null) return value;
    let converted: Record<string, unknown> | undefined;
    for (const [name, convert] of converters) {
      const before = (value as Record<string, unknown>)[name];
      if (before === undefined) continue;
      const after = convert(before);
      if (after === before) continue;
      converted ??= { ...(value as Record<string, unknown>) };
      converted[name] = after;
    }
    return converted ?? value;
  };
}

export const hubValidatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const typeCheck = Compile(schema as Parameters<typeof Compile>[0]);
  const convert = httpPart === 'body' ? identity : urlPartConverter(schema as JsonSchema);
  return (value: unknown) => {
    const converted = convert(value);
    if (typeCheck.Check(converted)) return { value: converted };
    return { error: typeCheck.Errors(converted) as unknown as Error };
  };
};
