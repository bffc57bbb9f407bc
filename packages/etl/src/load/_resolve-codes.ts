import type { DuckDBConnection } from '@duckdb/node-api';

/** Domain of a standard concept → the CDM table that holds it. */
export const domainTables: Readonly<Record<string, string>> = {
  Condition: 'condition_occurrence',
  Measurement: 'measurement',
  Observation: 'observation',
  Drug: 'drug_exposure',
  Procedure: 'procedure_occurrence',
  Device: 'device_exposure',
};

/**
 * Resolves every staged coding set-based, in two temp tables:
 *
 * - `res_code` (per distinct code of `stg_code`): vocabulary_id (system URI → vocabulary, else the system as given), the source
 *   concept (cdm.concept by vocabulary and code; else source_to_concept_map's source_concept_id; else 0),
 *   and the standard concept with its domain: a source_to_concept_map row for the code wins (it is the
 *   steward's explicit decision), then the concept itself when it is standard, then its 'Maps to'. When a
 *   code maps to several standard concepts, the lowest concept_id is taken: one source record, one row.
 * - `res_slot` (seq, slot): per coded field of an event, the coding that resolved best (a standard concept
 *   first, then a source concept, then the first coding), as the contract says: the first coding that maps.
 */
export async function resolveCodes(
  connection: DuckDBConnection,
  systemVocabularies: Readonly<Record<string, string>>,
): Promise<void> {
  await connection.run('CREATE OR REPLACE TEMP TABLE stg_system (system VARCHAR, vocabulary_id VARCHAR)');
  const appender = await connection.createAppender('stg_system', 'main', 'temp');
  for (const [system, vocabularyId] of Object.entries(systemVocabularies)) {
    appender.appendVarchar(system);
    appender.appendVarchar(vocabularyId);
    appender.endRow();
  }
  appender.flushSync();
  appender.closeSync();

  await connection.run(`
    CREATE OR REPLACE TABLE polder_work.res_code AS
    WITH codes AS (
      SELECT c.code_no, c.system, c.code, c.display, coalesce(v.vocabulary_id, c.system) AS vocabulary_id
      FROM polder_work.stg_code c LEFT JOIN stg_system v ON v.system = c.system
    ),
    src AS (
      SELECT codes.*, con.concept_id AS concept_id, con.standard_concept, con.invalid_reason, con.domain_id
      FROM codes LEFT JOIN cdm.concept con
        ON con.vocabulary_id = codes.vocabulary_id AND con.concept_code = codes.code
      QUALIFY row_number() OVER (
        PARTITION BY codes.code_no ORDER BY con.invalid_reason NULLS FIRST, con.concept_id) = 1
    ),
    maps AS (
      SELECT src.code_no, t.concept_id, t.domain_id
      FROM src
      JOIN cdm.concept_relationship r
        ON r.concept_id_1 = src.concept_id AND r.relationship_id = 'Maps to' AND r.invalid_reason IS NULL
      JOIN cdm.concept t ON t.concept_id = r.concept_id_2 AND t.standard_concept = 'S' AND t.invalid_reason IS NULL
      QUALIFY row_number() OVER (PARTITION BY src.code_no ORDER BY t.concept_id) = 1
    ),
    stcm AS (
      SELECT codes.code_no, m.source_concept_id, m.target_concept_id, t.domain_id
      FROM codes
      JOIN cdm.source_to_concept_map m
        ON m.source_vocabulary_id = codes.vocabulary_id AND m.source_code = codes.code AND m.invalid_reason IS NULL
      LEFT JOIN cdm.concept t ON t.concept_id = m.target_concept_id
      QUALIFY row_number() OVER (
        PARTITION BY codes.code_no ORDER BY (m.target_concept_id <> 0) DESC, m.target_concept_id) = 1
    )
    SELECT src.code_no, src.system, src.code, src.display, src.vocabulary_id,
      coalesce(src.concept_id, nullif(stcm.source_concept_id, 0), 0) AS source_concept_id,
      CASE
        WHEN stcm.target_concept_id <> 0 THEN stcm.target_concept_id
        WHEN src.standard_concept = 'S' AND src.invalid_reason IS NULL THEN src.concept_id
        WHEN maps.concept_id IS NOT NULL THEN maps.concept_id
        ELSE 0
      END AS concept_id,
      CASE
        WHEN stcm.target_concept_id <> 0 THEN stcm.domain_id
        WHEN src.standard_concept = 'S' AND src.invalid_reason IS NULL THEN src.domain_id
        ELSE maps.domain_id
      END AS domain_id
    FROM src
    LEFT JOIN maps ON maps.code_no = src.code_no
    LEFT JOIN stcm ON stcm.code_no = src.code_no`);

  // An aggregate, not a window: two million (seq, slot) groups of integers hash fast, a window sorts them.
  await connection.run(`
    CREATE OR REPLACE TABLE polder_work.res_slot AS
    WITH best AS (
      SELECT c.seq, c.slot,
        arg_min(c.code_no, CAST(r.concept_id = 0 AS INTEGER) * 2000000
          + CAST(r.source_concept_id = 0 AS INTEGER) * 1000000 + c.ord) AS code_no
      FROM polder_work.stg_coding c JOIN polder_work.res_code r ON r.code_no = c.code_no
      GROUP BY c.seq, c.slot
    )
    SELECT best.seq, best.slot, best.code_no, r.concept_id, r.source_concept_id, r.domain_id, r.code
    FROM best JOIN polder_work.res_code r ON r.code_no = best.code_no`);
}
