import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCdmSchema } from '../cdm-ddl.ts';
import { occurrenceDomains } from './cohort-definition.ts';
import { compileCohort } from './cohort-compiler.ts';
import { validateCohortDefinition } from './validate-cohort-definition.ts';

let instance: DuckDBInstance;
let connection: DuckDBConnection;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  await createCdmSchema(connection);
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

/** Text an attacker would try, made unique by a random tail so that it cannot occur in the SQL by chance. */
const hostile = fc
  .tuple(
    fc.constantFrom(
      "'; DROP TABLE cdm.person; --",
      '"; DELETE FROM cdm.person; --',
      "x') OR 1=1 --",
      '$1; COPY cdm.person TO',
      'a"b',
      'Robert"); --',
      'name with spaces',
      'UPPERcase',
    ),
    fc.string({ minLength: 1, maxLength: 12 }),
  )
  .map(([attack, tail]) => `${attack}${tail}`);

const day = fc.integer({ min: -400, max: 400 });
const window = fc.oneof(
  fc.record({ fromDays: day, toDays: day }).map(({ fromDays, toDays }) => ({
    fromDays: Math.min(fromDays, toDays),
    toDays: Math.max(fromDays, toDays),
  })),
  fc.record({ toDays: day }),
  fc.constant({ from: 'entry.start' as const, to: 'entry.end' as const }),
);
const domain = fc.constantFrom(...occurrenceDomains);
const selector = fc.oneof(
  fc.constant({ conceptSet: 'set a' }),
  fc.record({ concept: fc.integer({ min: 0, max: 2_000_000_000 }), descendants: fc.boolean() }),
  fc.constant({}),
);
const rule = fc.oneof(
  fc.record({ age: fc.record({ min: fc.integer({ min: 0, max: 60 }) }) }),
  fc.record({ sex: fc.constantFrom(8507 as const, 8532 as const, 'male' as const, 'female' as const) }),
  fc
    .record({
      domain,
      selector,
      window,
      occurrences: fc.record({ min: fc.integer({ min: 1, max: 3 }) }),
      negate: fc.boolean(),
    })
    .map(({ domain, selector, ...rest }) => ({ [domain]: selector, ...rest })),
);
const variable = fc.oneof(
  fc.constant({ age: 'index' as const }),
  fc.constant({ sex: 'label' as const }),
  fc
    .record({ domain, selector, window, value: fc.constantFrom('exists' as const, 'count' as const) })
    .map(({ domain, selector, ...rest }) => ({ [domain]: selector, ...rest })),
  fc
    .record({
      domain: fc.constantFrom('measurement' as const, 'observation' as const),
      selector,
      window,
      value: fc.constantFrom(
        'last' as const,
        'first' as const,
        'mean' as const,
        'min' as const,
        'max' as const,
      ),
    })
    .map(({ domain, selector, ...rest }) => ({ [domain]: selector, ...rest })),
  fc
    .record({ domain, selector, censorAtDays: fc.integer({ min: 1, max: 3650 }) })
    .map(({ domain, selector, censorAtDays }) => ({
      [domain]: selector,
      value: 'daysToEvent' as const,
      censorAtDays,
    })),
);

/** Definitions that follow the language; `names` puts arbitrary text where a person may write names. */
const definition = (names: fc.Arbitrary<string>, variableNames: fc.Arbitrary<string> = names) =>
  fc
    .record({
      name: names,
      setName: names,
      ruleNames: fc.array(names, { maxLength: 3 }),
      rules: fc.array(rule, { maxLength: 3 }),
      variableNames: fc.array(variableNames, { maxLength: 4 }),
      variables: fc.array(variable, { minLength: 4, maxLength: 4 }),
      entryDomain: domain,
      first: fc.boolean(),
      indexAt: fc.constantFrom('start' as const, 'end' as const),
      exit: fc.oneof(
        fc.constant({ endOfObservation: true as const }),
        fc.record({
          fixedDays: fc.integer({ min: 0, max: 400 }),
          from: fc.constantFrom('start' as const, 'end' as const),
        }),
      ),
    })
    .map((d) => {
      const rename = (s: { conceptSet?: string }) =>
        s.conceptSet === undefined ? s : { conceptSet: d.setName };
      const withSet = <T extends object>(o: T): T =>
        Object.fromEntries(
          Object.entries(o).map(([k, v]) => [
            k,
            (occurrenceDomains as readonly string[]).includes(k) ? rename(v) : v,
          ]),
        ) as T;
      return {
        name: d.name,
        conceptSets: {
          [d.setName]: [
            { concept: 192671, descendants: true },
            { concept: 4, exclude: true },
          ],
        },
        entry: { [d.entryDomain]: { conceptSet: d.setName }, first: d.first, indexAt: d.indexAt },
        inclusion: d.rules.map((r, i) => ({ ...withSet(r), name: d.ruleNames[i] ?? `rule ${i}` })),
        exit: d.exit,
        variables: Object.fromEntries(
          d.variableNames.map((n, i) => [n, withSet(d.variables[i] ?? { age: 'index' })]),
        ),
      } as unknown;
    });

const validName = fc.stringMatching(/^[a-z][a-zA-Z0-9_]{0,20}$/);

describe('compileCohort() properties', () => {
  it('never writes text of the definition into the SQL: hostile names fail validation or stay out of it', () => {
    let compiledCount = 0;
    const mostlyValid = fc.oneof({ arbitrary: validName, weight: 6 }, { arbitrary: hostile, weight: 1 });
    fc.assert(
      fc.property(definition(fc.oneof(hostile, validName), mostlyValid), (input) => {
        const checked = validateCohortDefinition(input);
        if (!checked.ok) {
          expect(checked.errors.length).toBeGreaterThan(0);
          return;
        }
        compiledCount++;
        const compiled = compileCohort(checked.definition);
        const texts = [
          checked.definition.name,
          ...Object.keys(checked.definition.conceptSets ?? {}),
          ...(checked.definition.inclusion ?? []).map((r) => r.name),
        ];
        for (const text of texts) if (text.length > 3) expect(compiled.sql).not.toContain(text);
        // Variable names are the one thing that does enter the SQL, as quoted identifiers, after the pattern check.
        for (const name of Object.keys(checked.definition.variables ?? {}))
          expect(name).toMatch(/^[a-z][a-zA-Z0-9_]*$/);
        expect(compiled.params.every((p) => typeof p === 'number' && Number.isFinite(p))).toBe(true);
      }),
      { numRuns: 300 },
    );
    expect(compiledCount).toBeGreaterThan(100); // the property reached the compiler, not only the validator
  });

  it('compiles every valid definition to SQL that runs and returns the declared columns', async () => {
    await fc.assert(
      fc.asyncProperty(definition(validName), async (input) => {
        const checked = validateCohortDefinition(input);
        fc.pre(checked.ok); // random variable names may repeat
        if (!checked.ok) return;
        const compiled = compileCohort(checked.definition);
        await connection.run(`CREATE OR REPLACE TEMP TABLE cohort_p AS ${compiled.sql}`, [
          ...compiled.params,
        ]);
        const described = (await connection.runAndReadAll('DESCRIBE cohort_p')).getRowsJS();
        expect(described.map((row) => row[0])).toEqual(compiled.columns.map((c) => c.name));
      }),
      { numRuns: 40 },
    );
  });
});
