/**
 * Columns that OMOP CDM 5.3 (and 5.3.1) named differently from 5.4, per table: 5.3 name → 5.4 name.
 * Columns that 5.4 added (procedure_end_date, production_id, unit_source_concept_id, *_event_id, …) need no
 * entry: the importer fills absent columns with NULL.
 */
export const cdm53Renames: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  visit_occurrence: {
    admitting_source_concept_id: 'admitted_from_concept_id',
    admitting_source_value: 'admitted_from_source_value',
    discharge_to_concept_id: 'discharged_to_concept_id',
    discharge_to_source_value: 'discharged_to_source_value',
  },
  // CDM 5.3.1's DDL misspelt this column; exports made with it (Eunomia GiBleed) carry the typo.
  cost: { reveue_code_source_value: 'revenue_code_source_value' },
  visit_detail: {
    admitting_source_concept_id: 'admitted_from_concept_id',
    admitting_source_value: 'admitted_from_source_value',
    discharge_to_concept_id: 'discharged_to_concept_id',
    discharge_to_source_value: 'discharged_to_source_value',
    visit_detail_parent_id: 'parent_visit_detail_id',
  },
};

/** Tables of CDM 5.3 that 5.4 dropped: their files are reported, not loaded. */
export const cdm53DroppedTables: readonly string[] = ['attribute_definition', 'cohort_attribute'];
