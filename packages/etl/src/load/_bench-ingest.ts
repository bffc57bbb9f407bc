/**
 * Benchmark of the FHIR ingest (reader + loader), printing JSON lines:
 *
 *   npx tsx packages/etl/src/load/_bench-ingest.ts <FHIR directory> [--runs 2] [--memory-limit 300MB]
 *
 * It ingests the directory into a fresh DuckDB file (in the OS temp directory, with the starter vocabulary,
 * as a new station has) `--runs` times (the second
 * run measures a re-ingest of an unchanged export) and prints, per run, resources/s, the phases, the CDM
 * row counts and the process's peak RSS so far. Make big input with `polder synth` (hospital B writes Bulk
 * NDJSON; 8,000 patients give about 1.02 million resources). Run it with `/usr/bin/time -v` for the peak
 * RSS of the whole process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { createCdmSchema, loadStarterVocabulary } from '@polder/omop';
import { readFhirSource } from '../fhir/read-fhir-source.ts';
import { ingest } from './ingest.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '1' }, 'memory-limit': { type: 'string', default: '300MB' } },
});
const input = positionals[0];
if (input === undefined)
  throw new Error('Cannot run the benchmark: give a FHIR directory (see the comment on top)');
const directory = mkdtempSync(join(tmpdir(), 'polder-bench-'));
const instance = await DuckDBInstance.create(join(directory, 'station.duckdb'), { threads: '2' });
const connection = await instance.connect();
try {
  await createCdmSchema(connection);
  await loadStarterVocabulary(connection);
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  for (let run = 1; run <= Number(values.runs); run++) {
    const report = await ingest(
      connection,
      { name: 'bench', inputs: [readFhirSource(input)] },
      { memoryLimit: values['memory-limit'] },
    );
    const resourcesPerSecond = Math.round(report.recordsRead / (report.elapsedMs / 1000));
    const tables = Object.fromEntries(
      report.tables.map((t) => [
        t.table,
        { inserted: t.inserted, updated: t.updated, unchanged: t.unchanged, quarantined: t.quarantined },
      ]),
    );
    console.log(
      JSON.stringify({
        bench: 'ingest-fhir',
        run,
        resources: report.recordsRead,
        events: report.eventsRead,
        elapsedMs: report.elapsedMs,
        resourcesPerSecond,
        phases: report.phases,
        peakRssMb: Math.round(Math.max(peakRss, process.memoryUsage().rss) / 1e6),
        memoryLimit: values['memory-limit'],
        quarantined: report.quarantined,
        tables,
      }),
    );
  }
  clearInterval(sampler);
} finally {
  connection.closeSync();
  instance.closeSync();
  rmSync(directory, { recursive: true, force: true });
}
