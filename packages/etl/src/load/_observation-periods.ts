import type { DuckDBConnection } from '@duckdb/node-api';
import type { MergeCounts } from './_merge.ts';
import { queryNumber } from './_sql.ts';
import { typeConceptEhr } from './_candidates.ts';

/**
 * Derives observation periods for the persons touched by this run (temp table `touched`).
 *
 * Choice: one period per person, from the earliest to the latest date of any of their visits, visit details
 * and clinical events (end dates included, capped at today), type 32817 (EHR). EHR data has no enrolment, so
 * the CDM convention infers the period from the events. A hospital sees a patient only when they come, and
 * splitting periods at gaps (say > 548 days, as some OHDSI ETLs do for claims) would declare the time
 * between visits unobserved while diagnoses made elsewhere may still be recorded later; one span per person
 * is the ETL-Synthea practice and keeps every event inside a period. A person keeps the key of their period.
 * Persons without events get no period.
 */
export async function deriveObservationPeriods(connection: DuckDBConnection): Promise<MergeCounts> {
  const where = 'WHERE person_id IN (SELECT person_id FROM touched_person)';
  await connection.run(
    'CREATE OR REPLACE TEMP TABLE touched_person AS SELECT DISTINCT person_id FROM touched',
  );
  await connection.run(`CREATE OR REPLACE TEMP TABLE op_new AS
    WITH ev AS (
      SELECT person_id, visit_start_date AS s, visit_end_date AS e FROM cdm.visit_occurrence ${where}
      UNION ALL SELECT person_id, visit_detail_start_date, visit_detail_end_date FROM cdm.visit_detail ${where}
      UNION ALL SELECT person_id, condition_start_date, condition_end_date FROM cdm.condition_occurrence ${where}
      UNION ALL SELECT person_id, drug_exposure_start_date, drug_exposure_end_date FROM cdm.drug_exposure ${where}
      UNION ALL SELECT person_id, procedure_date, procedure_end_date FROM cdm.procedure_occurrence ${where}
      UNION ALL SELECT person_id, device_exposure_start_date, device_exposure_end_date FROM cdm.device_exposure ${where}
      UNION ALL SELECT person_id, measurement_date, NULL FROM cdm.measurement ${where}
      UNION ALL SELECT person_id, observation_date, NULL FROM cdm.observation ${where}
    ),
    span AS (
      SELECT person_id, min(s) AS start_date, max(greatest(s, least(coalesce(e, s), current_date))) AS end_date
      FROM ev GROUP BY person_id
    )
    SELECT span.*, old.observation_period_id AS old_id,
      old.observation_period_start_date = span.start_date AND old.observation_period_end_date = span.end_date
        AS same
    FROM span LEFT JOIN (
      SELECT * FROM cdm.observation_period ${where}
      QUALIFY row_number() OVER (PARTITION BY person_id ORDER BY observation_period_id) = 1
    ) old ON old.person_id = span.person_id`);
  // Periods of touched persons other than the one kept (none, unless another tool wrote them), and of
  // touched persons who no longer have any event.
  await connection.run(`DELETE FROM cdm.observation_period
    WHERE person_id IN (SELECT person_id FROM touched_person)
      AND observation_period_id NOT IN (SELECT old_id FROM op_new WHERE old_id IS NOT NULL)`);
  const base = await queryNumber(
    connection,
    'SELECT coalesce(max(observation_period_id), 0) FROM cdm.observation_period',
  );
  await connection.run(`INSERT INTO cdm.observation_period
    SELECT ${base} + row_number() OVER (ORDER BY person_id), person_id, start_date, end_date, ${typeConceptEhr}
    FROM op_new WHERE old_id IS NULL`);
  await connection.run(`UPDATE cdm.observation_period AS op
    SET observation_period_start_date = n.start_date, observation_period_end_date = n.end_date
    FROM op_new n WHERE op.observation_period_id = n.old_id AND NOT n.same`);
  return {
    inserted: await queryNumber(connection, 'SELECT count(*) FROM op_new WHERE old_id IS NULL'),
    updated: await queryNumber(
      connection,
      'SELECT count(*) FROM op_new WHERE old_id IS NOT NULL AND NOT same',
    ),
    unchanged: await queryNumber(connection, 'SELECT count(*) FROM op_new WHERE same'),
  };
}
