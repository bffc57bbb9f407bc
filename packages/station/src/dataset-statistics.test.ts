import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createCdmSchema } from '@polder/omop';
import { resolveDisclosurePolicy } from '@polder/privacy';
import { DatasetDescription } from '@polder/protocol';
import fc from 'fast-check';
import { Compile } from 'typebox/compile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeDatasetStatistics } from './index.ts';

const concepts = [
  [8507, 'MALE', 'Gender', 'Gender', 'M'],
  [8532, 'FEMALE', 'Gender', 'Gender', 'F'],
  [9201, 'Inpatient Visit', 'Visit', 'Visit', 'IP'],
  [201826, 'Type 2 diabetes mellitus', 'Condition', 'SNOMED', '44054006'],
  [316866, 'Hypertensive disorder', 'Condition', 'SNOMED', '38341003'],
  [45591034, 'Type 2 diabetes mellitus without complication', 'Condition', 'ICD10', 'E11.9'],
  [3004249, 'Systolic blood pressure', 'Measurement', 'LOINC', '8480-6'],
] as const;

/** A random small hospital: persons with sex and birth year, visits, conditions and measurements. */
interface Population {
  readonly persons: readonly {
    gender: number;
    born: number;
    visits: number[];
    conditions: number[];
    measurements: number;
  }[];
}

const populations: fc.Arbitrary<Population> = fc.record({
  persons: fc.array(
    fc.record({
      gender: fc.constantFrom(8507, 8532, 8521, 0),
      born: fc.integer({ min: 1920, max: 2020 }),
      visits: fc.array(fc.integer({ min: 0, max: 23 }), { maxLength: 4 }),
      conditions: fc.array(fc.constantFrom(201826, 316866), { maxLength: 3 }),
      measurements: fc.integer({ min: 0, max: 3 }),
    }),
    { maxLength: 120 },
  ),
});

let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  await createCdmSchema(connection);
  for (const [id, name, domain, vocabulary, code] of concepts) {
    await connection.run(
      `INSERT INTO cdm.concept VALUES ($id, $name, $domain, $vocabulary, 'x', 'S', $code, DATE '1970-01-01', DATE '2099-12-31', NULL)`,
      { id, name, domain, vocabulary, code },
    );
  }
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

async function load(population: Population): Promise<void> {
  for (const table of [
    'person',
    'observation_period',
    'visit_occurrence',
    'condition_occurrence',
    'measurement',
  ]) {
    await connection.run(`DELETE FROM cdm.${table}`);
  }
  let next = 1;
  const values: Record<string, string[]> = { person: [], op: [], visit: [], condition: [], measurement: [] };
  population.persons.forEach((p, i) => {
    const id = i + 1;
    values['person']?.push(`(${id}, ${p.gender}, ${p.born}, 0, 0)`);
    values['op']?.push(`(${id}, ${id}, DATE '2020-01-01', DATE '2024-06-30', 32817)`);
    for (const month of p.visits) {
      const date = `DATE '2020-01-01' + INTERVAL ${month} MONTH`;
      values['visit']?.push(`(${next++}, ${id}, 9201, ${date}, ${date}, 32817)`);
    }
    for (const concept of p.conditions) {
      values['condition']?.push(
        `(${next++}, ${id}, ${concept}, DATE '2021-03-04', 32817, ${concept === 201826 ? 45591034 : 0})`,
      );
    }
    for (let m = 0; m < p.measurements; m++)
      values['measurement']?.push(`(${next++}, ${id}, 3004249, DATE '2021-03-04', 32817)`);
  });
  const insert = async (sql: string, rows: string[] | undefined) => {
    if (rows !== undefined && rows.length > 0) await connection.run(`${sql} VALUES ${rows.join(', ')}`);
  };
  await insert(
    'INSERT INTO cdm.person (person_id, gender_concept_id, year_of_birth, race_concept_id, ethnicity_concept_id)',
    values['person'],
  );
  await insert(
    'INSERT INTO cdm.observation_period (observation_period_id, person_id, observation_period_start_date, observation_period_end_date, period_type_concept_id)',
    values['op'],
  );
  await insert(
    'INSERT INTO cdm.visit_occurrence (visit_occurrence_id, person_id, visit_concept_id, visit_start_date, visit_end_date, visit_type_concept_id)',
    values['visit'],
  );
  await insert(
    'INSERT INTO cdm.condition_occurrence (condition_occurrence_id, person_id, condition_concept_id, condition_start_date, condition_type_concept_id, condition_source_concept_id)',
    values['condition'],
  );
  await insert(
    'INSERT INTO cdm.measurement (measurement_id, person_id, measurement_concept_id, measurement_date, measurement_type_concept_id)',
    values['measurement'],
  );
}

/** Every count in the statistics, with where it sits. */
function countsIn(value: unknown, path = ''): { path: string; value: number | null }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => countsIn(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) =>
    key === 'persons' || key === 'records'
      ? [{ path: `${path}.${key}`, value: v as number | null }, ...countsIn(v, `${path}.${key}`)]
      : countsIn(v, `${path}.${key}`),
  );
}

const checkDescription = Compile(DatasetDescription);
const now = new Date('2026-01-01T00:00:00Z');

describe('computeDatasetStatistics()', () => {
  it('publishes no count between 1 and 7 for random small populations (property)', async () => {
    await fc.assert(
      fc.asyncProperty(populations, async (population) => {
        await load(population);
        const statistics = await computeDatasetStatistics({ connection }, { now });
        expect(checkDescription.Check({ statistics })).toBe(true);
        for (const { path, value } of countsIn(statistics)) {
          if (value === null) continue;
          if ((value >= 1 && value <= 7) || value % 5 !== 0)
            throw new Error(`${path} = ${value} escapes disclosure control`);
        }
        // A suppressed sex cell cannot be recovered from the published person count.
        const trueBySex = new Map<string, number>();
        for (const p of population.persons) {
          const sex =
            p.gender === 8507
              ? 'male'
              : p.gender === 8532
                ? 'female'
                : p.gender === 8521
                  ? 'other'
                  : 'unknown';
          trueBySex.set(sex, (trueBySex.get(sex) ?? 0) + 1);
        }
        const hidden = statistics.sex
          .filter((c) => c.persons === null)
          .reduce((s, c) => s + (trueBySex.get(c.key) ?? 0), 0);
        if (population.persons.length >= 8 && hidden > 0 && hidden < 8)
          throw new Error(`suppressed sex cells hold ${hidden}`);
        // The age range needs enough persons beyond either end.
        if (statistics.typicalAge !== undefined) expect(population.persons.length).toBeGreaterThanOrEqual(80);
      }),
      { numRuns: 40 },
    );
  });

  it('describes a population: counts, age range in 5-year bands, months of coverage, vocabularies, top concepts', async () => {
    const persons = Array.from({ length: 100 }, (_, i) => ({
      gender: i % 2 === 0 ? 8532 : 8507,
      born: 1950 + (i % 50),
      visits: [0, 11],
      conditions: i < 40 ? [201826] : [],
      measurements: 1,
    }));
    await load({ persons });
    const statistics = await computeDatasetStatistics({ connection }, { now });
    expect(statistics.persons).toBe(100);
    expect(statistics.sex).toEqual([
      { key: 'female', persons: 50 },
      { key: 'male', persons: 50 },
      { key: 'other', persons: 0 },
      { key: 'unknown', persons: 0 },
    ]);
    // Ages at 2024-06-30: 25..74; 10th percentile 29 → 25, 90th 69 → 69.
    expect(statistics.typicalAge).toEqual({ min: 25, max: 69 });
    expect(statistics.timeCoverage).toEqual({ start: '2020-01', end: '2020-12' });
    const conditions = statistics.domains.find((d) => d.table === 'condition_occurrence');
    expect(conditions).toMatchObject({ records: 40, persons: 40 });
    expect(conditions?.topConcepts).toEqual([
      {
        conceptId: 201826,
        name: 'Type 2 diabetes mellitus',
        vocabularyId: 'SNOMED',
        code: '44054006',
        persons: 40,
        records: 40,
      },
    ]);
    expect(statistics.codingSystems.map((s) => s.vocabularyId)).toEqual([
      'ICD10',
      'LOINC',
      'SNOMED',
      'Visit',
    ]);
    expect(statistics.codingSystems.find((s) => s.vocabularyId === 'SNOMED')).toEqual({
      vocabularyId: 'SNOMED',
      uri: 'http://snomed.info/sct',
      records: 40,
    });
    expect(statistics.records).toBe(40 + 100 + 200);
  });

  it('applies a stricter station policy', async () => {
    const persons = Array.from({ length: 12 }, () => ({
      gender: 8532,
      born: 1980,
      visits: [],
      conditions: [],
      measurements: 0,
    }));
    await load({ persons });
    const strict = await computeDatasetStatistics(
      { connection },
      { now, policy: resolveDisclosurePolicy({ minCount: 15 }) },
    );
    expect(strict.persons).toBeNull();
    expect(strict.disclosureControl).toEqual({ minCount: 15, roundTo: 5 });
    expect((await computeDatasetStatistics({ connection }, { now })).persons).toBe(10);
  });
});
