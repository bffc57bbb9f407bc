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
export {
  AnchorWindowSchema,
  CohortDefinitionSchema,
  ConceptSelectorSchema,
  ConceptSetItemSchema,
  ConceptSetSchema,
  DayWindowSchema,
  EntrySchema,
  EventCriterionSchema,
  ExitSchema,
  InclusionRuleSchema,
  ObservationWindowSchema,
  OccurrencesSchema,
  SexSchema,
  VariableSchema,
  WindowSchema,
  occurrenceDomains,
  variableNamePattern,
} from './cohort/cohort-definition.ts';
export type {
  CohortDefinition,
  CohortEntry,
  CohortExit,
  CohortVariable,
  CohortWindow,
  ConceptSelector,
  ConceptSetItem,
  EventCriterion,
  InclusionRule,
  OccurrenceDomain,
  VariableValue,
} from './cohort/cohort-definition.ts';
export { cohortBaseColumns, validateCohortDefinition } from './cohort/validate-cohort-definition.ts';
export type { CohortProblem, CohortValidation } from './cohort/validate-cohort-definition.ts';
export { CohortDefinitionError, compileCohort } from './cohort/cohort-compiler.ts';
export type {
  CohortColumn,
  CohortColumnType,
  CompileCohortOptions,
  CompiledCohort,
} from './cohort/cohort-compiler.ts';
export { importCirceCohort, importCirceCohortFile, parseCirceText } from './cohort/import-circe-cohort.ts';
export type {
  CirceImport,
  CirceText,
  ImportCirceOptions,
  PartialCohortDefinition,
  UnmappedFeature,
} from './cohort/import-circe-cohort.ts';
