/**
 * Serialises a JSON value canonically (RFC 8785, JSON Canonicalization Scheme): object keys sorted by their
 * UTF-16 code units, numbers in ECMAScript's shortest round-trip form, no whitespace. Two parties that hold
 * the same value produce the same bytes, so a signature over those bytes survives re-parsing and re-ordering.
 *
 * Only what JSON can carry is accepted: `null`, booleans, finite numbers, strings without lone surrogates,
 * arrays and plain objects. An object property whose value is `undefined` is left out (as `JSON.stringify`
 * does); anything else (`NaN`, `Infinity`, a bigint, `undefined` in an array, a function, a `Date`, a cycle)
 * is refused with a `TypeError` that names where it sits.
 *
 * @example
 * canonicalJson({ b: [1, 2.50, 1e21], a: 'é' }); // '{"a":"é","b":[1,2.5,1e+21]}'
 */
export function canonicalJson(value: unknown): string {
  return serialise(value, '$', new Set());
}

function serialise(value: unknown, path: string, ancestors: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return serialiseString(value, path);
    case 'number':
      if (!Number.isFinite(value)) throw refusal(path, `is ${String(value)}, which JSON cannot carry`);
      // ECMAScript's Number.prototype.toString is the number form RFC 8785 prescribes; -0 becomes 0.
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw refusal(path, 'is a bigint; convert it to a number or a string first');
    case 'undefined':
      throw refusal(path, 'is undefined');
    case 'function':
    case 'symbol':
      throw refusal(path, `is a ${typeof value}`);
  }
  if (value === null) return 'null';
  const object = value as object;
  if (ancestors.has(object)) throw refusal(path, 'refers back to itself (a cycle)');
  ancestors.add(object);
  try {
    if (Array.isArray(object)) {
      return `[${object.map((item: unknown, index) => serialise(item, `${path}[${index}]`, ancestors)).join(',')}]`;
    }
    const prototype: unknown = Object.getPrototypeOf(object);
    if (prototype !== Object.prototype && prototype !== null) {
      const kind = (object as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      throw refusal(path, `is a ${kind}, not a plain object`);
    }
    const record = object as Record<string, unknown>;
    // Array.prototype.sort without a comparator orders strings by UTF-16 code units, as RFC 8785 asks.
    const members: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const member = record[key];
      if (member === undefined) continue;
      members.push(`${serialiseString(key, path)}:${serialise(member, memberPath(path, key), ancestors)}`);
    }
    return `{${members.join(',')}}`;
  } finally {
    ancestors.delete(object);
  }
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function serialiseString(value: string, path: string): string {
  if (loneSurrogate.test(value))
    throw refusal(path, 'holds a lone UTF-16 surrogate, which is not valid Unicode');
  // JSON.stringify escapes exactly what RFC 8785 escapes: '"', '\\' and control characters (short forms
  // \b \t \n \f \r, others as \u00xx in lower case); everything else is written as it is.
  return JSON.stringify(value);
}

function memberPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function refusal(path: string, reason: string): TypeError {
  return new TypeError(`Cannot serialise canonical JSON: the value at ${path} ${reason}`);
}
