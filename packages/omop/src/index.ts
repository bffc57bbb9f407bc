export { cdmTables } from './cdm-schema.generated.ts';
export type { CdmFieldSpec, CdmForeignKey, CdmTableSpec } from './cdm-table-spec.ts';
export { cdmDdl, createCdmSchema, duckdbTypeOf, findCdmTable, quoteIdentifier } from './cdm-ddl.ts';
export type { CdmSchemaOptions } from './cdm-ddl.ts';
export { countVocabularyRows, loadVocabulary, vocabularyTableNames } from './load-vocabulary.ts';
export type {
  LoadVocabularyOptions,
  VocabularyLoadReport,
  VocabularyTableName,
  VocabularyTableReport,
} from './load-vocabulary.ts';
export { importCdmCsv } from './import-cdm-csv.ts';
export type {
  CdmImportProblem,
  CdmImportReport,
  CdmTableImport,
  ImportCdmOptions,
} from './import-cdm-csv.ts';
export type { LoadMode } from './_load-table.ts';
export { loadStarterVocabulary, starterVocabularyDir } from './starter-vocabulary.ts';
export type { LoadStarterVocabularyOptions } from './starter-vocabulary.ts';
export { fhirSystemVocabularies, vocabularyOfFhirSystem } from './fhir-system-vocabularies.ts';
export { wellKnownConcepts } from './well-known-concepts.ts';
export type { WellKnownConceptName } from './well-known-concepts.ts';
