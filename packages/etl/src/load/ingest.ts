import type { DuckDBConnection } from '@duckdb/node-api';
import { fhirSystemVocabularies } from '@polder/omop';
import { join } from 'node:path';
import type { SourceToConceptMapRow } from '../csv/source-to-concept-map.ts';
import type { InvalidRecord, ReaderOutput } from '../source-event.ts';
import {
  buildCareSites,
  buildClinical,
  buildClinicalTable,
  buildPersons,
  buildVisitDetails,
  buildVisits,
  careSiteColumns,
  personColumns,
  prepareCandidates,
  resolveReferences,
  typeConceptEhr,
  visitColumns,
  visitDetailColumns,
} from './_candidates.ts';
import { clinicalTables, mergeCandidates, type MergeContext, type MergeCounts } from './_merge.ts';
import { deriveObservationPeriods } from './_observation-periods.ts';
import { RawSpool } from './_raw-spool.ts';
import { resolveCodes } from './_resolve-codes.ts';
import { queryNumber, queryRows, sqlString } from './_sql.ts';
import { Stager, workCatalog } from './_staging.ts';
import { createEtlTables } from './etl-tables.ts';
import type { IngestReport, TableCounts, UnmappedCode } from './ingest-report.ts';

/** What to ingest: the outputs of one or more readers, under one source name. */
export interface IngestSource {
  /**
   * The idempotency namespace, e.g. 'hospital-a': a record is identified by this name and its source id, so
   * ingesting the same export again updates or leaves its rows and never adds a second one.
   */
  readonly name: string;
  /** Reader outputs, one iterable per source path; read one after the other, in any order of kinds. */
  readonly inputs: readonly (AsyncIterable<ReaderOutput> | Iterable<ReaderOutput>)[];
}

/** Options of `ingest`. */
export interface IngestOptions {
  /** Called with the number of records read so far, every `progressEvery` reader outputs and at the end. */
  readonly onProgress?: (recordsRead: number) => void;
  /** @default 10000 */
  readonly progressEvery?: number;
  /**
   * Code mapping rows (OMOP source_to_concept_map layout, e.g. from `readSourceToConceptMap`), loaded into
   * `cdm.source_to_concept_map` before the data. The rows of each source_vocabulary_id given replace that
   * vocabulary's rows (so a mapping removed from the file is removed from the station). Invalid rows go to
   * quarantine.
   */
  readonly sourceToConceptMap?:
    AsyncIterable<SourceToConceptMapRow | InvalidRecord> | Iterable<SourceToConceptMapRow | InvalidRecord>;
  /**
   * Extra or overriding code system URI → OMOP vocabulary_id entries (on top of `fhirSystemVocabularies` of
   * `@polder/omop`). A system not listed is looked up as a vocabulary_id as it stands, which is how the local
   * code systems of CSV sources are named.
   */
  readonly systemVocabularies?: Readonly<Record<string, string>>;
  /** How many unmapped codes the report lists. @default 20 */
  readonly unmappedCodeLimit?: number;
  /**
   * Where the run's temporary files go: the spool of original record texts and a work database (about
   * 1 GB and 100 MB per million FHIR resources). @default os.tmpdir()
   */
  readonly tempDirectory?: string;
  /**
   * DuckDB memory_limit for the run (e.g. '300MB'), restored afterwards. DuckDB's RSS runs well past its
   * limit (allocations outside the buffer pool, freed memory kept by malloc): at '300MB' an ingest of a
   * million FHIR resources peaked at 730 MB RSS in all, at '450MB' at 930 MB, and was no slower.
   * @default the instance's setting
   */
  readonly memoryLimit?: string;
  /**
   * Events per statement in the big SQL statements: smaller needs less memory, larger is a little faster.
   * @default 200000
   */
  readonly chunkSize?: number;
}

const reportTables = [
  'care_site',
  'person',
  'death',
  'visit_occurrence',
  'visit_detail',
  'condition_occurrence',
  'procedure_occurrence',
  'drug_exposure',
  'device_exposure',
  'measurement',
  'observation',
  'observation_period',
] as const;

/** Turns a date to the ISO form DuckDB reads as TIMESTAMP. */
function timestampLiteral(date: Date): string {
  return sqlString(date.toISOString().replace('T', ' ').replace('Z', ''));
}

async function stageSourceToConceptMap(
  connection: DuckDBConnection,
  rows: NonNullable<IngestOptions['sourceToConceptMap']>,
  stager: Stager,
): Promise<number> {
  await connection.run(`CREATE OR REPLACE TEMP TABLE stg_stcm (source_code VARCHAR, source_concept_id BIGINT,
    source_vocabulary_id VARCHAR, source_code_description VARCHAR, target_concept_id BIGINT,
    target_vocabulary_id VARCHAR, valid_start_date VARCHAR, valid_end_date VARCHAR, invalid_reason VARCHAR)`);
  const appender = await connection.createAppender('stg_stcm', 'main', 'temp');
  let count = 0;
  for await (const row of rows) {
    if (row.kind === 'invalid') {
      stager.add(row);
      continue;
    }
    appender.appendVarchar(row.sourceCode);
    appender.appendBigInt(BigInt(row.sourceConceptId));
    appender.appendVarchar(row.sourceVocabularyId);
    if (row.sourceCodeDescription === undefined) appender.appendNull();
    else appender.appendVarchar(row.sourceCodeDescription);
    appender.appendBigInt(BigInt(row.targetConceptId));
    appender.appendVarchar(row.targetVocabularyId);
    appender.appendVarchar(row.validStartDate);
    appender.appendVarchar(row.validEndDate);
    if (row.invalidReason === undefined || row.invalidReason === '') appender.appendNull();
    else appender.appendVarchar(row.invalidReason);
    appender.endRow();
    count++;
  }
  appender.flushSync();
  appender.closeSync();
  return count;
}

async function loadSourceToConceptMap(connection: DuckDBConnection): Promise<void> {
  await connection.run('BEGIN TRANSACTION');
  await connection.run(`DELETE FROM cdm.source_to_concept_map
    WHERE source_vocabulary_id IN (SELECT DISTINCT source_vocabulary_id FROM stg_stcm)`);
  await connection.run(`INSERT INTO cdm.source_to_concept_map
    SELECT source_code, source_concept_id, source_vocabulary_id, source_code_description, target_concept_id,
      target_vocabulary_id, CAST(valid_start_date AS DATE), CAST(valid_end_date AS DATE), invalid_reason
    FROM stg_stcm`);
  await connection.run('COMMIT');
}

/**
 * Each table's merge commits on its own (CDM rows together with their source_record entries), so a run
 * that failed half-way may have loaded persons whose observation periods it never derived; a rerun would
 * find those rows unchanged and not touch them. So after a failed or unfinished run of this source, the
 * next run derives the periods of all its persons again.
 */
async function touchAllPersonsAfterFailedRun(
  connection: DuckDBConnection,
  context: MergeContext,
): Promise<void> {
  const source = sqlString(context.source);
  const unfinished = await queryNumber(
    connection,
    `SELECT count(*) FROM polder.ingest_run
     WHERE source = ${source} AND status <> 'completed' AND ingest_run_id < ${context.runId}
       AND ingest_run_id > coalesce((SELECT max(ingest_run_id) FROM polder.ingest_run
         WHERE source = ${source} AND status = 'completed' AND ingest_run_id < ${context.runId}), 0)`,
  );
  if (unfinished > 0) {
    await connection.run(`INSERT INTO touched
      SELECT row_id FROM polder.source_record WHERE source = ${source} AND target_table = 'person'`);
  }
}

/**
 * Merges persons and their deaths. A person's death date is part of the person's content (row hash), so a
 * changed death date updates the person and replaces their death row.
 */
async function mergePersons(
  connection: DuckDBConnection,
  context: MergeContext,
): Promise<{ person: MergeCounts; death: MergeCounts & { read: number } }> {
  const writeDeaths = async (): Promise<void> => {
    await connection.run(`CREATE OR REPLACE TEMP TABLE death_plan AS
      SELECT p.row_id AS person_id, c.death_date, c.death_datetime, d.person_id IS NOT NULL AS had,
        d.person_id IS NOT NULL AND d.death_date IS NOT DISTINCT FROM c.death_date
          AND d.death_datetime IS NOT DISTINCT FROM c.death_datetime AS same
      FROM polder_work.plan p JOIN cand_person c ON c.seq = p.seq LEFT JOIN (
        SELECT * FROM cdm.death QUALIFY row_number() OVER (PARTITION BY person_id ORDER BY death_date) = 1
      ) d ON d.person_id = p.row_id
      WHERE p.action <> 'unchanged'`);
    await connection.run(
      `DELETE FROM cdm.death WHERE person_id IN (SELECT person_id FROM death_plan WHERE NOT same)`,
    );
    await connection.run(`INSERT INTO cdm.death (person_id, death_date, death_datetime, death_type_concept_id)
      SELECT person_id, death_date, death_datetime, ${typeConceptEhr} FROM death_plan
      WHERE NOT same AND death_date IS NOT NULL`);
  };
  const person = await mergeCandidates(
    connection,
    {
      table: 'person',
      candidates: 'cand_person',
      columns: personColumns,
      hashExtra: ['death_date', 'death_datetime'],
      keySpace: ['person'],
      personColumn: 'row_id',
      afterWrite: writeDeaths,
    },
    context,
  );
  const [counts] = await queryRows(
    connection,
    `SELECT
      (SELECT count(*) FROM death_plan WHERE death_date IS NOT NULL AND NOT had) AS inserted,
      (SELECT count(*) FROM death_plan WHERE death_date IS NOT NULL AND had AND NOT same) AS updated,
      (SELECT count(*) FROM death_plan WHERE death_date IS NOT NULL AND same)
        + (SELECT count(*) FROM polder_work.plan p JOIN cand_person c ON c.seq = p.seq
           WHERE p.action = 'unchanged' AND c.death_date IS NOT NULL) AS unchanged,
      (SELECT count(*) FROM cand_person WHERE death_date IS NOT NULL) AS read`,
  );
  const death = {
    inserted: Number(counts?.['inserted'] ?? 0),
    updated: Number(counts?.['updated'] ?? 0),
    unchanged: Number(counts?.['unchanged'] ?? 0),
    read: Number(counts?.['read'] ?? 0),
  };
  return { person, death };
}

/** Records the unmapped codes of this run in `polder.unmapped_code` and returns the most frequent. */
async function recordUnmappedCodes(
  connection: DuckDBConnection,
  context: MergeContext,
  limit: number,
): Promise<{ top: UnmappedCode[]; distinct: number }> {
  const source = sqlString(context.source);
  await connection.run(`CREATE OR REPLACE TEMP TABLE unmapped AS
    SELECT r.system, r.code, any_value(r.display) AS display, count(*) AS frequency
    FROM polder_work.res_slot s JOIN polder_work.res_code r ON r.code_no = s.code_no
    WHERE s.concept_id = 0 GROUP BY r.system, r.code`);
  await connection.run(`DELETE FROM polder.unmapped_code WHERE source = ${source}
    AND (system, code) IN (SELECT (system, code) FROM polder_work.res_code WHERE concept_id <> 0)`);
  await connection.run(`INSERT OR REPLACE INTO polder.unmapped_code
    SELECT ${source}, system, code, display, frequency, ${context.runId} FROM unmapped`);
  const rows = await queryRows(
    connection,
    `SELECT system, code, display, frequency FROM unmapped ORDER BY frequency DESC, system, code LIMIT ${limit}`,
  );
  const top = rows.map((row): UnmappedCode => {
    const display = row['display'];
    return {
      system: String(row['system']),
      code: String(row['code']),
      ...(typeof display === 'string' ? { display } : {}),
      count: Number(row['frequency']),
    };
  });
  return { top, distinct: await queryNumber(connection, 'SELECT count(*) FROM unmapped') };
}

/**
 * Writes this run's quarantine to `polder.quarantine`: one row per source record (per file, location and
 * content hash), with all its reasons and its original text. A record already quarantined by an earlier
 * run with the same content is not added again. Returns the number of rows added.
 */
async function writeQuarantine(
  connection: DuckDBConnection,
  context: MergeContext,
  spool: RawSpool,
): Promise<number> {
  await connection.run(`CREATE OR REPLACE TEMP TABLE q_out AS
    WITH e AS (
      SELECT seq, reason, resource_type, record_id, file_no, line, entry, raw_offset, raw_length, content_hash
      FROM qr
      UNION ALL SELECT seq, reason, resource_type, record_id, file_no, line, entry, raw_offset, raw_length,
        content_hash
      FROM polder_work.stg_invalid
    ),
    grouped AS (
      SELECT f.file, e.line, e.entry, e.content_hash, any_value(e.resource_type) AS resource_type,
        any_value(e.record_id) AS record_id, string_agg(DISTINCT e.reason, '; ' ORDER BY e.reason) AS reason,
        min(e.raw_offset) AS raw_offset, arg_min(e.raw_length, e.raw_offset) AS raw_length
      FROM e JOIN polder_work.stg_file f ON f.file_no = e.file_no
      GROUP BY f.file, e.line, e.entry, e.content_hash
    )
    SELECT row_number() OVER (ORDER BY g.raw_offset) AS k, g.* FROM grouped g
    WHERE NOT EXISTS (
      SELECT 1 FROM polder.quarantine pq
      WHERE pq.source = ${sqlString(context.source)} AND pq.file = g.file
        AND pq.line IS NOT DISTINCT FROM g.line AND pq.entry IS NOT DISTINCT FROM g.entry
        AND pq.content_hash = g.content_hash)`);
  const rows = await queryRows(connection, 'SELECT k, raw_offset, raw_length FROM q_out ORDER BY k');
  if (rows.length === 0) return 0;
  await connection.run('CREATE OR REPLACE TEMP TABLE q_raw (k BIGINT, raw VARCHAR)');
  const appender = await connection.createAppender('q_raw', 'main', 'temp');
  for (const row of rows) {
    appender.appendBigInt(BigInt(Number(row['k'])));
    appender.appendVarchar(spool.read(Number(row['raw_offset']), Number(row['raw_length'])));
    appender.endRow();
  }
  appender.flushSync();
  appender.closeSync();
  const base = await queryNumber(connection, 'SELECT coalesce(max(quarantine_id), 0) FROM polder.quarantine');
  await connection.run(`INSERT INTO polder.quarantine
    SELECT ${base} + q.k, ${context.runId}, ${sqlString(context.source)}, q.file, q.line, q.entry, q.resource_type,
      q.record_id, q.reason, r.raw, q.content_hash, ${timestampLiteral(new Date())}, NULL
    FROM q_out q JOIN q_raw r ON r.k = q.k`);
  return rows.length;
}

/**
 * Marks quarantined records of this source as resolved when this run loaded them in full: some event of
 * the record was written in this run and none of its events went to quarantine.
 */
async function markResolvedQuarantine(connection: DuckDBConnection, context: MergeContext): Promise<void> {
  const source = sqlString(context.source);
  await connection.run(`UPDATE polder.quarantine SET resolved_in_run = ${context.runId}
    WHERE source = ${source} AND resolved_in_run IS NULL AND ingest_run_id < ${context.runId}
      AND record_id IN (
        SELECT record_id FROM polder.source_record WHERE source = ${source} AND ingest_run_id = ${context.runId})
      AND record_id NOT IN (SELECT record_id FROM qr WHERE record_id IS NOT NULL)
      AND record_id NOT IN (SELECT record_id FROM polder_work.stg_invalid WHERE record_id IS NOT NULL)`);
}

/**
 * Loads reader output into the station's OMOP CDM tables, idempotently per source record, and returns
 * what it did. The CDM schema (`createCdmSchema`) must exist; the loader's own tables are created here.
 *
 * How: the readers' output is appended to staging tables with DuckDB's Appender (the per-record JS work is
 * a few appends and a hash); then everything is resolved set-based in SQL, in the order care_site → person
 * (+ death) → visit_occurrence → visit_detail → clinical tables, so that the files of an export may come in
 * any order: codes → standard concepts (the domain picks the table), references → surrogate keys through
 * `polder.source_record`. Records that cannot be placed go to `polder.quarantine` with a reason; nothing is
 * dropped silently. Observation periods are derived for the persons touched. Each table's rows are
 * committed in chunks together with their `source_record` rows: a run that fails leaves a consistent
 * station (its `ingest_run` row says 'failed'), and running it again completes the load.
 *
 * One ingest at a time per station: keys are allocated from the current maximum.
 *
 * @example
 * ```ts
 * const report = await ingest(connection, { name: 'hospital-a', inputs: [readFhirSource(dir)] });
 * console.log(formatIngestReport(report));
 * ```
 */
export async function ingest(
  connection: DuckDBConnection,
  source: IngestSource,
  options: IngestOptions = {},
): Promise<IngestReport> {
  if (source.name.trim() === '') throw new Error('Cannot ingest: the source name is empty');
  const started = new Date();
  const startedMs = performance.now();
  await createEtlTables(connection);
  const runId =
    (await queryNumber(connection, 'SELECT coalesce(max(ingest_run_id), 0) FROM polder.ingest_run')) + 1;
  const context: MergeContext = { source: source.name, runId, chunkSize: options.chunkSize ?? 200_000 };
  await connection.run(`INSERT INTO polder.ingest_run VALUES (${runId}, ${sqlString(source.name)},
    ${timestampLiteral(started)}, NULL, 'running', NULL)`);

  // Row order of the loader's CTAS and INSERT … SELECT does not matter; DuckDB needs less memory for them
  // when it need not keep it. The station's own setting is restored at the end.
  const [orderSetting] = await queryRows(
    connection,
    "SELECT current_setting('preserve_insertion_order') AS v",
  );
  const [limitSetting] = await queryRows(connection, "SELECT current_setting('memory_limit') AS v");
  let spool: RawSpool | undefined;
  const phases: Record<string, number> = {};
  let phaseStart = performance.now();
  const endPhase = (name: string): void => {
    const now = performance.now();
    phases[name] = Math.round(now - phaseStart);
    phaseStart = now;
  };
  try {
    await connection.run('SET preserve_insertion_order = false');
    if (options.memoryLimit !== undefined) {
      await connection.run(`SET memory_limit = ${sqlString(options.memoryLimit)}`);
    }
    spool = new RawSpool(options.tempDirectory);
    await connection.run(`DETACH DATABASE IF EXISTS ${workCatalog}`);
    await connection.run(`ATTACH ${sqlString(join(spool.directory, 'work.duckdb'))} AS ${workCatalog}`);
    const stager = await Stager.create(connection, spool);
    let stcmRows = 0;
    if (options.sourceToConceptMap !== undefined) {
      stcmRows = await stageSourceToConceptMap(connection, options.sourceToConceptMap, stager);
    }
    const onProgress = options.onProgress;
    const every = options.progressEvery ?? 10_000;
    let outputs = 0;
    for (const input of source.inputs) {
      for await (const item of input) {
        stager.add(item);
        if (++outputs % every === 0 && onProgress !== undefined) onProgress(stager.counts.records);
      }
    }
    await stager.finish(connection);
    onProgress?.(stager.counts.records);
    endPhase('staging');

    if (options.sourceToConceptMap !== undefined) await loadSourceToConceptMap(connection);
    await resolveCodes(connection, { ...fhirSystemVocabularies, ...options.systemVocabularies });
    const unmapped = await recordUnmappedCodes(connection, context, options.unmappedCodeLimit ?? 20);
    await connection.run('DROP TABLE polder_work.stg_coding');
    await prepareCandidates(connection);
    await touchAllPersonsAfterFailedRun(connection, context);
    endPhase('resolveCodes');

    const merged = new Map<string, MergeCounts>();
    await buildCareSites(connection);
    merged.set(
      'care_site',
      await mergeCandidates(
        connection,
        {
          table: 'care_site',
          candidates: 'cand_care_site',
          columns: careSiteColumns,
          keySpace: ['care_site'],
        },
        context,
      ),
    );
    await resolveReferences(connection, source.name);
    await buildPersons(connection);
    const persons = await mergePersons(connection, context);
    merged.set('person', persons.person);
    merged.set('death', persons.death);
    await resolveReferences(connection, source.name);
    await buildVisits(connection);
    merged.set(
      'visit_occurrence',
      await mergeCandidates(
        connection,
        {
          table: 'visit_occurrence',
          candidates: 'cand_visit',
          columns: visitColumns,
          keySpace: ['visit_occurrence'],
          personColumn: 'person_id',
        },
        context,
      ),
    );
    await resolveReferences(connection, source.name);
    await buildVisitDetails(connection);
    merged.set(
      'visit_detail',
      await mergeCandidates(
        connection,
        {
          table: 'visit_detail',
          candidates: 'cand_visit_detail',
          columns: visitDetailColumns,
          keySpace: ['visit_detail'],
          personColumn: 'person_id',
        },
        context,
      ),
    );
    await resolveReferences(connection, source.name);
    await buildClinical(connection, context.chunkSize);
    // The staging rows of clinical events are done with (quarantined ones were copied to qr): free them.
    await connection.run('DROP TABLE polder_work.stg_clinical');
    await connection.run('DROP TABLE polder_work.res_slot');
    for (const table of clinicalTables) {
      const columns = await buildClinicalTable(connection, table);
      merged.set(
        table,
        await mergeCandidates(
          connection,
          {
            table,
            candidates: `cand_${table}`,
            columns,
            keySpace: clinicalTables,
            personColumn: 'person_id',
          },
          context,
        ),
      );
    }
    endPhase('merge');
    merged.set('observation_period', await deriveObservationPeriods(connection));
    endPhase('observationPeriods');

    const quarantineAdded = await writeQuarantine(connection, context, spool);
    await markResolvedQuarantine(connection, context);
    endPhase('quarantine');
    const quarantinedByTable = new Map<string, number>();
    for (const row of await queryRows(
      connection,
      'SELECT target_table, count(*) AS n FROM qr GROUP BY ALL',
    )) {
      quarantinedByTable.set(String(row['target_table']), Number(row['n']));
    }
    const tables: TableCounts[] = reportTables.map((table) => {
      const counts = merged.get(table) ?? { inserted: 0, updated: 0, unchanged: 0 };
      const quarantined = quarantinedByTable.get(table) ?? 0;
      const read =
        table === 'death'
          ? persons.death.read
          : counts.inserted + counts.updated + counts.unchanged + quarantined;
      return { table, read, ...counts, quarantined };
    });
    const eventTables = reportTables.filter((t) => t !== 'death' && t !== 'observation_period');
    const placed = tables.filter((t) => (eventTables as readonly string[]).includes(t.table));
    const finished = new Date();
    const report: IngestReport = {
      runId,
      source: source.name,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      elapsedMs: Math.round(performance.now() - startedMs),
      recordsRead: stager.counts.records,
      eventsRead: stager.counts.events,
      invalidRecords: stager.counts.invalid,
      duplicates: stager.counts.events - placed.reduce((sum, t) => sum + t.read, 0),
      tables,
      quarantined: stager.counts.invalid + [...quarantinedByTable.values()].reduce((a, b) => a + b, 0),
      quarantineAdded,
      skipped: Object.fromEntries(stager.counts.skipped),
      unmappedCodes: unmapped.top,
      unmappedCodeCount: unmapped.distinct,
      sourceToConceptMapRows: stcmRows,
      phases,
    };
    await connection.run(
      `UPDATE polder.ingest_run SET finished_at = ${timestampLiteral(finished)}, status = 'completed',
        counts = ${sqlString(JSON.stringify(report))} WHERE ingest_run_id = ${runId}`,
    );
    return report;
  } catch (error) {
    await connection.run(
      `UPDATE polder.ingest_run SET finished_at = ${timestampLiteral(new Date())}, status = 'failed'
       WHERE ingest_run_id = ${runId}`,
    );
    throw error;
  } finally {
    await connection.run(`DETACH DATABASE IF EXISTS ${workCatalog}`);
    spool?.dispose();
    await connection.run(
      `SET preserve_insertion_order = ${orderSetting?.['v'] === false ? 'false' : 'true'}`,
    );
    if (options.memoryLimit !== undefined) {
      await connection.run(`SET memory_limit = ${sqlString(String(limitSetting?.['v'] ?? '80%'))}`);
    }
    for (const table of [
      'stg_stcm',
      'stg_system',
      'res_ref',
      'superseded',
      'q_out',
      'q_raw',
      'death_plan',
      'unmapped',
      'qr',
      'touched',
      'touched_person',
      'op_new',
      'cand_care_site',
      'cand_person',
      'cand_visit',
      'cand_visit_detail',
    ]) {
      await connection.run(`DROP TABLE IF EXISTS temp.main.${table}`);
    }
    for (const view of ['qr_source', ...clinicalTables.map((t) => `cand_${t}`)]) {
      await connection.run(`DROP VIEW IF EXISTS temp.main.${view}`);
    }
  }
}
