import type { DuckDBConnection } from '@duckdb/node-api';
import { domainTables } from './_resolve-codes.ts';
import { sqlString } from './_sql.ts';
import { slot } from './_staging.ts';

/**
 * SQL that turns staged events into candidate CDM rows, one kind at a time, after the kinds they refer to
 * have been merged (references resolve through `polder.source_record`). Events that cannot be placed get a
 * `reason` and go to quarantine instead; the first reason that applies is kept.
 *
 * Dates: the wall-clock date and time as the source wrote them; a UTC offset is dropped rather than
 * applied, so that an event keeps the calendar date it has in the hospital (OMOP datetimes carry no zone).
 * Partial dates (FHIR allows "2020" and "2020-03") are read as the first day of the year or month.
 */
export const typeConceptEhr = 32817;

/** The macros and temp tables the candidate SQL uses. */
export async function prepareCandidates(connection: DuckDBConnection): Promise<void> {
  await connection.run(`CREATE OR REPLACE TEMP MACRO polder_ts(x) AS TRY_CAST(
    CASE length(x) WHEN 4 THEN x || '-01-01' WHEN 7 THEN x || '-01' ELSE left(x, 19) END AS TIMESTAMP)`);
  await connection.run('CREATE OR REPLACE TEMP TABLE qr (seq INTEGER, reason VARCHAR, target_table VARCHAR)');
  await connection.run('CREATE OR REPLACE TEMP TABLE touched (person_id BIGINT)');
  // Source ids of records quarantined in this run, to say why a reference to one of them does not resolve.
  await connection.run(`CREATE OR REPLACE TEMP VIEW qr_source AS
    SELECT source_id, min(reason) AS reason FROM (
      SELECT e.source_id, q.reason FROM qr q JOIN (
        SELECT seq, source_id FROM stg_care_site UNION ALL SELECT seq, source_id FROM stg_person
        UNION ALL SELECT seq, source_id FROM stg_visit UNION ALL SELECT seq, source_id FROM stg_visit_detail
      ) e ON e.seq = q.seq
      UNION ALL SELECT record_id, reason FROM stg_invalid WHERE record_id IS NOT NULL
    ) GROUP BY source_id`);
}

const latest = 'QUALIFY row_number() OVER (PARTITION BY source_id ORDER BY seq DESC) = 1';
const commonColumns = `e.seq, e.source_id, coalesce(e.record_id, e.source_id) AS record_id, e.resource_type,
  e.content_hash`;

function dangling(what: string, ref: string, alias: string): string {
  return `format('references ${what} {}, which is not in the station', ${ref})
    || coalesce(format(' (it is in quarantine: {})', ${alias}.reason), '')`;
}

function reference(alias: string, ref: string, source: string, tables: string): string {
  return `LEFT JOIN polder.source_record ${alias} ON ${alias}.source = ${source}
    AND ${alias}.source_id = ${ref} AND ${alias}.target_table IN (${tables})`;
}

function codeOf(alias: string, slotNo: number): string {
  return `LEFT JOIN res_slot ${alias} ON ${alias}.seq = e.seq AND ${alias}.slot = ${slotNo}`;
}

const birthDate = `coalesce(CAST(per.birth_datetime AS DATE),
  make_date(CAST(per.year_of_birth AS INTEGER), CAST(coalesce(per.month_of_birth, 1) AS INTEGER),
  CAST(coalesce(per.day_of_birth, 1) AS INTEGER)))`;

function dateChecks(what: string): string {
  return `WHEN e.s IS NULL THEN format('cannot read ${what} date ''{}''', coalesce(e.start_at, ''))
    WHEN e.end_at IS NOT NULL AND e.en IS NULL THEN format('cannot read end date ''{}''', e.end_at)
    WHEN e.en < e.s THEN format('ends ({}) before it starts ({})', e.end_at, e.start_at)`;
}

const beforeBirth = `WHEN CAST(e.s AS DATE) < ${birthDate}
  THEN format('starts on {}, before the patient''s birth on {}', CAST(e.s AS DATE), ${birthDate})`;

/** Moves candidates with a reason to `qr` and leaves the rest; returns nothing (counts come later). */
async function splitQuarantine(
  connection: DuckDBConnection,
  table: string,
  targetTable: string,
): Promise<void> {
  await connection.run(
    `INSERT INTO qr SELECT seq, reason, ${targetTable} FROM ${table} WHERE reason IS NOT NULL`,
  );
  await connection.run(`DELETE FROM ${table} WHERE reason IS NOT NULL`);
}

export const careSiteColumns = [
  'care_site_name',
  'place_of_service_concept_id',
  'care_site_source_value',
  'place_of_service_source_value',
] as const;

export async function buildCareSites(connection: DuckDBConnection): Promise<void> {
  await connection.run(`CREATE OR REPLACE TEMP TABLE cand_care_site AS
    WITH e AS (SELECT * FROM stg_care_site ${latest})
    SELECT ${commonColumns}, CAST(NULL AS VARCHAR) AS reason,
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

export async function buildPersons(connection: DuckDBConnection, source: string): Promise<void> {
  const src = sqlString(source);
  await connection.run(`CREATE OR REPLACE TEMP TABLE cand_person AS
    WITH e AS (SELECT *, polder_ts(birth_at) AS s, polder_ts(death_at) AS d FROM stg_person ${latest})
    SELECT ${commonColumns},
      CASE
        WHEN e.birth_at IS NULL THEN 'has no birth date: OMOP person.year_of_birth is required'
        WHEN e.s IS NULL THEN format('cannot read birth date ''{}''', e.birth_at)
        WHEN e.death_at IS NOT NULL AND e.d IS NULL THEN format('cannot read death date ''{}''', e.death_at)
        WHEN CAST(e.d AS DATE) < CAST(e.s AS DATE)
          THEN format('death date {} lies before birth date {}', e.death_at, e.birth_at)
        WHEN e.care_site_ref IS NOT NULL AND cs.row_id IS NULL THEN ${dangling('care site', 'e.care_site_ref', 'qc')}
      END AS reason,
      coalesce(g.concept_id, 0) AS gender_concept_id, year(e.s) AS year_of_birth, month(e.s) AS month_of_birth,
      day(e.s) AS day_of_birth, e.s AS birth_datetime, coalesce(r.concept_id, 0) AS race_concept_id,
      coalesce(n.concept_id, 0) AS ethnicity_concept_id, cs.row_id AS care_site_id,
      e.source_id AS person_source_value, g.code AS gender_source_value,
      g.source_concept_id AS gender_source_concept_id, r.code AS race_source_value,
      r.source_concept_id AS race_source_concept_id, n.code AS ethnicity_source_value,
      n.source_concept_id AS ethnicity_source_concept_id,
      CAST(e.d AS DATE) AS death_date, e.d AS death_datetime
    FROM e ${codeOf('g', slot.main)} ${codeOf('r', slot.race)} ${codeOf('n', slot.ethnicity)}
    ${reference('cs', 'e.care_site_ref', src, "'care_site'")}
    LEFT JOIN qr_source qc ON qc.source_id = e.care_site_ref`);
  await splitQuarantine(connection, 'cand_person', "'person'");
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

export async function buildVisits(connection: DuckDBConnection, source: string): Promise<void> {
  const src = sqlString(source);
  // Visits without an end are taken to end when they start (the CDM convention for outpatient and ER visits).
  await connection.run(`CREATE OR REPLACE TEMP TABLE cand_visit AS
    WITH e AS (SELECT *, polder_ts(start_at) AS s, polder_ts(end_at) AS en FROM stg_visit ${latest})
    SELECT ${commonColumns},
      CASE
        WHEN p.row_id IS NULL THEN ${dangling('patient', 'e.person_ref', 'qp')}
        ${dateChecks('start')}
        ${beforeBirth}
        WHEN e.care_site_ref IS NOT NULL AND cs.row_id IS NULL THEN ${dangling('care site', 'e.care_site_ref', 'qc')}
      END AS reason,
      p.row_id AS person_id, coalesce(m.concept_id, 0) AS visit_concept_id,
      CAST(e.s AS DATE) AS visit_start_date, e.s AS visit_start_datetime,
      CAST(coalesce(e.en, e.s) AS DATE) AS visit_end_date, coalesce(e.en, e.s) AS visit_end_datetime,
      ${typeConceptEhr} AS visit_type_concept_id, cs.row_id AS care_site_id, m.code AS visit_source_value,
      coalesce(m.source_concept_id, 0) AS visit_source_concept_id, dt.concept_id AS discharged_to_concept_id,
      dt.code AS discharged_to_source_value
    FROM e ${codeOf('m', slot.main)} ${codeOf('dt', slot.dischargeTo)}
    ${reference('p', 'e.person_ref', src, "'person'")}
    LEFT JOIN cdm.person per ON per.person_id = p.row_id
    ${reference('cs', 'e.care_site_ref', src, "'care_site'")}
    LEFT JOIN qr_source qp ON qp.source_id = e.person_ref
    LEFT JOIN qr_source qc ON qc.source_id = e.care_site_ref`);
  await splitQuarantine(connection, 'cand_visit', "'visit_occurrence'");
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

export async function buildVisitDetails(connection: DuckDBConnection, source: string): Promise<void> {
  const src = sqlString(source);
  await connection.run(`CREATE OR REPLACE TEMP TABLE cand_visit_detail AS
    WITH e AS (SELECT *, polder_ts(start_at) AS s, polder_ts(end_at) AS en FROM stg_visit_detail ${latest})
    SELECT ${commonColumns},
      CASE
        WHEN p.row_id IS NULL THEN ${dangling('patient', 'e.person_ref', 'qp')}
        WHEN v.row_id IS NULL THEN ${dangling('encounter', 'e.visit_ref', 'qv')}
        ${dateChecks('start')}
        ${beforeBirth}
        WHEN e.care_site_ref IS NOT NULL AND cs.row_id IS NULL THEN ${dangling('care site', 'e.care_site_ref', 'qc')}
      END AS reason,
      p.row_id AS person_id, coalesce(m.concept_id, 0) AS visit_detail_concept_id,
      CAST(e.s AS DATE) AS visit_detail_start_date, e.s AS visit_detail_start_datetime,
      CAST(coalesce(e.en, e.s) AS DATE) AS visit_detail_end_date, coalesce(e.en, e.s) AS visit_detail_end_datetime,
      ${typeConceptEhr} AS visit_detail_type_concept_id, cs.row_id AS care_site_id,
      m.code AS visit_detail_source_value, coalesce(m.source_concept_id, 0) AS visit_detail_source_concept_id,
      v.row_id AS visit_occurrence_id
    FROM e ${codeOf('m', slot.main)}
    ${reference('p', 'e.person_ref', src, "'person'")}
    LEFT JOIN cdm.person per ON per.person_id = p.row_id
    ${reference('v', 'e.visit_ref', src, "'visit_occurrence'")}
    ${reference('cs', 'e.care_site_ref', src, "'care_site'")}
    LEFT JOIN qr_source qp ON qp.source_id = e.person_ref
    LEFT JOIN qr_source qv ON qv.source_id = e.visit_ref
    LEFT JOIN qr_source qc ON qc.source_id = e.care_site_ref`);
  await splitQuarantine(connection, 'cand_visit_detail', "'visit_detail'");
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
  '<': 4171756,
  '<=': 4171754,
  '=': 4172703,
  '>=': 4171755,
  '>': 4172704,
};

/**
 * Builds `clin`: every clinical event resolved (person, visit, concepts, dates, target table by the
 * standard concept's domain, or by the reader's domain hint when the code maps to nothing). A standard
 * concept of a domain without a table of its own here (e.g. 'Spec Anatomic Site') goes to observation,
 * as the CDM conventions say for facts that fit no other table.
 */
export async function buildClinical(connection: DuckDBConnection, source: string): Promise<void> {
  const src = sqlString(source);
  const operator = `CASE e.value_operator ${Object.entries(operatorConcepts)
    .map(([k, v]) => `WHEN ${sqlString(k)} THEN ${v}`)
    .join(' ')} END`;
  await connection.run(`CREATE OR REPLACE TEMP TABLE clin AS
    WITH e AS (SELECT *, polder_ts(start_at) AS s, polder_ts(end_at) AS en FROM stg_clinical ${latest})
    SELECT ${commonColumns},
      CASE
        WHEN p.row_id IS NULL THEN ${dangling('patient', 'e.person_ref', 'qp')}
        WHEN e.visit_ref IS NOT NULL AND v.row_id IS NULL THEN ${dangling('encounter', 'e.visit_ref', 'qv')}
        ${dateChecks('start')}
        ${beforeBirth}
      END AS reason,
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
    FROM e ${codeOf('m', slot.main)} ${codeOf('val', slot.value)} ${codeOf('u', slot.unit)} ${codeOf('r', slot.route)}
    ${reference('p', 'e.person_ref', src, "'person'")}
    LEFT JOIN cdm.person per ON per.person_id = p.row_id
    ${reference('v', 'e.visit_ref', src, "'visit_occurrence', 'visit_detail'")}
    LEFT JOIN cdm.visit_detail vd ON v.target_table = 'visit_detail' AND vd.visit_detail_id = v.row_id
    LEFT JOIN qr_source qp ON qp.source_id = e.person_ref
    LEFT JOIN qr_source qv ON qv.source_id = e.visit_ref`);
  await splitQuarantine(connection, 'clin', 'target_table');
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

/** Builds `cand_<table>` for one clinical table from `clin`. */
export async function buildClinicalTable(
  connection: DuckDBConnection,
  table: string,
): Promise<readonly string[]> {
  const columns = clinicalColumns[table];
  if (columns === undefined) throw new Error(`Cannot load clinical table ${table}: unknown`);
  const select = Object.entries(columns).map(([column, expression]) => `${expression} AS ${column}`);
  await connection.run(`CREATE OR REPLACE TEMP TABLE cand_${table} AS
    SELECT seq, source_id, record_id, resource_type, content_hash, ${select.join(', ')}
    FROM clin WHERE target_table = ${sqlString(table)}`);
  return Object.keys(columns);
}
