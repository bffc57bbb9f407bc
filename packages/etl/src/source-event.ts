/**
 * The neutral model between the source readers (FHIR R4 Bundles, FHIR Bulk NDJSON, CSV through a mapping
 * config) and the OMOP loader. A reader turns each source record into one or more events, or into one
 * `InvalidRecord` that the loader keeps in quarantine with its reason. The loader knows nothing of FHIR or
 * CSV; the readers know nothing of OMOP tables or concept ids.
 *
 * Identity: `sourceId` names the record within its source ("Patient/abc", "Observation/xyz#component-1",
 * "conditions.csv:row-key"). Together with the ingest's source name it is the idempotency key: ingesting
 * the same record again updates or leaves its row; it never adds a second one. References (`personRef`,
 * `visitRef`, …) use the `sourceId` of the record they point to.
 */

/** Where a record came from, for quarantine and for error messages a person can act on. */
export interface SourceLocation {
  /** Path of the source file as given to the reader. */
  readonly file: string;
  /** 1-based line (NDJSON, CSV) where the record starts. */
  readonly line?: number;
  /** 0-based index in a Bundle's `entry` array. */
  readonly entry?: number;
}

/**
 * A code as the source wrote it. `system` is a FHIR system URI ("http://snomed.info/sct",
 * "http://loinc.org", "http://www.nlm.nih.gov/research/umls/rxnorm", "http://hl7.org/fhir/sid/cvx",
 * "http://unitsofmeasure.org", "http://terminology.hl7.org/CodeSystem/v3-ActCode", …) or, for local
 * codes, the name of the local code system as the mapping config declares it (e.g. "hospital-c-lab").
 */
export interface SourceCoding {
  readonly system: string;
  readonly code: string;
  readonly display?: string;
}

/** A coded concept with all codings the source gave (FHIR CodeableConcept). The loader picks the first that maps. */
export interface SourceConcept {
  readonly codings: readonly SourceCoding[];
  readonly text?: string;
}

/** ISO 8601 date ("2020-01-31") or date-time ("2020-01-31T12:00:00Z" / with offset). */
export type IsoDateTime = string;

interface EventBase {
  /** Identity of the record within its source; see the module comment. */
  readonly sourceId: string;
  /** FHIR resource type or CSV file kind, for counts ("Observation", "conditions.csv"). */
  readonly resourceType: string;
  /**
   * Identity of the whole source record this event came from (equal to `sourceId` unless one record yields
   * several events, e.g. an Observation with components). Used to reconcile counts: every source record ends
   * in an OMOP table or in quarantine.
   */
  readonly recordId: string;
  readonly location: SourceLocation;
  /** Hash input for change detection: the original record text (or a stable serialisation of it). */
  readonly raw: string;
}

/** A patient. Maps to `person` (and `death` when `deathDate` is set). */
export interface PersonEvent extends EventBase {
  readonly kind: 'person';
  readonly birthDate?: IsoDateTime;
  /** Administrative gender as the source states it (FHIR: male | female | other | unknown). */
  readonly gender?: SourceConcept;
  readonly race?: SourceConcept;
  readonly ethnicity?: SourceConcept;
  readonly deathDate?: IsoDateTime;
  readonly careSiteRef?: string;
}

/** An encounter. Maps to `visit_occurrence`; `visitClass` decides inpatient / ED / outpatient / ICU. */
export interface VisitEvent extends EventBase {
  readonly kind: 'visit';
  readonly personRef: string;
  /** FHIR Encounter.class (v3-ActCode IMP, EMER, AMB, ACUTE, …) and/or Encounter.type codings. */
  readonly visitClass: SourceConcept;
  readonly start: IsoDateTime;
  readonly end?: IsoDateTime;
  readonly careSiteRef?: string;
  /** Where the patient went after the visit (FHIR hospitalization.dischargeDisposition). */
  readonly dischargeTo?: SourceConcept;
  /** The enclosing visit, when this encounter is part of another (FHIR Encounter.partOf). */
  readonly partOfRef?: string;
}

/** A stay within a visit, such as an ICU stay. Maps to `visit_detail`. */
export interface VisitDetailEvent extends EventBase {
  readonly kind: 'visitDetail';
  readonly personRef: string;
  readonly visitRef: string;
  readonly detailType: SourceConcept;
  readonly start: IsoDateTime;
  readonly end?: IsoDateTime;
  readonly careSiteRef?: string;
}

/** Which OMOP table a clinical event goes to when its code has no standard concept (concept_id 0). */
export type DomainHint = 'condition' | 'measurement' | 'observation' | 'drug' | 'procedure' | 'device';

/** The value of a measurement or observation. */
export interface SourceValue {
  readonly number?: number;
  readonly unit?: SourceCoding;
  readonly concept?: SourceConcept;
  readonly text?: string;
  /** Comparator of a FHIR Quantity ("<", "<=", ">=", ">"). */
  readonly operator?: string;
  readonly rangeLow?: number;
  readonly rangeHigh?: number;
}

/**
 * A coded clinical fact: condition, observation or measurement, drug, procedure, immunization, allergy.
 * The loader sends it to the table of its standard concept's domain; `domainHint` decides only for
 * unmapped codes.
 */
export interface ClinicalEvent extends EventBase {
  readonly kind: 'clinical';
  readonly personRef: string;
  readonly visitRef?: string;
  readonly concept: SourceConcept;
  readonly domainHint: DomainHint;
  readonly start: IsoDateTime;
  readonly end?: IsoDateTime;
  readonly value?: SourceValue;
  /** Drug route (FHIR dosage.route) or procedure / condition modifier. */
  readonly route?: SourceConcept;
  /** Drug quantity or days' supply where the source states them. */
  readonly quantity?: number;
  readonly daysSupply?: number;
  /** Condition status / observation category, kept as source value where OMOP has a field for it. */
  readonly status?: string;
}

/** An organisation or ward. Maps to `care_site`. */
export interface CareSiteEvent extends EventBase {
  readonly kind: 'careSite';
  readonly name?: string;
  readonly placeOfService?: SourceConcept;
}

/** A record the reader could not turn into an event. The loader keeps it in quarantine; nothing is dropped. */
export interface InvalidRecord {
  readonly kind: 'invalid';
  readonly resourceType?: string;
  readonly recordId?: string;
  readonly location: SourceLocation;
  /** The original record text (as much as could be read). */
  readonly raw: string;
  /** What is wrong, in words a data steward can act on ("Patient.birthDate 2199-01-01 lies in the future"). */
  readonly reason: string;
}

/** A record the reader recognised but that has no OMOP target (Claim, ExplanationOfBenefit, …): counted, not loaded. */
export interface SkippedRecord {
  readonly kind: 'skipped';
  readonly resourceType: string;
  readonly location: SourceLocation;
}

export type SourceEvent = PersonEvent | VisitEvent | VisitDetailEvent | ClinicalEvent | CareSiteEvent;
export type ReaderOutput = SourceEvent | InvalidRecord | SkippedRecord;
