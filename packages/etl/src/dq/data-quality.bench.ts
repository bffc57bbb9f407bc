/**
 * Benchmark of the data-quality run: a synthetic OMOP CDM of N persons (default 100,000) is generated in
 * DuckDB with Eunomia Synthea27Nj's concepts, then runDataQuality() runs over it. Prints JSON lines.
 *
 * Usage: npx tsx packages/etl/src/dq/data-quality.bench.ts [--persons 100000] [--concurrency 4] [--db file]
 */
import os from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { createCdmSchema, importCdmCsv } from '@polder/omop';
import { runDataQuality } from './run-data-quality.ts';

const argument = (name: string, fallback: string): string => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
};

const eunomiaDir = join(
  new URL('../../../../..', import.meta.url).pathname,
  'shared/data/eunomia-synthea27nj/csv',
);

const clinicalTables = [
  'person',
  'visit_occurrence',
  'condition_occurrence',
  'drug_exposure',
  'procedure_occurrence',
  'measurement',
  'observation',
];

/** Generates persons with visits, conditions, drugs, procedures, measurements and observations. */
async function generateCdm(connection: DuckDBConnection, persons: number): Promise<Record<string, number>> {
  await createCdmSchema(connection);
  const imported = await importCdmCsv(connection, eunomiaDir, { tables: ['concept'] });
  if (!imported.ok) throw new Error('Cannot load the Eunomia concepts for the benchmark');
  const pick = (domain: string): string =>
    `(SELECT list(concept_id ORDER BY concept_id) FROM cdm.concept WHERE domain_id = '${domain}' AND standard_concept = 'S')`;
  // Deterministic pseudo-random numbers: hash of (row, salt).
  const r = (salt: number, modulo: number): string => `(hash(i, ${salt}) % ${modulo})`;
  const statements = [
    `INSERT INTO cdm.person (person_id, gender_concept_id, year_of_birth, month_of_birth, day_of_birth, birth_datetime, race_concept_id, ethnicity_concept_id)
      SELECT i, CASE WHEN ${r(1, 2)} = 0 THEN 8507 ELSE 8532 END, 1930 + ${r(2, 80)}, 1 + ${r(3, 12)}, 1 + ${r(4, 28)}, NULL, 0, 0
      FROM range(1, ${persons} + 1) t(i)`,
    `UPDATE cdm.person SET birth_datetime = make_timestamp(year_of_birth, month_of_birth, day_of_birth, 0, 0, 0)`,
    `INSERT INTO cdm.observation_period SELECT person_id, person_id, make_date(2005, 1, 1), make_date(2024, 12, 31), 32817 FROM cdm.person`,
    `INSERT INTO cdm.death (person_id, death_date, death_type_concept_id)
      SELECT person_id, make_date(2023, 1 + person_id % 12, 1), 32817 FROM cdm.person WHERE person_id % 20 = 0`,
    `INSERT INTO cdm.visit_occurrence (visit_occurrence_id, person_id, visit_concept_id, visit_start_date, visit_end_date, visit_type_concept_id)
      SELECT i, 1 + i % ${persons}, 9202, make_date(2005, 1, 1) + CAST(${r(5, 7000)} AS INTEGER), make_date(2005, 1, 1) + CAST(${r(5, 7000)} AS INTEGER) + CAST(${r(6, 3)} AS INTEGER), 32817
      FROM range(1, ${persons} * 20 + 1) t(i)`,
  ];
  const events: [string, string, string, number][] = [
    ['condition_occurrence', 'condition', 'Condition', 10],
    ['drug_exposure', 'drug', 'Drug', 10],
    ['procedure_occurrence', 'procedure', 'Procedure', 10],
    ['measurement', 'measurement', 'Measurement', 50],
    ['observation', 'observation', 'Observation', 20],
  ];
  for (const [table, prefix, domain, perPerson] of events) {
    const start =
      table === 'procedure_occurrence'
        ? 'procedure_date'
        : `${prefix}${table === 'drug_exposure' ? '_exposure' : ''}_start_date`;
    const date = table === 'measurement' || table === 'observation' ? `${prefix}_date` : start;
    const extra: Record<string, [string, string][]> = {
      drug_exposure: [
        ['drug_exposure_end_date', 'v.visit_end_date + 30'],
        ['drug_type_concept_id', '32817'],
        ['days_supply', '30'],
      ],
      condition_occurrence: [['condition_type_concept_id', '32817']],
      procedure_occurrence: [['procedure_type_concept_id', '32817']],
      measurement: [
        ['measurement_type_concept_id', '32817'],
        ['value_as_number', `CAST(${r(8, 2000)} AS DOUBLE) / 10`],
        ['unit_concept_id', `CASE WHEN ${r(9, 10)} = 0 THEN 0 ELSE 8554 END`],
        ['unit_source_value', `'%'`],
        ['measurement_source_value', `CAST(${r(10, 500)} AS VARCHAR)`],
      ],
      observation: [
        ['observation_type_concept_id', '32817'],
        ['value_as_number', `CAST(${r(8, 100)} AS DOUBLE)`],
      ],
    };
    const columns = [
      [`${table === 'drug_exposure' ? 'drug_exposure' : table}_id`, 'i'],
      ['person_id', 'v.person_id'],
      [`${prefix}_concept_id`, `list_extract(c.ids, CAST(1 + ${r(7, 100000)} % len(c.ids) AS INTEGER))`],
      [date, `v.visit_start_date`],
      ['visit_occurrence_id', 'v.visit_occurrence_id'],
      ...(extra[table] ?? []),
    ];
    statements.push(
      `INSERT INTO cdm.${table} (${columns.map(([name]) => name).join(', ')})
        SELECT ${columns.map(([, value]) => value).join(', ')}
        FROM range(1, ${persons} * ${perPerson} + 1) t(i)
        JOIN cdm.visit_occurrence v ON v.visit_occurrence_id = 1 + i % (${persons} * 20), (SELECT ${pick(domain)} AS ids) c`,
    );
  }
  for (const statement of statements) await connection.run(statement);
  return countRows(connection);
}

async function countRows(connection: DuckDBConnection): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of clinicalTables) {
    const rows = (await connection.runAndReadAll(`SELECT count(*) FROM cdm.${table}`)).getRows();
    counts[table] = Number(rows[0]?.[0] ?? 0);
  }
  return counts;
}

const persons = Number(argument('persons', '100000'));
const concurrency = Number(argument('concurrency', '4'));
const instance = await DuckDBInstance.create(argument('db', ':memory:'));
const connection = await instance.connect();
let started = performance.now();
// A --db file generated before is reused as it is.
const existing = await connection.runAndReadAll(
  `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'cdm' AND table_name = 'person'`,
);
const reused = Number(existing.getRows()[0]?.[0] ?? 0) > 0;
const counts = reused ? await countRows(connection) : await generateCdm(connection, persons);
const rows = Object.values(counts).reduce((sum, n) => sum + n, 0);
const generateMs = Math.round(performance.now() - started);
console.log(JSON.stringify({ bench: 'dq.generate', reused, persons, rows, counts, ms: generateMs }));
started = performance.now();
const batches: { batchId: string; checks: number; ms: number }[] = [];
const cpuBefore = process.cpuUsage();
const report = await runDataQuality(connection, { instance, concurrency, onBatch: (b) => batches.push(b) });
const cpu = process.cpuUsage(cpuBefore);
const slowest = batches.sort((a, b) => b.ms - a.ms).slice(0, 8);
console.log(
  JSON.stringify({
    bench: 'dq.run',
    persons,
    rows,
    concurrency,
    checks: report.overview.total,
    passed: report.overview.passed,
    failed: report.overview.failed,
    notApplicable: report.overview.notApplicable,
    errors: report.overview.error,
    queries: batches.length,
    ms: Math.round(performance.now() - started),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    loadAverage: os.loadavg()[0],
    slowest,
  }),
);
