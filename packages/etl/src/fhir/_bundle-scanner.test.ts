import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BundleScanner, type ScannedEntry } from './_bundle-scanner.ts';

/** Feeds `text` to a scanner in pieces cut at `cuts` (positions, any order) and collects everything. */
function scan(
  text: string,
  cuts: readonly number[] = [],
): { entries: ScannedEntry[]; scanner: BundleScanner } {
  const scanner = new BundleScanner();
  const entries: ScannedEntry[] = [];
  // Repeated cut points give empty chunks, which must change nothing.
  const points = cuts.map((c) => c % (text.length + 1)).sort((a, b) => a - b);
  let from = 0;
  for (const p of [...points, text.length]) {
    if (p < from) continue;
    entries.push(...scanner.push(text.slice(from, p)));
    from = p;
  }
  return { entries, scanner };
}

/** Serialises JSON with whitespace taken in turn from `spaces` between all tokens. */
function serialise(value: unknown, spaces: readonly string[]): string {
  let k = 0;
  const ws = (): string => (spaces.length === 0 ? '' : (spaces[k++ % spaces.length] ?? ''));
  const write = (v: unknown): string => {
    if (Array.isArray(v)) return `[${ws()}${v.map((x) => `${ws()}${write(x)}${ws()}`).join(',')}${ws()}]`;
    if (v !== null && typeof v === 'object') {
      const parts = Object.entries(v).map(
        ([key, x]) => `${ws()}${JSON.stringify(key)}${ws()}:${ws()}${write(x)}${ws()}`,
      );
      return `{${parts.join(',')}${ws()}}`;
    }
    return JSON.stringify(v);
  };
  return write(value);
}

/** Strings rich in what trips scanners: quotes, backslashes, braces, newlines (escaped by JSON), non-BMP. */
const trickyString = fc.string({
  unit: fc.constantFrom(
    '"',
    '\\',
    '\\\\',
    '{',
    '}',
    '[',
    ']',
    ',',
    ':',
    'a',
    'entry',
    'é',
    '😀',
    '\n',
    '\u0000',
    ' ',
  ),
  maxLength: 12,
});
const jsonValue = fc
  .jsonValue({ maxDepth: 3 })
  .chain((base) =>
    fc.oneof(fc.constant(base), trickyString, fc.dictionary(trickyString, fc.constant(base), { maxKeys: 3 })),
  );
const resource = fc.record({
  resourceType: fc.constantFrom('Patient', 'Observation', 'Claim'),
  id: trickyString,
  payload: fc.dictionary(trickyString, jsonValue, { maxKeys: 4 }),
});
const entry = fc.record({ fullUrl: trickyString, resource }, { requiredKeys: ['resource'] });
const whitespace = fc.array(fc.constantFrom('', ' ', '\n', '\t', '\r\n', '    '), { maxLength: 7 });

describe('BundleScanner', () => {
  it('yields exactly the entries JSON.parse finds, for any whitespace, key order and chunking', () => {
    fc.assert(
      fc.property(
        fc.array(entry, { maxLength: 6 }),
        whitespace,
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 8 }),
        (entries, spaces, entryFirst, cuts) => {
          // Decoys: an "entry" key that is not top-level, and a string that looks like the entry array.
          const decoy = { entry: [{ resource: { resourceType: 'Decoy' } }], note: '"entry": [{"x": 1}]' };
          const bundle = entryFirst
            ? { entry: entries, resourceType: 'Bundle', meta: decoy, type: 'collection' }
            : { resourceType: 'Bundle', meta: decoy, type: 'collection', entry: entries };
          const text = serialise(bundle, spaces);
          const { entries: found, scanner } = scan(text, cuts);
          expect(found.map((e) => JSON.parse(e.text) as unknown)).toEqual(JSON.parse(text).entry);
          expect(found.map((e) => e.index)).toEqual(entries.map((_, i) => i));
          const summary = scanner.finish();
          expect(summary).toMatchObject({
            resourceType: 'Bundle',
            bundleType: 'collection',
            hasEntryArray: true,
          });
          expect(summary.truncated).toBeUndefined();
        },
      ),
      { numRuns: 400 },
    );
  });

  it('reports the line where each entry starts', () => {
    const text =
      '{\n  "resourceType": "Bundle",\n  "entry": [\n    {"a": 1},\n\n    {\n      "b": "x\\ny"\n    }\n  ]\n}\n';
    const { entries } = scan(text);
    expect(entries.map((e) => [e.index, e.line])).toEqual([
      [0, 4],
      [1, 6],
    ]);
  });

  it('keeps an escaped quote and backslash split across chunks inside the entry', () => {
    const text = '{"entry":[{"s":"a\\"b\\\\"},{"t":1}]}';
    for (let cut = 0; cut <= text.length; cut++) {
      const { entries } = scan(text, [cut]);
      expect(entries.map((e) => JSON.parse(e.text) as unknown)).toEqual([{ s: 'a"b\\' }, { t: 1 }]);
    }
  });

  it('reports a cut inside an entry with the partial text and the entry it broke in', () => {
    const whole =
      '{"resourceType":"Bundle",\n"entry":[\n{"resource":{"id":"1"}},\n{"resource":{"id":"2", "x": "ab';
    const { entries, scanner } = scan(whole, [10, 40]);
    expect(entries).toHaveLength(1);
    expect(scanner.finish()).toMatchObject({
      truncated: 'inEntry',
      entries: 1,
      truncatedAtLine: 4,
      partialText: '{"resource":{"id":"2", "x": "ab',
    });
  });

  it('reports a cut between entries', () => {
    const { entries, scanner } = scan('{"resourceType":"Bundle","entry":[{"a":1},');
    expect(entries).toHaveLength(1);
    expect(scanner.finish()).toMatchObject({ truncated: 'betweenEntries', entries: 1 });
  });

  it('sees a single resource as having no entry array', () => {
    const { entries, scanner } = scan('{"resourceType":"Patient","id":"p","entry":"not an array"}');
    expect(entries).toEqual([]);
    expect(scanner.finish()).toMatchObject({ resourceType: 'Patient', hasEntryArray: false });
  });
});
