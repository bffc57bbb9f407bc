import fc from 'fast-check';

/** A JSON Schema as the hub's TypeBox schemas produce them (the parts the generator reads). */
interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly anyOf?: readonly JsonSchema[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly maxItems?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly pattern?: string;
  readonly format?: string;
}

/**
 * Values that mostly fit `schema` (so they reach the handler) — for fuzzing routes beyond validation.
 * Patterns are honoured for the shapes the hub uses (UUIDs, six-digit codes, emails); other strings are
 * arbitrary and may be refused, which is fine for a fuzzer.
 */
export function arbitraryFromSchema(schema: unknown, depth = 0): fc.Arbitrary<unknown> {
  const s = (schema ?? {}) as JsonSchema;
  if (depth > 6) return fc.constant(null);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum !== undefined && s.enum.length > 0) return fc.constantFrom(...s.enum);
  if (s.anyOf !== undefined && s.anyOf.length > 0)
    return fc.oneof(...s.anyOf.map((inner) => arbitraryFromSchema(inner, depth + 1)));
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string':
      return stringArbitrary(s);
    case 'integer':
      return fc.integer({ min: s.minimum ?? -1_000_000, max: s.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({ min: s.minimum ?? -1e9, max: s.maximum ?? 1e9, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(arbitraryFromSchema(s.items, depth + 1), { maxLength: Math.min(s.maxItems ?? 4, 4) });
    case 'object': {
      const properties = s.properties ?? {};
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, inner] of Object.entries(properties))
        model[name] = arbitraryFromSchema(inner, depth + 1);
      return fc.record(model, { requiredKeys: [...(s.required ?? [])].filter((key) => key in properties) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function stringArbitrary(s: JsonSchema): fc.Arbitrary<string> {
  const pattern = s.pattern ?? '';
  if (pattern.includes('[0-9a-fA-F]{8}')) return fc.uuid();
  if (pattern === '^[0-9]{6}$') return fc.stringMatching(/^[0-9]{6}$/);
  if (pattern.includes('@')) return fc.emailAddress().filter((email) => email.length <= (s.maxLength ?? 254));
  if (s.format === 'date-time') return fc.date({ noInvalidDate: true }).map((date) => date.toISOString());
  return fc.string({
    minLength: s.minLength ?? 0,
    maxLength: Math.min(s.maxLength ?? 40, 40),
    unit: 'grapheme',
  });
}
