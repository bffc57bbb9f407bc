import type { DuckDBConnection } from '@duckdb/node-api';
import {
  controlCount,
  controlDistribution,
  defaultDisclosurePolicy,
  type DisclosurePolicy,
} from '@polder/privacy';
import {
  ageBands,
  omopDomainTables,
  omopVocabularies,
  sexCategories,
  type AgeBand,
  type CodingSystemUsage,
  type ConceptFrequency,
  type DatasetStatistics,
  type DomainStatistics,
  type OmopDomainTable,
  type SexCategory,
} from '@polder/protocol';
import type { StationStore } from './station-store.ts';

/** Options of {@linkcode computeDatasetStatistics}. */
export interface DatasetStatisticsOptions {
  /** The station's disclosure policy (from `resolveDisclosurePolicy`). @default defaultDisclosurePolicy */
  readonly policy?: DisclosurePolicy;
  /** Most frequent standard concepts listed per table. @default 20 */
  readonly topConcepts?: number;
  /** Schema of the OMOP CDM tables. @default 'cdm' */
  readonly cdmSchema?: string;
  /** When the statistics are computed (and ages are taken for persons without an observation period). @default now */
  readonly now?: Date;
}

/** The concept column of each table (its standard concept) and its source concept column. */
const conceptColumns: Readonly<Record<OmopDomainTable, { concept?: string; source?: string }>> = {
  visit_occurrence: { concept: 'visit_concept_id', source: 'visit_source_concept_id' },
  visit_detail: { concept: 'visit_detail_concept_id', source: 'visit_detail_source_concept_id' },
  condition_occurrence: { concept: 'condition_concept_id', source: 'condition_source_concept_id' },
  drug_exposure: { concept: 'drug_concept_id', source: 'drug_source_concept_id' },
  procedure_occurrence: { concept: 'procedure_concept_id', source: 'procedure_source_concept_id' },
  measurement: { concept: 'measurement_concept_id', source: 'measurement_source_concept_id' },
  observation: { concept: 'observation_concept_id', source: 'observation_source_concept_id' },
  device_exposure: { concept: 'device_concept_id', source: 'device_source_concept_id' },
  specimen: { concept: 'specimen_concept_id' },
  note: {},
  death: { concept: 'cause_concept_id', source: 'cause_source_concept_id' },
};

/** OMOP gender concepts → the description's sex categories (anything else, 0 included, is unknown). */
const sexOfGender: ReadonlyMap<number, SexCategory> = new Map([
  [8532, 'female'],
  [8507, 'male'],
  [8521, 'other'],
  [8570, 'other'],
]);

const n = (value: unknown): number => (typeof value === 'bigint' ? Number(value) : Number(value ?? 0));

/**
 * Computes the statistical part of the station's dataset description from its OMOP data, with aggregate
 * SQL only; every count passes the station's disclosure control (@polder/privacy) before it is returned,
 * so nothing in the result is a count of 1..minCount-1, and distributions carry secondary suppression.
 * The typical age range is given only when at least 10 × minCount persons are there (so that at least
 * minCount persons lie beyond either end), in 5-year bands; time coverage is given in months, from the
 * first to the last month in which at least minCount persons had a visit.
 */
export async function computeDatasetStatistics(
  store: Pick<StationStore, 'connection'>,
  options: DatasetStatisticsOptions = {},
): Promise<DatasetStatistics> {
  const policy = options.policy ?? defaultDisclosurePolicy;
  const schema = options.cdmSchema ?? 'cdm';
  if (!/^[a-z_][a-z0-9_]*$/i.test(schema))
    throw new RangeError(`Cannot compute statistics: bad schema name '${schema}'`);
  const now = options.now ?? new Date();
  const c = store.connection;
  const rows = async (sql: string, params?: Record<string, string | number>) =>
    (await c.runAndReadAll(sql, params)).getRows();

  const totalPersons = n((await rows(`SELECT count(*) FROM ${schema}.person`))[0]?.[0]);
  const persons = controlCount(totalPersons, policy).value;

  const sexCounts = new Map<SexCategory, number>(sexCategories.map((s) => [s, 0]));
  for (const [gender, count] of await rows(
    `SELECT gender_concept_id, count(*) FROM ${schema}.person GROUP BY gender_concept_id`,
  )) {
    const sex = sexOfGender.get(n(gender)) ?? 'unknown';
    sexCounts.set(sex, (sexCounts.get(sex) ?? 0) + n(count));
  }
  const sex = controlDistribution(
    sexCategories.map((key) => ({ key, count: sexCounts.get(key) ?? 0 })),
    policy,
  ).cells.map((cell) => ({ key: cell.key, persons: cell.value }));

  // Age at the end of each person's last observation period (at `now` for persons without one).
  const ageSql = `WITH ages AS (
      SELECT greatest(0, year(coalesce(op.last_end, CAST($today AS DATE))) - p.year_of_birth) AS age
      FROM ${schema}.person p
      LEFT JOIN (SELECT person_id, max(observation_period_end_date) AS last_end
                 FROM ${schema}.observation_period GROUP BY person_id) op USING (person_id)
      WHERE p.year_of_birth IS NOT NULL)`;
  const today = now.toISOString().slice(0, 10);
  const bandCounts = new Map<AgeBand, number>(ageBands.map((b) => [b, 0]));
  for (const [band, count] of await rows(
    `${ageSql} SELECT least(CAST(floor(age / 10) AS INTEGER), 9) AS band, count(*) FROM ages GROUP BY band`,
    { today },
  )) {
    const key = ageBands[n(band)];
    if (key !== undefined) bandCounts.set(key, n(count));
  }
  const age = controlDistribution(
    ageBands.map((key) => ({ key, count: bandCounts.get(key) ?? 0 })),
    policy,
  ).cells.map((cell) => ({ key: cell.key, persons: cell.value }));

  let typicalAge: DatasetStatistics['typicalAge'];
  const [withAge, p10, p90] = (
    await rows(`${ageSql} SELECT count(*), quantile_disc(age, 0.1), quantile_disc(age, 0.9) FROM ages`, {
      today,
    })
  )[0] ?? [0, null, null];
  if (n(withAge) >= Math.max(10 * policy.minCount, policy.minSummaryRecords) && p10 != null && p90 != null) {
    typicalAge = { min: Math.floor(n(p10) / 5) * 5, max: Math.floor(n(p90) / 5) * 5 + 4 };
  }

  const timeCoverage = await readTimeCoverage(c, schema, policy);

  const tables = new Set(
    (
      await rows(`SELECT table_name FROM information_schema.tables WHERE table_schema = $schema`, { schema })
    ).map(([t]) => String(t).toLowerCase()),
  );
  const present = omopDomainTables.filter((t) => tables.has(t));
  const recordCounts: { key: OmopDomainTable; count: number }[] = [];
  const personCounts = new Map<OmopDomainTable, number>();
  for (const table of present) {
    const [records, people] = (
      await rows(`SELECT count(*), count(DISTINCT person_id) FROM ${schema}.${table}`)
    )[0] ?? [0, 0];
    recordCounts.push({ key: table, count: n(records) });
    personCounts.set(table, n(people));
  }
  const recordDistribution = controlDistribution(recordCounts, policy);
  const limit = Math.max(0, Math.min(50, Math.trunc(options.topConcepts ?? 20)));
  const domains: DomainStatistics[] = [];
  for (const cell of recordDistribution.cells) {
    const column = conceptColumns[cell.key].concept;
    domains.push({
      table: cell.key,
      records: cell.value,
      persons: controlCount(personCounts.get(cell.key) ?? 0, policy).value,
      topConcepts:
        column === undefined || limit === 0
          ? []
          : await readTopConcepts(c, schema, cell.key, column, limit, policy),
    });
  }

  return {
    computedAt: now.toISOString(),
    cdmVersion: '5.4',
    disclosureControl: { minCount: policy.minCount, roundTo: policy.roundTo },
    persons,
    records: recordDistribution.total,
    ...(typicalAge === undefined ? {} : { typicalAge }),
    sex,
    age,
    ...(timeCoverage === undefined ? {} : { timeCoverage }),
    codingSystems: await readCodingSystems(c, schema, present, policy),
    domains,
    ...(await readDataQuality(c)),
  };
}

async function readTopConcepts(
  c: DuckDBConnection,
  schema: string,
  table: OmopDomainTable,
  column: string,
  limit: number,
  policy: DisclosurePolicy,
): Promise<ConceptFrequency[]> {
  // Only concepts held by at least minCount persons are candidates; the limit applies after that.
  const result = await c.runAndReadAll(
    `SELECT t.${column}, count(DISTINCT t.person_id) AS persons, count(*) AS records,
            c.concept_name, c.vocabulary_id, c.concept_code
     FROM ${schema}.${table} t JOIN ${schema}.concept c ON c.concept_id = t.${column}
     WHERE t.${column} <> 0
     GROUP BY t.${column}, c.concept_name, c.vocabulary_id, c.concept_code
     HAVING count(DISTINCT t.person_id) >= $minCount
     ORDER BY persons DESC, t.${column}
     LIMIT $limit`,
    { minCount: policy.minCount, limit },
  );
  const concepts: ConceptFrequency[] = [];
  for (const [conceptId, people, records, name, vocabularyId, code] of result.getRows()) {
    const controlledPersons = controlCount(n(people), policy).value;
    if (controlledPersons === null || controlledPersons === 0) continue;
    concepts.push({
      conceptId: n(conceptId),
      name: String(name).slice(0, 255) || String(conceptId),
      vocabularyId: String(vocabularyId).slice(0, 40) || 'None',
      code: String(code).slice(0, 80) || String(conceptId),
      persons: controlledPersons,
      records: controlCount(n(records), policy).value,
    });
  }
  return concepts;
}

async function readCodingSystems(
  c: DuckDBConnection,
  schema: string,
  tables: readonly OmopDomainTable[],
  policy: DisclosurePolicy,
): Promise<CodingSystemUsage[]> {
  // A record counts once per vocabulary it uses (its standard concept's and its source concept's).
  const counts = new Map<string, number>();
  for (const table of tables) {
    const { concept, source } = conceptColumns[table];
    if (concept === undefined) continue;
    const result = await c.runAndReadAll(
      `SELECT cs.vocabulary_id, ${source === undefined ? 'NULL' : 'src.vocabulary_id'}, count(*)
       FROM ${schema}.${table} t
       LEFT JOIN ${schema}.concept cs ON cs.concept_id = t.${concept} AND t.${concept} <> 0
       ${source === undefined ? '' : `LEFT JOIN ${schema}.concept src ON src.concept_id = t.${source} AND t.${source} <> 0`}
       GROUP BY ALL`,
    );
    for (const [standard, sourceVocabulary, count] of result.getRows()) {
      const used = new Set([standard, sourceVocabulary].filter((v) => v != null).map(String));
      for (const v of used) counts.set(v, (counts.get(v) ?? 0) + n(count));
    }
  }
  const systems: CodingSystemUsage[] = [];
  for (const [vocabulary, count] of [...counts].sort(([a], [b]) => a.localeCompare(b))) {
    const records = controlCount(count, policy).value;
    // A coding system used by fewer than minCount records is left out: its presence alone says too much.
    if (records === null || records === 0) continue;
    const vocabularyId = String(vocabulary).slice(0, 40);
    const uri = Object.hasOwn(omopVocabularies, vocabularyId)
      ? omopVocabularies[vocabularyId]?.uri
      : undefined;
    systems.push({ vocabularyId, ...(uri === undefined ? {} : { uri }), records });
  }
  return systems;
}

async function readTimeCoverage(
  c: DuckDBConnection,
  schema: string,
  policy: DisclosurePolicy,
): Promise<DatasetStatistics['timeCoverage']> {
  const months = async (sql: string) => {
    const row = (await c.runAndReadAll(sql, { minCount: policy.minCount })).getRows()[0];
    return row?.[0] == null || row[1] == null ? undefined : { start: String(row[0]), end: String(row[1]) };
  };
  const fromVisits = await months(
    `SELECT min(m), max(m) FROM (
       SELECT strftime(date_trunc('month', visit_start_date), '%Y-%m') AS m
       FROM ${schema}.visit_occurrence WHERE visit_start_date IS NOT NULL
       GROUP BY m HAVING count(DISTINCT person_id) >= $minCount)`,
  );
  if (fromVisits !== undefined) return fromVisits;
  return months(
    `SELECT (SELECT min(m) FROM (SELECT strftime(date_trunc('month', observation_period_start_date), '%Y-%m') AS m
                                 FROM ${schema}.observation_period GROUP BY m HAVING count(DISTINCT person_id) >= $minCount)),
            (SELECT max(m) FROM (SELECT strftime(date_trunc('month', observation_period_end_date), '%Y-%m') AS m
                                 FROM ${schema}.observation_period GROUP BY m HAVING count(DISTINCT person_id) >= $minCount))`,
  );
}

async function readDataQuality(c: DuckDBConnection): Promise<Pick<DatasetStatistics, 'dataQuality'>> {
  const exists = await c.runAndReadAll(
    `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'polder' AND table_name = 'dq_run'`,
  );
  if (n(exists.getRows()[0]?.[0]) === 0) return {};
  const last = (
    await c.runAndReadAll(
      `SELECT score, strftime(finished_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') FROM polder.dq_run ORDER BY finished_at DESC LIMIT 1`,
    )
  ).getRows()[0];
  if (last === undefined || last[1] == null) return {};
  const score = last[0] == null ? null : Math.round(Number(last[0]) * 100) / 100;
  return { dataQuality: { score, runAt: String(last[1]) } };
}
