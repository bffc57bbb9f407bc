import type { DuckDBConnection } from '@duckdb/node-api';
import { wellKnownConcepts } from '@polder/omop';
import { domainTables } from './_resolve-codes.ts';
import { seqRanges, sqlString } from './_sql.ts';
import { slot } from './_staging.ts';

/**
 * SQL that turns staged events into candidate CDM rows, one kind at a time, after the kinds they refer to
 * have been merged (references resolve through `polder.source_record`, see `resolveReferences`). Events that
 * cannot be placed get a `problem` and go to quarantine instead, with a reason worded from it; the first
 * problem that applies is kept.
 *
 * Dates: the wall-clock date and time as the source wrote them; a UTC offset is dropped rather than
 * applied, so that an event keeps the calendar date it has in the hospital (OMOP datetimes carry no zone).
 * Partial dates (FHIR allows "2020" and "2020-03") are read as the first day of the year or month.
 * "Ends before it starts" is judged on the instants (offsets applied) when both sides have a time, so that an
 * encounter from 01:52-04:00 to 01:07-05:00 (the night daylight saving time ends) loads; on the dates when
 * either side is a date only.
 */
export const typeConceptEhr = wellKnownConcepts.ehr;

/** The macros and temp tables the candidate SQL uses. */
export async function prepareCandidates(connection: DuckDBConnection): Promise<void> {
  await connection.run(`CREATE OR REPLACE TEMP MACRO polder_ts(x) AS TRY_CAST(
    CASE length(x) WHEN 4 THEN x || '-01-01' WHEN 7 THEN x || '-01' ELSE left(x, 19) END AS TIMESTAMP)`);
  await connection.run(`CREATE OR REPLACE TEMP MACRO polder_ends_before(start_at, end_at, s, en) AS CASE
    WHEN length(end_at) <= 10 OR length(start_at) <= 10 THEN CAST(en AS DATE) < CAST(s AS DATE)
    ELSE coalesce(TRY_CAST(end_at AS TIMESTAMPTZ) < TRY_CAST(start_at AS TIMESTAMPTZ), en < s) END`);
  // Quarantined events, with what writing them to polder.quarantine needs, so that staging can be dropped.
  await connection.run(`CREATE OR REPLACE TEMP TABLE qr (seq INTEGER, reason VARCHAR, target_table VARCHAR,
    source_id VARCHAR, resource_type VARCHAR, record_id VARCHAR, file_no INTEGER, line INTEGER, entry INTEGER,
    raw_offset BIGINT, raw_length INTEGER, content_hash BIGINT)`);
  await connection.run('CREATE OR REPLACE TEMP TABLE touched (person_id BIGINT)');
  // Events superseded by a later event with the same source id in this run: only the last one is loaded.
  // A grouping, not a window over all rows: a window would sort a million wide rows to find a few duplicates.
  await connection.run(`CREATE OR REPLACE TEMP TABLE superseded AS
    WITH e AS (
      SELECT source_id, seq FROM polder_work.stg_care_site UNION ALL SELECT source_id, seq FROM polder_work.stg_person
      UNION ALL SELECT source_id, seq FROM polder_work.stg_visit UNION ALL SELECT source_id, seq FROM polder_work.stg_visit_detail
      UNION ALL SELECT source_id, seq FROM polder_work.stg_clinical
    ),
    dups AS (SELECT source_id, max(seq) AS keep FROM e GROUP BY source_id HAVING count(*) > 1)
    SELECT e.seq FROM e JOIN dups ON dups.source_id = e.source_id WHERE e.seq <> dups.keep`);
  // Source ids of records quarantined in this run, to say why a reference to one of them does not resolve.
  await connection.run(`CREATE OR REPLACE TEMP VIEW qr_source AS
    SELECT source_id, min(reason) AS reason FROM (
      SELECT source_id, reason FROM qr
      UNION ALL SELECT record_id, reason FROM polder_work.stg_invalid WHERE record_id IS NOT NULL
    ) GROUP BY source_id`);
}

/**
 * Resolves every staged reference to its CDM table and key as `polder.source_record` stands now; run
 * again after each merge, so that later kinds see the rows just merged.
 */
export async function resolveReferences(connection: DuckDBConnection, source: string): Promise<void> {
  await connection.run(`CREATE OR REPLACE TEMP TABLE res_ref AS
    SELECT r.ref_no, sr.target_table, sr.row_id
    FROM polder_work.stg_ref r JOIN polder.source_record sr ON sr.source = ${sqlString(source)} AND sr.source_id = r.ref`);
}

const current = 'WHERE seq NOT IN (SELECT seq FROM superseded)';
const commonColumns = `e.seq, e.source_id, coalesce(e.record_id, e.source_id) AS record_id, e.resource_type,
  e.content_hash`;

function reference(alias: string, refColumn: string, tables: string): string {
  return `LEFT JOIN res_ref ${alias} ON ${alias}.ref_no = e.${refColumn} AND ${alias}.target_table IN (${tables})`;
}

/** `codeOf` for one range of staging numbers (the join's build side is filtered to it). */
function codeIn(alias: string, slotNo: number, from: number, to: number): string {
  return `LEFT JOIN (SELECT * FROM polder_work.res_slot WHERE slot = ${slotNo} AND seq >= ${from} AND seq < ${to})
    ${alias} ON ${alias}.seq = e.seq`;
}

function codeOf(alias: string, slotNo: number): string {
  return `LEFT JOIN polder_work.res_slot ${alias} ON ${alias}.seq = e.seq AND ${alias}.slot = ${slotNo}`;
}

const birthDate = `coalesce(CAST(per.birth_datetime AS DATE),
  make_date(CAST(per.year_of_birth AS INTEGER), CAST(coalesce(per.month_of_birth, 1) AS INTEGER),
  CAST(coalesce(per.day_of_birth, 1) AS INTEGER)))`;

/** The problem checks of events with a start and an end; the first that applies is kept. */
function eventProblems(refs: readonly (readonly [string, string])[]): string {
  const refChecks = refs.map(([column, alias]) =>
    column === 'person_ref'
      ? `WHEN ${alias}.row_id IS NULL THEN '${column}'`
      : `WHEN e.${column} IS NOT NULL AND ${alias}.row_id IS NULL THEN '${column}'`,
  );
  return `CASE ${refChecks.join(' ')}
      WHEN e.s IS NULL THEN 'start'
      WHEN e.end_at IS NOT NULL AND e.en IS NULL THEN 'end'
      WHEN polder_ends_before(e.start_at, e.end_at, e.s, e.en) THEN 'order'
      WHEN CAST(e.s AS DATE) < ${birthDate} THEN 'birth'
    END AS problem`;
}

const referenceNames: Readonly<Record<string, string>> = {
  person_ref: 'patient',
  visit_ref: 'encounter',
  care_site_ref: 'care site',
};

/**
 * Moves the candidates with a problem to `qr` with a reason a person can act on, and deletes them from the
 * candidate table. The reasons are worded here, on the few failing rows, joined back to their staging rows,
 * so that the million-row queries above only join integers.
 */
async function splitQuarantine(
  connection: DuckDBConnection,
  candidates: string,
  staging: string,
  refColumns: readonly string[],
  targetTable: string,
): Promise<void> {
  const joins = refColumns.map(
    (column) => `LEFT JOIN polder_work.stg_ref r_${column} ON r_${column}.ref_no = e.${column}
      LEFT JOIN qr_source q_${column} ON q_${column}.source_id = r_${column}.ref`,
  );
  const whens = refColumns.map(
    (column) => `WHEN '${column}'
      THEN format('references ${referenceNames[column] ?? column} {}, which is not in the station', r_${column}.ref)
        || coalesce(format(' (it is in quarantine: {})', q_${column}.reason), '')`,
  );
  const eventReasons =
    staging === 'polder_work.stg_person'
      ? ''
      : `WHEN 'start' THEN format('cannot read start date ''{}''', coalesce(e.start_at, ''))
        WHEN 'end' THEN format('cannot read end date ''{}''', e.end_at)
        WHEN 'order' THEN format('ends ({}) before it starts ({})', e.end_at, e.start_at)
        WHEN 'birth' THEN format('starts on {}, before the patient''s birth on {}',
          CAST(polder_ts(e.start_at) AS DATE), ${birthDate})`;
  await connection.run(`INSERT INTO qr
    SELECT c.seq, CASE c.problem ${whens.join(' ')} ${eventReasons} ELSE c.problem END, ${targetTable},
      e.source_id, e.resource_type, coalesce(e.record_id, e.source_id), e.file_no, e.line, e.entry,
      e.raw_offset, e.raw_length, e.content_hash
    FROM ${candidates} c JOIN ${staging} e ON e.seq = c.seq
    LEFT JOIN res_ref pr ON pr.ref_no = ${staging === 'polder_work.stg_person' ? 'NULL' : 'e.person_ref'}
      AND pr.target_table = 'person'
    LEFT JOIN cdm.person per ON per.person_id = pr.row_id
    ${joins.join(' ')}
    WHERE c.problem IS NOT NULL`);
  await connection.run(`DELETE FROM ${candidates} WHERE problem IS NOT NULL`);
}

export const careSiteColumns = [
  'care_site_name',
  'place_of_service_concept_id',
  'care_site_source_value',
  'place_of_service_source_value',
] as const;

export async function buildCareSites(connection: DuckDBConnection): Promise<void> {
  await connection.run(`CREATE OR REPLACE TEMP TABLE cand_care_site AS
    WITH e AS (SELECT * FROM polder_work.stg_care_site ${current})
    SELECT ${commonColumns},
      e.name AS care_site_name, m.concept_id AS place_of_service_concept_id,
      e.source_id AS care_site_source_value, m.code AS place_of_service_source_value
    FROM e ${codeOf('m', slot.main)}`);
}

export const personColumns = [
  'gender_concept_id',
  'year_of_birth',
  'month_of_birth',
  'day_of_birth',
  'birth_datetime',
  'race_concept_id',
  'ethnicity_concept_id',
  'care_site_id',
  'person_source_value',
  'gender_source_value',
  'gender_source_concept_id',
  'race_source_value',
  'race_source_concept_id',
  'ethnicity_source_value',
  'ethnicity_source_concept_id',
] as const;

export async function buildPersons(connection: DuckDBConnection): Promise<void> {
  await connection.run(`CREATE OR REPLACE TEMP TABLE cand_person AS
    WITH e AS (SELECT *, polder_ts(birth_at) AS s, polder_ts(death_at) AS d FROM polder_work.stg_person ${current})
    SELECT ${commonColumns},
      CASE
        WHEN e.birth_at IS NULL THEN 'has no birth date: OMOP person.year_of_birth is required'
        WHEN e.s IS NULL THEN format('cannot read birth date ''{}''', e.birth_at)
        WHEN e.death_at IS NOT NULL AND e.d IS NULL THEN format('cannot read death date ''{}''', e.death_at)
        WHEN CAST(e.d AS DATE) < CAST(e.s AS DATE)
          THEN format('death date {} lies before birth date {}', e.death_at, e.birth_at)
        WHEN e.care_site_ref IS NOT NULL AND cs.row_id IS NULL THEN 'care_site_ref'
      END AS problem,
      coalesce(g.concept_id, 0) AS gender_concept_id, year(e.s) AS year_of_birth, month(e.s) AS month_of_birth,
      day(e.s) AS day_of_birth, e.s AS birth_datetime, coalesce(r.concept_id, 0) AS race_concept_id,
      coalesce(n.concept_id, 0) AS ethnicity_concept_id, cs.row_id AS care_site_id,
      e.source_id AS person_source_value, g.code AS gender_source_value,
      g.source_concept_id AS gender_source_concept_id, r.code AS race_source_value,
      r.source_concept_id AS race_source_concept_id, n.code AS ethnicity_source_value,
      n.source_concept_id AS ethnicity_source_concept_id,
      CAST(e.d AS DATE) AS death_date, e.d AS death_datetime
    FROM e ${codeOf('g', slot.main)} ${codeOf('r', slot.race)} ${codeOf('n', slot.ethnicity)}
    ${reference('cs', 'care_site_ref', "'care_site'")}`);
  await splitQuarantine(connection, 'cand_person', 'polder_work.stg_person', ['care_site_ref'], "'person'");
}

export const visitColumns = [
  'person_id',
  'visit_concept_id',
  'visit_start_date',
  'visit_start_datetime',
  'visit_end_date',
  'visit_end_datetime',
  'visit_type_concept_id',
  'care_site_id',
  'visit_source_value',
  'visit_source_concept_id',
  'discharged_to_concept_id',
  'discharged_to_source_value',
] as const;

export async function buildVisits(connection: DuckDBConnection): Promise<void> {
  // Visits without an end are taken to end when they start (the CDM convention for outpatient and ER visits).
  await connection.run(`CREATE OR REPLACE TEMP TABLE cand_visit AS
    WITH e AS (SELECT *, polder_ts(start_at) AS s, polder_ts(end_at) AS en FROM polder_work.stg_visit ${current})
    SELECT ${commonColumns},
      ${eventProblems([
        ['person_ref', 'p'],
        ['care_site_ref', 'cs'],
      ])},
      p.row_id AS person_id, coalesce(m.concept_id, 0) AS visit_concept_id,
      CAST(e.s AS DATE) AS visit_start_date, e.s AS visit_start_datetime,
      CAST(coalesce(e.en, e.s) AS DATE) AS visit_end_date, coalesce(e.en, e.s) AS visit_end_datetime,
      ${typeConceptEhr} AS visit_type_concept_id, cs.row_id AS care_site_id, m.code AS visit_source_value,
      coalesce(m.source_concept_id, 0) AS visit_source_concept_id, dt.concept_id AS discharged_to_concept_id,
      dt.code AS discharged_to_source_value
    FROM e ${codeOf('m', slot.main)} ${codeOf('dt', slot.dischargeTo)}
    ${reference('p', 'person_ref', "'person'")}
    LEFT JOIN cdm.person per ON per.person_id = p.row_id
    ${reference('cs', 'care_site_ref', "'care_site'")}`);
  await splitQuarantine(
    connection,
    'cand_visit',
    'polder_work.stg_visit',
    ['person_ref', 'care_site_ref'],
    "'visit_occurrence'",
  );
}

export const visitDetailColumns = [
  'person_id',
  'visit_detail_concept_id',
  'visit_detail_start_date',
  'visit_detail_start_datetime',
  'visit_detail_end_date',
  'visit_detail_end_datetime',
  'visit_detail_type_concept_id',
  'care_site_id',
  'visit_detail_source_value',
  'visit_detail_source_concept_id',
  'visit_occurrence_id',
] as const;

export async function buildVisitDetails(connection: DuckDBConnection): Promise<void> {
  await connection.run(`CREATE OR REPLACE TEMP TABLE cand_visit_detail AS
    WITH e AS (SELECT *, polder_ts(start_at) AS s, polder_ts(end_at) AS en FROM polder_work.stg_visit_detail ${current})
    SELECT ${commonColumns},
      ${eventProblems([
        ['person_ref', 'p'],
        ['visit_ref', 'v'],
        ['care_site_ref', 'cs'],
      ])},
      p.row_id AS person_id, coalesce(m.concept_id, 0) AS visit_detail_concept_id,
      CAST(e.s AS DATE) AS visit_detail_start_date, e.s AS visit_detail_start_datetime,
      CAST(coalesce(e.en, e.s) AS DATE) AS visit_detail_end_date, coalesce(e.en, e.s) AS visit_detail_end_datetime,
      ${typeConceptEhr} AS visit_detail_type_concept_id, cs.row_id AS care_site_id,
      m.code AS visit_detail_source_value, coalesce(m.source_concept_id, 0) AS visit_detail_source_concept_id,
      v.row_id AS visit_occurrence_id
    FROM e ${codeOf('m', slot.main)}
    ${reference('p', 'person_ref', "'person'")}
    LEFT JOIN cdm.person per ON per.person_id = p.row_id
    ${reference('v', 'visit_ref', "'visit_occurrence'")}
    ${reference('cs', 'care_site_ref', "'care_site'")}`);
  await splitQuarantine(
    connection,
    'cand_visit_detail',
    'polder_work.stg_visit_detail',
    ['person_ref', 'visit_ref', 'care_site_ref'],
    "'visit_detail'",
  );
}

const hintTables: Readonly<Record<string, string>> = {
  condition: 'condition_occurrence',
  measurement: 'measurement',
  observation: 'observation',
  drug: 'drug_exposure',
  procedure: 'procedure_occurrence',
  device: 'device_exposure',
};

function caseOf(expression: string, map: Readonly<Record<string, string>>, otherwise: string): string {
  const whens = Object.entries(map).map(([k, v]) => `WHEN ${sqlString(k)} THEN ${sqlString(v)}`);
  return `CASE ${expression} ${whens.join(' ')} ELSE ${otherwise} END`;
}

/** FHIR Quantity.comparator → OMOP operator concept (domain Meas Value Operator). */
const operatorConcepts: Readonly<Record<string, number>> = {
  '<': wellKnownConcepts.lessThan,
  '<=': wellKnownConcepts.lessThanOrEqual,
  '=': wellKnownConcepts.equal,
  '>=': wellKnownConcepts.greaterThanOrEqual,
  '>': wellKnownConcepts.greaterThan,
};

/**
 * Builds `clin`: every clinical event resolved (person, visit, concepts, dates, target table by the
 * standard concept's domain, or by the reader's domain hint when the code maps to nothing). A standard
 * concept of a domain without a table of its own here (e.g. 'Spec Anatomic Site') goes to observation,
 * as the CDM conventions say for facts that fit no other table.
 */
export async function buildClinical(connection: DuckDBConnection, chunkSize: number): Promise<void> {
  const operator = `CASE e.value_operator ${Object.entries(operatorConcepts)
    .map(([k, v]) => `WHEN ${sqlString(k)} THEN ${v}`)
    .join(' ')} END`;
  const query = (from: number, to: number): string => `
    WITH e AS (
      SELECT *, polder_ts(start_at) AS s, polder_ts(end_at) AS en FROM polder_work.stg_clinical
      ${current} AND seq >= ${from} AND seq < ${to}
    )
    SELECT ${commonColumns},
      ${eventProblems([
        ['person_ref', 'p'],
        ['visit_ref', 'v'],
      ])},
      CASE WHEN coalesce(m.concept_id, 0) <> 0 AND m.domain_id IS NOT NULL
        THEN ${caseOf('m.domain_id', domainTables, "'observation'")}
        ELSE ${caseOf('e.domain_hint', hintTables, "'observation'")} END AS target_table,
      p.row_id AS person_id,
      CASE WHEN v.target_table = 'visit_detail' THEN vd.visit_occurrence_id ELSE v.row_id END
        AS visit_occurrence_id,
      CASE WHEN v.target_table = 'visit_detail' THEN v.row_id END AS visit_detail_id,
      coalesce(m.concept_id, 0) AS concept_id, coalesce(m.source_concept_id, 0) AS source_concept_id,
      coalesce(m.code, e.concept_text) AS source_value,
      CAST(e.s AS DATE) AS start_date, e.s AS start_datetime, CAST(e.en AS DATE) AS end_date,
      e.en AS end_datetime, ${typeConceptEhr} AS type_concept_id,
      e.value_number, e.value_text, val.concept_id AS value_concept_id,
      coalesce(val.code, e.value_text, CAST(e.value_number AS VARCHAR)) AS value_source_value,
      ${operator} AS operator_concept_id, e.range_low, e.range_high,
      u.concept_id AS unit_concept_id, u.code AS unit_source_value, u.source_concept_id AS unit_source_concept_id,
      e.quantity, CAST(round(e.days_supply) AS INTEGER) AS days_supply,
      r.concept_id AS route_concept_id, r.code AS route_source_value, e.status,
      coalesce(CAST(e.en AS DATE),
        CASE WHEN e.days_supply >= 1 THEN CAST(e.s AS DATE) + CAST(round(e.days_supply) AS INTEGER) - 1 END,
        CAST(e.s AS DATE)) AS drug_end_date
    FROM e ${codeIn('m', slot.main, from, to)} ${codeIn('val', slot.value, from, to)}
      ${codeIn('u', slot.unit, from, to)} ${codeIn('r', slot.route, from, to)}
    ${reference('p', 'person_ref', "'person'")}
    LEFT JOIN cdm.person per ON per.person_id = p.row_id
    ${reference('v', 'visit_ref', "'visit_occurrence', 'visit_detail'")}
    LEFT JOIN cdm.visit_detail vd
      ON vd.visit_detail_id = CASE WHEN v.target_table = 'visit_detail' THEN v.row_id END`;
  await connection.run(`CREATE OR REPLACE TABLE polder_work.clin AS ${query(0, 0)}`);
  for (const [from, to] of await seqRanges(connection, 'polder_work.stg_clinical', chunkSize)) {
    await connection.run(`INSERT INTO polder_work.clin ${query(from, to)}`);
  }
  await splitQuarantine(
    connection,
    'polder_work.clin',
    'polder_work.stg_clinical',
    ['person_ref', 'visit_ref'],
    'c.target_table',
  );
}

/** CDM column → expression over `clin`, per clinical table. */
export const clinicalColumns: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  condition_occurrence: {
    person_id: 'person_id',
    condition_concept_id: 'concept_id',
    condition_start_date: 'start_date',
    condition_start_datetime: 'start_datetime',
    condition_end_date: 'end_date',
    condition_end_datetime: 'end_datetime',
    condition_type_concept_id: 'type_concept_id',
    visit_occurrence_id: 'visit_occurrence_id',
    visit_detail_id: 'visit_detail_id',
    condition_source_value: 'source_value',
    condition_source_concept_id: 'source_concept_id',
    condition_status_source_value: 'status',
  },
  drug_exposure: {
    person_id: 'person_id',
    drug_concept_id: 'concept_id',
    drug_exposure_start_date: 'start_date',
    drug_exposure_start_datetime: 'start_datetime',
    drug_exposure_end_date: 'drug_end_date',
    drug_exposure_end_datetime: 'end_datetime',
    verbatim_end_date: 'end_date',
    drug_type_concept_id: 'type_concept_id',
    quantity: 'quantity',
    days_supply: 'days_supply',
    route_concept_id: 'route_concept_id',
    visit_occurrence_id: 'visit_occurrence_id',
    visit_detail_id: 'visit_detail_id',
    drug_source_value: 'source_value',
    drug_source_concept_id: 'source_concept_id',
    route_source_value: 'route_source_value',
  },
  procedure_occurrence: {
    person_id: 'person_id',
    procedure_concept_id: 'concept_id',
    procedure_date: 'start_date',
    procedure_datetime: 'start_datetime',
    procedure_end_date: 'end_date',
    procedure_end_datetime: 'end_datetime',
    procedure_type_concept_id: 'type_concept_id',
    modifier_concept_id: 'route_concept_id',
    quantity: 'CAST(round(quantity) AS INTEGER)',
    visit_occurrence_id: 'visit_occurrence_id',
    visit_detail_id: 'visit_detail_id',
    procedure_source_value: 'source_value',
    procedure_source_concept_id: 'source_concept_id',
    modifier_source_value: 'route_source_value',
  },
  device_exposure: {
    person_id: 'person_id',
    device_concept_id: 'concept_id',
    device_exposure_start_date: 'start_date',
    device_exposure_start_datetime: 'start_datetime',
    device_exposure_end_date: 'end_date',
    device_exposure_end_datetime: 'end_datetime',
    device_type_concept_id: 'type_concept_id',
    quantity: 'CAST(round(quantity) AS INTEGER)',
    visit_occurrence_id: 'visit_occurrence_id',
    visit_detail_id: 'visit_detail_id',
    device_source_value: 'source_value',
    device_source_concept_id: 'source_concept_id',
    unit_concept_id: 'unit_concept_id',
    unit_source_value: 'unit_source_value',
    unit_source_concept_id: 'unit_source_concept_id',
  },
  measurement: {
    person_id: 'person_id',
    measurement_concept_id: 'concept_id',
    measurement_date: 'start_date',
    measurement_datetime: 'start_datetime',
    measurement_type_concept_id: 'type_concept_id',
    operator_concept_id: 'operator_concept_id',
    value_as_number: 'value_number',
    value_as_concept_id: 'value_concept_id',
    unit_concept_id: 'unit_concept_id',
    range_low: 'range_low',
    range_high: 'range_high',
    visit_occurrence_id: 'visit_occurrence_id',
    visit_detail_id: 'visit_detail_id',
    measurement_source_value: 'source_value',
    measurement_source_concept_id: 'source_concept_id',
    unit_source_value: 'unit_source_value',
    unit_source_concept_id: 'unit_source_concept_id',
    value_source_value: 'value_source_value',
  },
  observation: {
    person_id: 'person_id',
    observation_concept_id: 'concept_id',
    observation_date: 'start_date',
    observation_datetime: 'start_datetime',
    observation_type_concept_id: 'type_concept_id',
    value_as_number: 'value_number',
    value_as_string: 'value_text',
    value_as_concept_id: 'value_concept_id',
    unit_concept_id: 'unit_concept_id',
    visit_occurrence_id: 'visit_occurrence_id',
    visit_detail_id: 'visit_detail_id',
    observation_source_value: 'source_value',
    observation_source_concept_id: 'source_concept_id',
    unit_source_value: 'unit_source_value',
    value_source_value: 'value_source_value',
  },
};

/** Defines `cand_<table>` for one clinical table: a view over `clin` (a copy would cost a million rows). */
export async function buildClinicalTable(
  connection: DuckDBConnection,
  table: string,
): Promise<readonly string[]> {
  const columns = clinicalColumns[table];
  if (columns === undefined) throw new Error(`Cannot load clinical table ${table}: unknown`);
  const select = Object.entries(columns).map(([column, expression]) => `${expression} AS ${column}`);
  await connection.run(`CREATE OR REPLACE TEMP VIEW cand_${table} AS
    SELECT seq, source_id, record_id, resource_type, content_hash, ${select.join(', ')}
    FROM polder_work.clin WHERE target_table = ${sqlString(table)}`);
  return Object.keys(columns);
}
