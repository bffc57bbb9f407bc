/**
 * @polder/synth — seeded, deterministic synthetic hospitals that emit *source* formats: hospital A writes
 * FHIR R4 transaction Bundles, B FHIR Bulk Data NDJSON, C semicolon-separated CSV with local codes plus a
 * source_to_concept_map and a CSV mapping config. See README.md for the formats, the readmission model
 * and the concept table.
 */
export {
  generateHospital,
  NDJSON_LINES_PER_FILE,
  RECORDS_PER_PATIENT,
  patientsForRecords,
  type GenerateHospitalOptions,
  type GenerationSummary,
  type GeneratedFile,
} from './generate-hospital.ts';
export {
  HOSPITAL_PROFILES,
  type HospitalId,
  type HospitalProfile,
  type AdmissionReason,
} from './_profiles.ts';
export {
  readmissionProbability,
  readmissionLogit,
  READMISSION_COEFFICIENTS,
  type IcuDischargeState,
} from './readmission-model.ts';
export {
  vocabularyNeeds,
  VOCABULARY_MAPPINGS as vocabularyMappings,
  type VocabularyNeed,
  type VocabularyId,
} from './_concepts.ts';
export { C_UNMAPPED_CODES as hospitalCUnmappedCodes } from './_hospital-c.ts';
export { WINDOW_START, WINDOW_END } from './_simulate.ts';
