/** @polder/etl — streaming readers of source formats, mappings to OMOP, load into DuckDB. */
export type * from './source-event.ts';

// CSV source reader (packages/etl/src/csv)
export type * from './csv/csv-mapping-config.ts';
export {
  isCsvMappingConfig,
  parseCsvMappingConfig,
  readCsvMappingConfig,
  CsvMappingConfigError,
} from './csv/csv-mapping-config.ts';
export { readCsvSource, readCsvSourceCodeMaps } from './csv/csv-source-reader.ts';
export type { ReadCsvSourceOptions, CsvSkippedRecord } from './csv/csv-source-reader.ts';
export { readSourceToConceptMap } from './csv/source-to-concept-map.ts';
export type { SourceToConceptMapRow, ReadSourceToConceptMapOptions } from './csv/source-to-concept-map.ts';

// FHIR R4 readers (packages/etl/src/fhir)
export type { FhirReaderOptions, FhirSkippedRecord } from './fhir/fhir-reader-options.ts';
export { readFhirNdjson } from './fhir/read-fhir-ndjson.ts';
export { readFhirBundle } from './fhir/read-fhir-bundle.ts';
export { readFhirSource, readFhirSourceBatches } from './fhir/read-fhir-source.ts';

// Data-quality run (packages/etl/src/dq)
export { dqdDefaultExcludedTables, runDataQuality, recordDataQualityRun } from './dq/run-data-quality.ts';
export type { DataQualityOptions } from './dq/run-data-quality.ts';
export {
  countDataQualityResults,
  formatDataQualitySummary,
  writeDataQualityReport,
} from './dq/data-quality-report.ts';
export type {
  DataQualityCheckResult,
  DataQualityCheckStatus,
  DataQualityCounts,
  DataQualityReport,
} from './dq/data-quality-report.ts';

// OMOP loader and ingest run (packages/etl/src/load)
export { createEtlTables, etlTableDdl } from './load/etl-tables.ts';
export { ingest } from './load/ingest.ts';
export type { IngestOptions, IngestSource } from './load/ingest.ts';
export { formatIngestReport } from './load/ingest-report.ts';
export type { IngestReport, TableCounts, UnmappedCode } from './load/ingest-report.ts';
