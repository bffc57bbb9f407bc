/**
 * Benchmark of vocabulary loading. Writes an Athena-layout vocabulary of the given size (synthetic rows,
 * real layout: tabs, no quoting, yyyymmdd dates, stray quotes in names) and loads it twice — the first load
 * into empty tables, then the default `merge` re-load of the same files — and loads Eunomia Synthea27Nj's
 * real CDM export with importCdmCsv. Prints one JSON line per figure.
 *
 * Usage: npx tsx packages/omop/src/load-vocabulary.bench.ts [--concepts 1000000] [--relationships 5000000]
 *        [--db path/to/file.duckdb] (Athena's full download: about 6,000,000 concepts, 50,000,000 relationships)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { importCdmCsv } from './import-cdm-csv.ts';
import { loadVocabulary } from './load-vocabulary.ts';
import { sharedData } from './_test-data.ts';

const argument = (name: string, fallback: string): string => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
};
const concepts = Number(argument('concepts', '1000000'));
const relationships = Number(argument('relationships', '5000000'));
const database = argument('db', ':memory:');
const emit = (figure: Record<string, unknown>): void =>
  console.log(JSON.stringify({ at: new Date().toISOString(), ...figure }));

const dir = await mkdtemp(join(tmpdir(), 'polder-vocab-bench-'));
const instance = await DuckDBInstance.create(database);
const connection = await instance.connect();
try {
  await connection.run(`COPY (
      SELECT i AS concept_id, 'Concept "' || i || '" name' AS concept_name, 'Condition' AS domain_id,
        'SNOMED' AS vocabulary_id, 'Clinical Finding' AS concept_class_id,
        CASE WHEN i % 3 = 0 THEN NULL ELSE 'S' END AS standard_concept, 'C' || i AS concept_code,
        '19700101' AS valid_start_date, '20991231' AS valid_end_date, NULL AS invalid_reason
      FROM range(1, ${concepts} + 1) AS t(i)
    ) TO '${join(dir, 'CONCEPT.csv')}' (HEADER, DELIMITER '\t', QUOTE '', ESCAPE '')`);
  await connection.run(`COPY (
      SELECT (i % ${concepts}) + 1 AS concept_id_1, ((i * 7919) % ${concepts}) + 1 AS concept_id_2,
        CASE WHEN i % 2 = 0 THEN 'Maps to' ELSE 'Is a' END || (i // ${concepts}) AS relationship_id,
        '19700101' AS valid_start_date, '20991231' AS valid_end_date, NULL AS invalid_reason
      FROM range(0, ${relationships}) AS t(i)
    ) TO '${join(dir, 'CONCEPT_RELATIONSHIP.csv')}' (HEADER, DELIMITER '\t', QUOTE '', ESCAPE '')`);
  for (const load of ['first', 'again'] as const) {
    const report = await loadVocabulary(connection, dir);
    for (const table of report.tables) {
      if (table.status === 'absent') continue;
      emit({
        bench: `omop.loadVocabulary.${load}`,
        table: table.table,
        rows: table.rows,
        ms: table.durationMs,
        rowsPerSecond: Math.round(table.rows / Math.max(table.durationMs / 1000, 0.001)),
        ...(table.error === undefined ? {} : { error: table.error }),
      });
    }
  }
  const eunomia = await importCdmCsv(connection, sharedData('eunomia-synthea27nj/csv'), {
    schema: 'eunomia',
  });
  emit({
    bench: 'omop.importCdmCsv.eunomia-synthea27nj',
    tables: eunomia.tables.length,
    rows: Object.values(eunomia.counts).reduce((sum, rows) => sum + rows, 0),
    ms: eunomia.durationMs,
    conceptRelationshipMs: eunomia.tables.find((table) => table.table === 'concept_relationship')?.durationMs,
  });
  emit({ bench: 'omop.rss', megabytes: Math.round(process.memoryUsage().rss / 1e6) });
} finally {
  connection.closeSync();
  instance.closeSync();
  await rm(dir, { recursive: true, force: true });
}
