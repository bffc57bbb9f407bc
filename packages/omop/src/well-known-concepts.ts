/**
 * OMOP concept ids that code in every package needs, so that nobody writes a bare 8507. Each id is real
 * (Athena) and bundled in the starter vocabulary; see starter-vocabulary/README.md for where each was checked.
 */
export const wellKnownConcepts = Object.freeze({
  /** 'No matching concept': the id of a required concept that could not be mapped. */
  noMatchingConcept: 0,

  /** Gender (sex at birth). Any other sex is recorded as 0, not as the deprecated 8551 UNKNOWN. */
  male: 8507,
  female: 8532,

  /** Visit concepts (visit_occurrence / visit_detail). */
  inpatientVisit: 9201,
  outpatientVisit: 9202,
  emergencyRoomVisit: 9203,
  emergencyRoomAndInpatientVisit: 262,
  intensiveCare: 32037,

  /** Type concepts (*_type_concept_id): where a record comes from. */
  ehr: 32817,
  ehrAdministrationRecord: 32818,
  ehrPrescription: 32838,
  lab: 32856,
  registry: 32879,

  /** Measurement value operators (measurement.operator_concept_id). */
  lessThan: 4171756,
  lessThanOrEqual: 4171754,
  equal: 4172703,
  greaterThanOrEqual: 4171755,
  greaterThan: 4172704,

  /** Ethnicity. */
  hispanicOrLatino: 38003563,
  notHispanicOrLatino: 38003564,
} as const);

/** The name of one well-known concept. */
export type WellKnownConceptName = keyof typeof wellKnownConcepts;
