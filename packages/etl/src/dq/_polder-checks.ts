import type { DqdCheckType } from './_dqd-definitions.ts';

/**
 * Check types that Polder runs beyond DQD's descriptions file. `withinObservationPeriod` counts clinical
 * records dated outside every observation period of their person (the CDM allows them, but analyses that
 * rely on observation time silently lose them). The concept-level plausibleValueLow/High use the bounds
 * per concept and unit of DQD's concept file, whose descriptions file for CDM 5.4 has no row for them.
 */
export const polderCheckTypes: readonly DqdCheckType[] = [
  {
    name: 'withinObservationPeriod',
    level: 'FIELD',
    description:
      'The number and percent of records with a date in the @cdmFieldName field of the @cdmTableName table that lies outside every OBSERVATION_PERIOD of the person.',
    kahnContext: 'Verification',
    kahnCategory: 'Plausibility',
    kahnSubcategory: 'Temporal',
    severity: 'characterization',
  },
  {
    name: 'plausibleValueLow',
    level: 'CONCEPT',
    description:
      'For CONCEPT_ID @conceptId (@conceptName) with UNIT_CONCEPT_ID @unitConceptId, the number and percent of records with VALUE_AS_NUMBER below @plausibleValueLow.',
    kahnContext: 'Verification',
    kahnCategory: 'Plausibility',
    kahnSubcategory: 'Atemporal',
    severity: 'characterization',
  },
  {
    name: 'plausibleValueHigh',
    level: 'CONCEPT',
    description:
      'For CONCEPT_ID @conceptId (@conceptName) with UNIT_CONCEPT_ID @unitConceptId, the number and percent of records with VALUE_AS_NUMBER above @plausibleValueHigh.',
    kahnContext: 'Verification',
    kahnCategory: 'Plausibility',
    kahnSubcategory: 'Atemporal',
    severity: 'characterization',
  },
];

/**
 * The tables and date fields of withinObservationPeriod, with its threshold in percent. 0: every such
 * record is reported, since the steward should know (Synthea27Nj has 4 measurements outside any period).
 */
export const observationPeriodChecks: readonly { table: string; field: string; threshold: number }[] = [
  { table: 'visit_occurrence', field: 'visit_start_date', threshold: 0 },
  { table: 'visit_detail', field: 'visit_detail_start_date', threshold: 0 },
  { table: 'condition_occurrence', field: 'condition_start_date', threshold: 0 },
  { table: 'drug_exposure', field: 'drug_exposure_start_date', threshold: 0 },
  { table: 'procedure_occurrence', field: 'procedure_date', threshold: 0 },
  { table: 'device_exposure', field: 'device_exposure_start_date', threshold: 0 },
  { table: 'measurement', field: 'measurement_date', threshold: 0 },
  { table: 'observation', field: 'observation_date', threshold: 0 },
  { table: 'note', field: 'note_date', threshold: 0 },
  { table: 'specimen', field: 'specimen_date', threshold: 0 },
];
