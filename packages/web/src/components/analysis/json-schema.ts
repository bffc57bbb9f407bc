/*
 * Reads an algorithm's parameter schema (JSON Schema, as TypeBox writes it and GET /api/algorithms serves
 * it) into the few kinds of field a form needs, so that one form serves every algorithm. A string property
 * whose `pattern` is the analytics library's variable-name pattern names a cohort variable: the form offers
 * the cohort's variables for it.
 */

/** The analytics library's pattern of a variable name (packages/analytics/src/_sql.ts). */
export const variableNameSchemaPattern = '^[a-z][a-zA-Z0-9_]{0,62}$';

/** What a form shows for one schema node. */
export type FieldModel =
  | { readonly kind: 'text'; readonly variable: boolean; readonly maxLength?: number }
  | {
      readonly kind: 'number';
      readonly integer: boolean;
      readonly minimum?: number;
      readonly maximum?: number;
      readonly exclusiveMinimum?: number;
    }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'enum'; readonly options: readonly string[] }
  | { readonly kind: 'enum-list'; readonly options: readonly string[] }
  | { readonly kind: 'number-list'; readonly minItems?: number; readonly maxItems?: number }
  | { readonly kind: 'text-list'; readonly variable: boolean; readonly maxItems?: number }
  | {
      readonly kind: 'list';
      readonly item: FieldModel;
      readonly maxItems?: number;
      readonly minItems?: number;
    }
  | { readonly kind: 'object'; readonly properties: readonly PropertyModel[] }
  | { readonly kind: 'json' };

/** A property of an object, with its field. */
export interface PropertyModel {
  readonly name: string;
  readonly label: string;
  readonly description: string | undefined;
  readonly required: boolean;
  readonly default: unknown;
  readonly field: FieldModel;
}

type Schema = Readonly<Record<string, unknown>>;

const isSchema = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const optionalNumber = <K extends string>(key: K, value: unknown): { [P in K]?: number } =>
  (typeof value === 'number' ? { [key]: value } : {}) as { [P in K]?: number };

/** The values of an enumeration: `enum`, or `anyOf`/`oneOf` of `const`s; undefined when it is not one. */
export function enumOptions(schema: Schema): string[] | undefined {
  if (Array.isArray(schema['enum']) && schema['enum'].every((v) => typeof v === 'string')) {
    return schema['enum'] as string[];
  }
  const union = schema['anyOf'] ?? schema['oneOf'];
  if (
    Array.isArray(union) &&
    union.length > 0 &&
    union.every((s) => isSchema(s) && typeof s['const'] === 'string')
  ) {
    return union.map((s) => (s as Schema)['const'] as string);
  }
  if (typeof schema['const'] === 'string') return [schema['const']];
  return undefined;
}

/** Whether a string schema names a cohort variable. */
export function isVariableSchema(schema: Schema): boolean {
  return schema['type'] === 'string' && schema['pattern'] === variableNameSchemaPattern;
}

/** "confidenceInterval" → "Confidence interval". */
export function labelOfProperty(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase()
    .trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The field model of a schema node. */
export function fieldModelOf(schema: unknown): FieldModel {
  if (!isSchema(schema)) return { kind: 'json' };
  const options = enumOptions(schema);
  if (options !== undefined) return { kind: 'enum', options };
  switch (schema['type']) {
    case 'string':
      return {
        kind: 'text',
        variable: isVariableSchema(schema),
        ...optionalNumber('maxLength', schema['maxLength']),
      };
    case 'number':
    case 'integer':
      return {
        kind: 'number',
        integer: schema['type'] === 'integer',
        ...optionalNumber('minimum', schema['minimum']),
        ...optionalNumber('maximum', schema['maximum']),
        ...optionalNumber('exclusiveMinimum', schema['exclusiveMinimum']),
      };
    case 'boolean':
      return { kind: 'boolean' };
    case 'array': {
      const items = isSchema(schema['items']) ? schema['items'] : {};
      const limits = {
        ...optionalNumber('minItems', schema['minItems']),
        ...optionalNumber('maxItems', schema['maxItems']),
      };
      const itemOptions = enumOptions(items);
      if (itemOptions !== undefined) return { kind: 'enum-list', options: itemOptions };
      if (items['type'] === 'number' || items['type'] === 'integer')
        return { kind: 'number-list', ...limits };
      if (items['type'] === 'string') {
        return {
          kind: 'text-list',
          variable: isVariableSchema(items),
          ...optionalNumber('maxItems', schema['maxItems']),
        };
      }
      return { kind: 'list', item: fieldModelOf(items), ...limits };
    }
    case 'object':
      return { kind: 'object', properties: propertiesOf(schema) };
    default:
      return { kind: 'json' };
  }
}

function propertiesOf(schema: Schema): PropertyModel[] {
  const properties = isSchema(schema['properties']) ? schema['properties'] : {};
  const required = new Set(Array.isArray(schema['required']) ? (schema['required'] as string[]) : []);
  return Object.entries(properties).map(([name, property]) => {
    const node = isSchema(property) ? property : {};
    return {
      name,
      label: typeof node['title'] === 'string' ? node['title'] : labelOfProperty(name),
      description: typeof node['description'] === 'string' ? node['description'] : undefined,
      required: required.has(name),
      default: node['default'],
      field: fieldModelOf(node),
    };
  });
}

/** A starting value for a required field of `model` (optional fields start empty). */
export function initialValue(model: FieldModel): unknown {
  switch (model.kind) {
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const property of model.properties) {
        if (!property.required) continue;
        value[property.name] = property.default ?? initialValue(property.field);
      }
      return value;
    }
    case 'enum':
      return model.options[0];
    case 'list':
    case 'enum-list':
    case 'number-list':
    case 'text-list':
      return [];
    case 'boolean':
      return false;
    default:
      return undefined;
  }
}

/** One problem of a value: where (a JSON pointer) and what is wrong. */
export interface ValueProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * The problems a form can see before sending: missing required values and numbers out of range. The hub
 * checks the full schema (and the stations the variables) when the run starts.
 */
export function checkValue(model: FieldModel, value: unknown, path = ''): ValueProblem[] {
  if (value === undefined) return [];
  switch (model.kind) {
    case 'object': {
      const record = (isSchema(value) ? value : {}) as Record<string, unknown>;
      return model.properties.flatMap((property) => {
        const at = `${path}/${property.name}`;
        const inner = record[property.name];
        const empty = inner === undefined || inner === '';
        if (empty && property.required) return [{ path: at, message: `${property.label} is required` }];
        return empty ? [] : checkValue(property.field, inner, at);
      });
    }
    case 'number': {
      if (typeof value !== 'number') return [{ path, message: 'must be a number' }];
      if (model.integer && !Number.isInteger(value)) return [{ path, message: 'must be a whole number' }];
      if (model.minimum !== undefined && value < model.minimum)
        return [{ path, message: `must be at least ${model.minimum}` }];
      if (model.maximum !== undefined && value > model.maximum)
        return [{ path, message: `must be at most ${model.maximum}` }];
      if (model.exclusiveMinimum !== undefined && value <= model.exclusiveMinimum) {
        return [{ path, message: `must be more than ${model.exclusiveMinimum}` }];
      }
      return [];
    }
    case 'text':
      if (typeof value !== 'string') return [{ path, message: 'must be text' }];
      if (model.variable && !new RegExp(variableNameSchemaPattern).test(value)) {
        return [{ path, message: 'must be the name of a cohort variable' }];
      }
      return [];
    case 'list':
    case 'number-list':
    case 'text-list': {
      if (!Array.isArray(value)) return [{ path, message: 'must be a list' }];
      const problems: ValueProblem[] = [];
      if (model.maxItems !== undefined && value.length > model.maxItems) {
        problems.push({ path, message: `at most ${model.maxItems} items` });
      }
      if (
        model.kind === 'number-list' &&
        model.minItems !== undefined &&
        value.length > 0 &&
        value.length < model.minItems
      ) {
        problems.push({ path, message: `at least ${model.minItems} items` });
      }
      if (model.kind === 'list')
        value.forEach((item, i) => problems.push(...checkValue(model.item, item, `${path}/${i}`)));
      return problems;
    }
    default:
      return [];
  }
}

/** `value` without empty optional parts (undefined, '' and empty lists of optional fields), to send. */
export function pruneValue(model: FieldModel, value: unknown): unknown {
  if (model.kind === 'object' && isSchema(value)) {
    const pruned: Record<string, unknown> = {};
    for (const property of model.properties) {
      const inner = (value as Record<string, unknown>)[property.name];
      if (inner === undefined || inner === '') continue;
      if (!property.required && Array.isArray(inner) && inner.length === 0) continue;
      pruned[property.name] = pruneValue(property.field, inner);
    }
    return pruned;
  }
  if (model.kind === 'list' && Array.isArray(value)) return value.map((item) => pruneValue(model.item, item));
  return value;
}
