import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CohortDefinition } from './cohort-definition.ts';
import { CohortDefinitionError, compileCohort } from './cohort-compiler.ts';
import { openGiBleed, type GiBleedDatabase } from './_test-gibleed.ts';

// Concepts of Eunomia GiBleed.
const giBleed = 192671; // Gastrointestinal hemorrhage
const sinusitis = 4283893; // Sinusitis: ancestor of viral, acute bacterial and chronic sinusitis in the data
const viralSinusitis = 40481087;
const celecoxib = 1118084;

let db: GiBleedDatabase;
beforeAll(async () => {
  db = await openGiBleed();
}, 60_000);
afterAll(() => db.close());

/** Runs a compiled cohort the way a station does: CREATE TEMP TABLE … AS <sql> with the params bound. */
async function runCohort(definition: CohortDefinition, table = 'cohort_under_test') {
  const compiled = compileCohort(definition);
  await db.connection.run(`CREATE OR REPLACE TEMP TABLE ${table} AS ${compiled.sql}`, [...compiled.params]);
  const names = compiled.columns.map((c) => c.name);
  const rows = await db.rows(`SELECT * FROM ${table} ORDER BY person_id`);
  return {
    compiled,
    rows: rows.map((row) => Object.fromEntries(names.map((name, i) => [name, row[i]]))),
  };
}

async function personIds(sql: string, params?: readonly number[]): Promise<number[]> {
  return (await db.rows(sql, params)).map((row) => Number(row[0])).sort((a, b) => a - b);
}

const days = (a: unknown, b: unknown) =>
  Math.round(((a as Date).getTime() - (b as Date).getTime()) / 86_400_000);

/** Persons with a condition of the given concepts that starts inside one of their observation periods. */
const conditionPersonsSql = (concepts: string) => `
  SELECT DISTINCT co.person_id FROM cdm.condition_occurrence co
  JOIN cdm.observation_period op ON op.person_id = co.person_id
   AND co.condition_start_date BETWEEN op.observation_period_start_date AND op.observation_period_end_date
  WHERE co.condition_concept_id IN (${concepts})`;

describe('compileCohort() on Eunomia GiBleed', () => {
  it('expands descendants through concept_ancestor', async () => {
    const cohort = (concept: number, descendants: boolean) =>
      runCohort({
        name: 'condition',
        conceptSets: { c: [{ concept, descendants }] },
        entry: { condition: { conceptSet: 'c' } },
      });
    const descendantsSql = (ancestor: number) =>
      conditionPersonsSql(
        `SELECT descendant_concept_id FROM cdm.concept_ancestor WHERE ancestor_concept_id = ${ancestor}`,
      );

    const bleedWith = (await cohort(giBleed, true)).rows.map((r) => r['person_id']);
    const bleedWithout = (await cohort(giBleed, false)).rows.map((r) => r['person_id']);
    expect(bleedWith).toEqual(await personIds(descendantsSql(giBleed)));
    expect(bleedWithout).toEqual(await personIds(conditionPersonsSql(String(giBleed))));
    expect(bleedWith.length).toBeGreaterThan(400);

    // GI bleed has no descendants recorded in GiBleed; sinusitis does, so there the two must differ.
    const sinusWith = (await cohort(sinusitis, true)).rows.map((r) => r['person_id']);
    const sinusWithout = (await cohort(sinusitis, false)).rows.map((r) => r['person_id']);
    expect(sinusWith).toEqual(await personIds(descendantsSql(sinusitis)));
    expect(sinusWithout).toEqual(await personIds(conditionPersonsSql(String(sinusitis))));
    expect(sinusWith.length).toBeGreaterThan(sinusWithout.length + 1000);
  });

  it('removes excluded concepts from a concept set', async () => {
    const { rows } = await runCohort({
      name: 'sinusitis but not viral',
      conceptSets: {
        s: [
          { concept: sinusitis, descendants: true },
          { concept: viralSinusitis, exclude: true },
        ],
      },
      entry: { condition: { conceptSet: 's' } },
    });
    const expected = await personIds(
      conditionPersonsSql(
        `SELECT descendant_concept_id FROM cdm.concept_ancestor WHERE ancestor_concept_id = ${sinusitis}
         AND descendant_concept_id <> ${viralSinusitis}`,
      ),
    );
    expect(rows.map((r) => r['person_id'])).toEqual(expected);
    expect(expected.length).toBeGreaterThan(0);
  });

  it('excludes persons outside the window', async () => {
    // First GI bleed, kept only when celecoxib was started in the 30 days up to the bleed.
    const definition: CohortDefinition = {
      name: 'bleed after celecoxib',
      conceptSets: { bleed: [{ concept: giBleed }], nsaid: [{ concept: celecoxib }] },
      entry: { condition: { conceptSet: 'bleed' }, first: true },
      inclusion: [
        { name: 'celecoxib before', drug: { conceptSet: 'nsaid' }, window: { fromDays: -30, toDays: 0 } },
      ],
    };
    const firstBleeds = `
      SELECT person_id, min(condition_start_date) AS index_date FROM (${conditionPersonsSql(
        String(giBleed),
      ).replace(
        'SELECT DISTINCT co.person_id',
        'SELECT co.person_id, co.condition_start_date',
      )}) GROUP BY person_id`;
    const expected = await personIds(`
      SELECT b.person_id FROM (${firstBleeds}) b WHERE EXISTS (
        SELECT 1 FROM cdm.drug_exposure d WHERE d.person_id = b.person_id AND d.drug_concept_id = ${celecoxib}
        AND d.drug_exposure_start_date BETWEEN b.index_date - 30 AND b.index_date)`);
    const { rows } = await runCohort(definition);
    expect(rows.map((r) => r['person_id'])).toEqual(expected);
    const all = await personIds(firstBleeds);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(all.length);

    const negated = await runCohort({
      ...definition,
      inclusion: [
        {
          name: 'no celecoxib before',
          drug: { conceptSet: 'nsaid' },
          window: { fromDays: -30, toDays: 0 },
          negate: true,
        },
      ],
    });
    const outside = negated.rows.map((r) => Number(r['person_id']));
    expect(outside.length + expected.length).toBe(all.length);
    expect(outside.filter((id) => expected.includes(id))).toEqual([]);
  });

  it('keeps the earliest entry that passes the rules when first is not set', async () => {
    const rules = {
      name: 'bleed after celecoxib',
      conceptSets: { bleed: [{ concept: giBleed }], nsaid: [{ concept: celecoxib }] },
      inclusion: [
        { name: 'celecoxib before', drug: { conceptSet: 'nsaid' }, window: { fromDays: -30, toDays: 0 } },
      ],
    };
    const firstOnly = await runCohort({
      ...rules,
      entry: { condition: { conceptSet: 'bleed' }, first: true },
    });
    const any = await runCohort({ ...rules, entry: { condition: { conceptSet: 'bleed' } } });
    const expected = await db.rows(`
      SELECT co.person_id, min(co.condition_start_date) FROM cdm.condition_occurrence co
      JOIN cdm.observation_period op ON op.person_id = co.person_id
       AND co.condition_start_date BETWEEN op.observation_period_start_date AND op.observation_period_end_date
      WHERE co.condition_concept_id = ${giBleed} AND EXISTS (
        SELECT 1 FROM cdm.drug_exposure d WHERE d.person_id = co.person_id AND d.drug_concept_id = ${celecoxib}
        AND d.drug_exposure_start_date BETWEEN co.condition_start_date - 30 AND co.condition_start_date)
      GROUP BY co.person_id ORDER BY co.person_id`);
    expect(any.rows.map((r) => [r['person_id'], r['index_date']])).toEqual(expected);
    expect(any.rows.length).toBeGreaterThanOrEqual(firstOnly.rows.length);
  });

  it('requires the observation window around the index date', async () => {
    const { rows } = await runCohort({
      name: 'bleed with a year of history',
      conceptSets: { bleed: [{ concept: giBleed }] },
      entry: {
        condition: { conceptSet: 'bleed' },
        first: true,
        observationWindow: { priorDays: 365, postDays: 30 },
      },
    });
    const expected = await db.rows(`
      SELECT person_id, index_date FROM (
        SELECT co.person_id, co.condition_start_date AS index_date,
               row_number() OVER (PARTITION BY co.person_id ORDER BY co.condition_start_date) AS n
        FROM cdm.condition_occurrence co JOIN cdm.observation_period op ON op.person_id = co.person_id
        WHERE co.condition_concept_id = ${giBleed}
          AND co.condition_start_date - op.observation_period_start_date >= 365
          AND op.observation_period_end_date - co.condition_start_date >= 30)
      WHERE n = 1 ORDER BY person_id`);
    expect(rows.map((r) => [r['person_id'], r['index_date']])).toEqual(expected);
  });

  it('applies the age and sex rules at the index date', async () => {
    const { rows } = await runCohort({
      name: 'women of 40 to 44 with a GI bleed',
      conceptSets: { bleed: [{ concept: giBleed }] },
      entry: { condition: { conceptSet: 'bleed' }, first: true },
      inclusion: [
        { name: 'age', age: { min: 40, max: 44 } },
        { name: 'female', sex: 'female' },
      ],
      variables: { age: { age: 'index' }, sex: { sex: 'label' }, gender: { sex: 'concept' } },
    });
    const expected = await personIds(`
      SELECT b.person_id FROM (${conditionPersonsSql(String(giBleed)).replace(
        'SELECT DISTINCT co.person_id',
        'SELECT co.person_id, min(co.condition_start_date) AS index_date',
      )} GROUP BY co.person_id) b JOIN cdm.person p USING (person_id)
      WHERE year(b.index_date) - p.year_of_birth BETWEEN 40 AND 44 AND p.gender_concept_id = 8532`);
    expect(rows.map((r) => r['person_id'])).toEqual(expected);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row['age']).toBeGreaterThanOrEqual(40);
      expect(row['age']).toBeLessThanOrEqual(44);
      expect(row['sex']).toBe('female');
      expect(row['gender']).toBe(8532);
    }
  });

  it('censors daysToEvent at censorAtDays or the end of observation, whichever comes first', async () => {
    const { rows } = await runCohort({
      name: 'celecoxib users',
      conceptSets: { nsaid: [{ concept: celecoxib }], bleed: [{ concept: giBleed }] },
      entry: { drug: { conceptSet: 'nsaid' }, first: true },
      variables: { bleed: { condition: { conceptSet: 'bleed' }, value: 'daysToEvent', censorAtDays: 365 } },
    });
    const expected = await db.rows(`
      WITH entry AS (
        SELECT d.person_id, min(d.drug_exposure_start_date) AS index_date FROM cdm.drug_exposure d
        JOIN cdm.observation_period op ON op.person_id = d.person_id
         AND d.drug_exposure_start_date BETWEEN op.observation_period_start_date AND op.observation_period_end_date
        WHERE d.drug_concept_id = ${celecoxib} GROUP BY d.person_id),
      follow AS (
        SELECT e.person_id, e.index_date, least(e.index_date + 365, op.observation_period_end_date) AS censor
        FROM entry e JOIN cdm.observation_period op ON op.person_id = e.person_id
         AND e.index_date BETWEEN op.observation_period_start_date AND op.observation_period_end_date),
      events AS (
        SELECT f.person_id, min(co.condition_start_date) AS event_date FROM follow f
        JOIN cdm.condition_occurrence co ON co.person_id = f.person_id AND co.condition_concept_id = ${giBleed}
         AND co.condition_start_date > f.index_date GROUP BY f.person_id)
      SELECT f.person_id,
             CASE WHEN ev.event_date <= f.censor THEN ev.event_date - f.index_date ELSE f.censor - f.index_date END,
             CASE WHEN ev.event_date <= f.censor THEN 1 ELSE 0 END
      FROM follow f LEFT JOIN events ev USING (person_id) ORDER BY f.person_id`);
    expect(rows.map((r) => [r['person_id'], r['bleed'], r['bleed_event']])).toEqual(expected);

    const events = rows.filter((r) => r['bleed_event'] === 1);
    const censoredEarly = rows.filter((r) => r['bleed_event'] === 0 && Number(r['bleed']) < 365);
    expect(events.length).toBeGreaterThan(0);
    expect(censoredEarly.length).toBeGreaterThan(0); // observation ended before 365 days
    for (const row of rows) {
      expect(row['bleed']).toBeGreaterThanOrEqual(0);
      expect(row['bleed']).toBeLessThanOrEqual(365);
      expect(row['bleed']).toBeLessThanOrEqual(days(row['end_date'], row['index_date']));
    }
  });

  it('computes exists, count and measurement values in their windows', async () => {
    // GiBleed has no measurement values; three known heart rates for the first two cohort members are added
    // under a concept the data does not use, so that nothing else in this file sees them.
    const heartRate = 3027018;
    const base = await runCohort({
      name: 'bleed',
      conceptSets: { bleed: [{ concept: giBleed }] },
      entry: { condition: { conceptSet: 'bleed' }, first: true },
    });
    const [a, b] = base.rows;
    if (a === undefined || b === undefined)
      throw new Error('Cannot test: the cohort has fewer than 2 persons');
    const next = Number((await db.rows('SELECT max(measurement_id) FROM cdm.measurement'))[0]?.[0]) + 1;
    const insert = `INSERT INTO cdm.measurement (measurement_id, person_id, measurement_concept_id, measurement_date,
      measurement_type_concept_id, value_as_number) VALUES ($1, $2, ${heartRate}, CAST($3 AS DATE) + CAST($4 AS INTEGER), 32817, $5)`;
    const add = (id: number, person: unknown, date: unknown, offset: number, value: number | null) =>
      db.connection.run(insert, [
        id,
        Number(person),
        (date as Date).toISOString().slice(0, 10),
        offset,
        value,
      ]);
    await add(next, a['person_id'], a['index_date'], -2, 70);
    await add(next + 1, a['person_id'], a['index_date'], -1, 90);
    await add(next + 2, a['person_id'], a['index_date'], 5, 200); // after the window
    await add(next + 3, b['person_id'], b['index_date'], -40, 60); // before the window

    const inWindow = { fromDays: -7, toDays: 0 };
    const { rows } = await runCohort({
      name: 'bleed',
      conceptSets: { bleed: [{ concept: giBleed }], sinus: [{ concept: sinusitis, descendants: true }] },
      entry: { condition: { conceptSet: 'bleed' }, first: true },
      variables: {
        lastHr: { measurement: { concept: heartRate }, window: inWindow, value: 'last' },
        firstHr: { measurement: { concept: heartRate }, window: inWindow, value: 'first' },
        meanHr: { measurement: { concept: heartRate }, window: inWindow, value: 'mean' },
        maxHr: { measurement: { concept: heartRate }, window: inWindow, value: 'max' },
        hrCount: {
          measurement: { concept: heartRate },
          window: { fromDays: -60, toDays: 10 },
          value: 'count',
        },
        sinusBefore: { condition: { conceptSet: 'sinus' }, window: { toDays: -1 }, value: 'exists' },
        sinusCount: { condition: { conceptSet: 'sinus' }, window: { toDays: -1 }, value: 'count' },
      },
    });
    const byId = new Map(rows.map((r) => [r['person_id'], r]));
    expect(byId.get(a['person_id'])).toMatchObject({
      lastHr: 90,
      firstHr: 70,
      meanHr: 80,
      maxHr: 90,
      hrCount: 3,
    });
    expect(byId.get(b['person_id'])).toMatchObject({ lastHr: null, meanHr: null, hrCount: 1 });

    const sinusCounts = await db.rows(`
      WITH cohort AS (SELECT person_id, index_date FROM cohort_under_test)
      SELECT c.person_id, count(co.person_id) FROM cohort c LEFT JOIN cdm.condition_occurrence co
        ON co.person_id = c.person_id AND co.condition_start_date < c.index_date
       AND co.condition_concept_id IN (SELECT descendant_concept_id FROM cdm.concept_ancestor WHERE ancestor_concept_id = ${sinusitis})
      GROUP BY c.person_id ORDER BY c.person_id`);
    expect(rows.map((r) => [r['person_id'], r['sinusCount']])).toEqual(sinusCounts);
    expect(rows.map((r) => r['sinusBefore'])).toEqual(sinusCounts.map((r) => (Number(r[1]) > 0 ? 1 : 0)));
    expect(new Set(rows.map((r) => r['sinusBefore']))).toEqual(new Set([0, 1]));
    await db.connection.run(`DELETE FROM cdm.measurement WHERE measurement_concept_id = ${heartRate}`);
  });

  it('returns the declared columns, typed, one row per person, with end_date by the exit rule', async () => {
    const definition: CohortDefinition = {
      name: 'bleed',
      conceptSets: { bleed: [{ concept: giBleed }] },
      entry: { condition: { conceptSet: 'bleed' } },
      exit: { fixedDays: 30 },
      variables: {
        age: { age: 'index' },
        sex: { sex: 'label' },
        survival: { death: {}, value: 'daysToEvent', censorAtDays: 730 },
        lastTemp: { measurement: { concept: 3006322 }, window: { fromDays: -1, toDays: 0 }, value: 'last' },
      },
    };
    const { compiled, rows } = await runCohort(definition, 'cohort_x');
    expect(compiled.columns).toEqual([
      { name: 'person_id', type: 'integer' },
      { name: 'index_date', type: 'date' },
      { name: 'end_date', type: 'date' },
      { name: 'age', type: 'integer' },
      { name: 'sex', type: 'varchar' },
      { name: 'survival', type: 'integer' },
      { name: 'survival_event', type: 'integer' },
      { name: 'lastTemp', type: 'double' },
    ]);
    const described = await db.rows('DESCRIBE cohort_x');
    const sqlType = {
      integer: 'BIGINT',
      double: 'DOUBLE',
      date: 'DATE',
      varchar: 'VARCHAR',
      boolean: 'BOOLEAN',
    };
    expect(described.map((row) => [row[0], row[1]])).toEqual(
      compiled.columns.map((c) => [c.name, sqlType[c.type]]),
    );
    expect(new Set(rows.map((r) => r['person_id'])).size).toBe(rows.length);
    for (const row of rows) {
      expect(days(row['end_date'], row['index_date'])).toBeLessThanOrEqual(30);
      expect(days(row['end_date'], row['index_date'])).toBeGreaterThanOrEqual(0);
    }
    expect(rows.some((r) => days(r['end_date'], r['index_date']) < 30)).toBe(true); // capped by observation

    const untilObservationEnds = await runCohort({ ...definition, exit: { endOfObservation: true } });
    const observationEnds = await db.rows(`
      SELECT c.person_id, op.observation_period_end_date FROM cohort_x c JOIN cdm.observation_period op
        ON op.person_id = c.person_id AND c.index_date BETWEEN op.observation_period_start_date AND op.observation_period_end_date
      ORDER BY c.person_id`);
    expect(untilObservationEnds.rows.map((r) => [r['person_id'], r['end_date']])).toEqual(observationEnds);
  });

  it('reads the CDM from the schema named in the options', async () => {
    await db.connection.run('CREATE SCHEMA IF NOT EXISTS other_cdm');
    // The persons below 100 only, so that the result shows which schema was read.
    for (const table of ['person', 'observation_period', 'condition_occurrence']) {
      await db.connection.run(
        `CREATE OR REPLACE VIEW other_cdm.${table} AS SELECT * FROM cdm.${table} WHERE person_id < 100`,
      );
    }
    await db.connection.run(
      'CREATE OR REPLACE VIEW other_cdm.concept_ancestor AS SELECT * FROM cdm.concept_ancestor',
    );
    const definition: CohortDefinition = {
      name: 'bleed',
      conceptSets: { bleed: [{ concept: giBleed, descendants: true }] },
      entry: { condition: { conceptSet: 'bleed' } },
    };
    const compiled = compileCohort(definition, { schema: 'other_cdm' });
    expect(compiled.sql).not.toContain('"cdm"');
    const rows = await db.rows(compiled.sql, compiled.params);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => Number(row[0]) < 100)).toBe(true);
    expect(() => compileCohort(definition, { schema: 'cdm; DROP TABLE x' })).toThrow(CohortDefinitionError);
  });

  it('refuses an invalid definition with the problems listed', () => {
    const bad = {
      name: 'bad',
      entry: { condition: { conceptSet: 'missing' } },
    } as CohortDefinition;
    expect(() => compileCohort(bad)).toThrow(/concept set "missing"/);
    try {
      compileCohort(bad);
    } catch (error) {
      expect(error).toBeInstanceOf(CohortDefinitionError);
      expect((error as CohortDefinitionError).errors).toEqual([
        { path: '/entry/condition/conceptSet', message: expect.stringContaining('does not define') },
      ]);
    }
  });
});
