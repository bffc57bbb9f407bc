/**
 * The mapping config of a CSV source: which file yields which kind of event, and which column is which
 * event field. A hospital that does not export FHIR ships its CSV files, this config (JSON, usually named
 * `mapping.json`) and one or more code mapping tables in OMOP `source_to_concept_map` layout.
 *
 * The field names under `columns` and `fixed` are the names of the event properties in
 * `../source-event.ts` (`personRef`, `start`, `concept`, …); the value of a clinical event is spread over
 * `valueNumber`, `valueText`, `valueNumberOrText`, `valueConcept`, `unit`, `operator`, `rangeLow` and
 * `rangeHigh`.
 *
 * @example
 * ```json
 * {
 *   "source": "hospital-c",
 *   "delimiter": ";",
 *   "encoding": "latin1",
 *   "dateFormats": ["dd-mm-yyyy HH:mm", "dd-mm-yyyy"],
 *   "decimalComma": true,
 *   "codeMaps": ["stcm.csv"],
 *   "files": [
 *     {
 *       "path": "patients.csv", "kind": "person", "resourceType": "Patient", "id": "patient_id",
 *       "columns": {
 *         "birthDate": "geboortedatum",
 *         "gender": { "column": "geslacht", "system": "hospital-c-gender" }
 *       }
 *     },
 *     {
 *       "path": "ed_visits.csv", "kind": "visit", "resourceType": "EdVisit", "id": "visit_id",
 *       "columns": { "personRef": "patient_id", "start": "aankomst", "end": "vertrek" },
 *       "fixed": { "visitClass": { "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "EMER" } }
 *     },
 *     {
 *       "path": "labs*.csv", "kind": "clinical", "resourceType": "Lab", "id": ["lab_id"],
 *       "columns": {
 *         "personRef": "patient_id", "visitRef": { "column": "visit_id", "refPrefix": "EdVisit" },
 *         "start": "afnamedatum",
 *         "concept": { "column": "labcode", "system": "hospital-c-lab", "display": "omschrijving" },
 *         "valueNumber": "uitslag",
 *         "unit": { "column": "eenheid", "system": "http://unitsofmeasure.org" }
 *       },
 *       "fixed": { "domainHint": "measurement" }
 *     }
 *   ]
 * }
 * ```
 */

/** The event kinds a CSV file can yield (one event per row). */
export type CsvEventKind = 'person' | 'visit' | 'visitDetail' | 'clinical' | 'careSite';

/** Text encodings a CSV file may have. `latin1` is ISO-8859-1; `windows-1252` is its Windows superset. */
export type CsvEncoding = 'utf-8' | 'latin1' | 'windows-1252';

/**
 * A date format: `"iso"` (ISO 8601 date or date-time, with or without offset: "2020-01-31",
 * "2020-01-31T12:00:00Z", "2020-01-31 12:00") or a pattern of the tokens `yyyy` (year), `mm` (month),
 * `dd` (day), `HH` (hour 00–23), `mm` after `HH` (minutes), `ss` (seconds) and literal separators:
 * `"dd-mm-yyyy"`, `"dd-mm-yyyy HH:mm"`, `"dd/mm/yyyy HH:mm:ss"`, `"yyyymmdd"`, `"yyyymmddHHmm"`, `"mm/dd/yyyy"`.
 * Day and month must have two digits; hours, minutes and seconds too. Date-times without an offset are
 * local times of the hospital and are emitted without offset ("2020-01-31T12:00:00"), as OMOP keeps them.
 */
export type DateFormat = string;

/** How a file is read: the settings a file may override from the top level of the config. */
export interface CsvFormatOptions {
  /** Field delimiter, one character. @default "," */
  readonly delimiter?: string;
  /** @default "utf-8" (a UTF-8 byte-order mark is ignored) */
  readonly encoding?: CsvEncoding;
  /** Date formats, tried in order; the first that fits the value's shape decides. @default ["iso"] */
  readonly dateFormats?: readonly DateFormat[];
  /** Numbers use a decimal comma ("3,14"); a decimal point is then rejected. @default false */
  readonly decimalComma?: boolean;
  /** Cell values that mean "no value", besides the empty cell (e.g. "NULL", "NA", "-"). @default [] */
  readonly nullValues?: readonly string[];
}

/**
 * A column with a date or date-time. The object form may override the file's date formats for this column,
 * and may take the time from a second column (`timeColumn`): the reader then parses "<date> <time>" (or the
 * date alone when the time cell is empty), so the formats must include that shape, e.g.
 * `{ "column": "datum", "timeColumn": "tijd", "dateFormats": ["dd-mm-yyyy HH:mm", "dd-mm-yyyy"] }`.
 */
export type DateColumn =
  | string
  | {
      readonly column: string;
      readonly dateFormats?: readonly DateFormat[];
      readonly timeColumn?: string;
    };

/**
 * A column holding the id of a record in another file (a person, visit or care site). The event gets the
 * referenced record's `sourceId`, i.e. `<refPrefix>/<value>`. `refPrefix` defaults to the `idPrefix` of the
 * only file of the referenced kind in this config; name it when there are several such files with
 * different prefixes, or none.
 */
export type RefColumn = string | { readonly column: string; readonly refPrefix: string };

/**
 * A coded column. `system` is a FHIR system URI ("http://loinc.org") or the name of a local code system
 * ("hospital-c-lab") that the code mapping tables name as `source_vocabulary_id`. Instead of `system`, a
 * file may hold the system per row in `systemColumn`; `systems` then translates its values to system
 * names ("SNOMED-CT" → "http://snomed.info/sct"); a value not in `systems` is used as it stands.
 */
export type CodedColumn =
  | {
      readonly column: string;
      readonly system: string;
      /** Column with the code's description, kept as the coding's display. */
      readonly display?: string;
    }
  | {
      readonly column: string;
      readonly systemColumn: string;
      readonly systems?: Readonly<Record<string, string>>;
      readonly display?: string;
    };

/** A concept from one or more columns (one coding each; empty cells give no coding). */
export type ConceptColumns = CodedColumn | readonly CodedColumn[];

/** A coding that every row of a file has. */
export interface FixedCoding {
  readonly system: string;
  readonly code: string;
  readonly display?: string;
}

/** One coding or several (all end in the same concept's codings). */
export type FixedConcept = FixedCoding | readonly FixedCoding[];

/** Domain of unmapped clinical codes (see `DomainHint` in source-event.ts). */
export type CsvDomainHint = 'condition' | 'measurement' | 'observation' | 'drug' | 'procedure' | 'device';

/** Columns of a file whose rows are patients. */
export interface PersonColumns {
  readonly birthDate?: DateColumn;
  readonly deathDate?: DateColumn;
  readonly gender?: ConceptColumns;
  readonly race?: ConceptColumns;
  readonly ethnicity?: ConceptColumns;
  readonly careSiteRef?: RefColumn;
}

/** Columns of a file whose rows are visits (encounters). */
export interface VisitColumns {
  readonly personRef?: RefColumn;
  readonly visitClass?: ConceptColumns;
  readonly start?: DateColumn;
  readonly end?: DateColumn;
  readonly careSiteRef?: RefColumn;
  readonly dischargeTo?: ConceptColumns;
  readonly partOfRef?: RefColumn;
}

/** Columns of a file whose rows are stays within a visit (ICU stays, ward transfers). */
export interface VisitDetailColumns {
  readonly personRef?: RefColumn;
  readonly visitRef?: RefColumn;
  readonly detailType?: ConceptColumns;
  readonly start?: DateColumn;
  readonly end?: DateColumn;
  readonly careSiteRef?: RefColumn;
}

/** Columns of a file whose rows are clinical facts (conditions, labs, drugs, procedures, …). */
export interface ClinicalColumns {
  readonly personRef?: RefColumn;
  readonly visitRef?: RefColumn;
  readonly concept?: ConceptColumns;
  /** A column whose values are domain hints ("measurement", "drug", …); usually `fixed.domainHint` instead. */
  readonly domainHint?: string;
  readonly start?: DateColumn;
  readonly end?: DateColumn;
  /**
   * A numeric value; a non-numeric cell makes the row invalid. A leading comparator ("<5", ">= 10") is
   * kept as the value's operator.
   */
  readonly valueNumber?: string;
  /** A free-text value. */
  readonly valueText?: string;
  /**
   * A value that is a number where it parses as one (a leading comparator allowed, as in `valueNumber`) and
   * text otherwise (Synthea's observations.csv).
   */
  readonly valueNumberOrText?: string;
  readonly valueConcept?: ConceptColumns;
  readonly unit?: CodedColumn;
  /** Comparator column ("<", "<=", ">=", ">"). */
  readonly operator?: string;
  readonly rangeLow?: string;
  readonly rangeHigh?: string;
  readonly route?: ConceptColumns;
  readonly quantity?: string;
  readonly daysSupply?: string;
  readonly status?: string;
}

/** Columns of a file whose rows are organisations or wards. */
export interface CareSiteColumns {
  readonly name?: string;
  readonly placeOfService?: ConceptColumns;
}

/** Values that every row of a file has (a field is either in `columns` or in `fixed`, not both). */
export interface FixedValues {
  readonly domainHint?: CsvDomainHint;
  readonly status?: string;
  readonly name?: string;
  /** The full `sourceId` of a care site ("Ward/icu-1"). */
  readonly careSiteRef?: string;
  readonly gender?: FixedConcept;
  readonly race?: FixedConcept;
  readonly ethnicity?: FixedConcept;
  readonly visitClass?: FixedConcept;
  readonly dischargeTo?: FixedConcept;
  readonly detailType?: FixedConcept;
  readonly concept?: FixedConcept;
  readonly valueConcept?: FixedConcept;
  readonly route?: FixedConcept;
  readonly placeOfService?: FixedConcept;
  readonly unit?: FixedCoding;
}

/** Rows to count as skipped (not loaded, not invalid): those whose `column` holds one of `values`. */
export interface SkipRule {
  readonly column: string;
  readonly values: readonly string[];
}

interface CsvFileMappingBase extends CsvFormatOptions {
  /**
   * Path of the file relative to the config, or a pattern whose last segment has `*` / `?` wildcards
   * ("labs*.csv"); matching files are read in name order.
   */
  readonly path: string;
  /** Label for counts and quarantine ("Lab", "conditions.csv"); events carry it as `resourceType`. */
  readonly resourceType: string;
  /**
   * Column(s) whose values form the record's id. Several columns are joined with "|" (a "|" or "%" inside a
   * value is percent-encoded). The event's `sourceId` is `<idPrefix>/<id>`.
   */
  readonly id: string | readonly string[];
  /**
   * Prefix of the `sourceId`, so that ids from different files cannot collide; files whose ids share one
   * namespace (two visit files of the same system) may share a prefix. @default the `resourceType`
   */
  readonly idPrefix?: string;
  /** Column names, for a file without a header row. @default the file's first row is its header */
  readonly columnNames?: readonly string[];
  readonly skip?: readonly SkipRule[];
  readonly fixed?: FixedValues;
}

export interface PersonFileMapping extends CsvFileMappingBase {
  readonly kind: 'person';
  readonly columns: PersonColumns;
}
export interface VisitFileMapping extends CsvFileMappingBase {
  readonly kind: 'visit';
  readonly columns: VisitColumns;
}
export interface VisitDetailFileMapping extends CsvFileMappingBase {
  readonly kind: 'visitDetail';
  readonly columns: VisitDetailColumns;
}
export interface ClinicalFileMapping extends CsvFileMappingBase {
  readonly kind: 'clinical';
  readonly columns: ClinicalColumns;
}
export interface CareSiteFileMapping extends CsvFileMappingBase {
  readonly kind: 'careSite';
  readonly columns: CareSiteColumns;
}

/** How one file (or one glob of files) becomes events. */
export type CsvFileMapping =
  PersonFileMapping | VisitFileMapping | VisitDetailFileMapping | ClinicalFileMapping | CareSiteFileMapping;

/** The whole mapping config of a CSV source. The top-level format options apply to every file that does not override them. */
export interface CsvMappingConfig extends CsvFormatOptions {
  /** Name of the source system ("hospital-c"); part of the loader's idempotency key. */
  readonly source: string;
  /**
   * Directory the files' paths are relative to, itself relative to the config (an export folder kept apart
   * from the config). `readCsvSource`'s `dataDir` option overrides it. @default the config's directory
   */
  readonly dataDir?: string;
  /** Code mapping tables (OMOP `source_to_concept_map` CSV layout), paths relative to the config. */
  readonly codeMaps?: readonly string[];
  readonly files: readonly CsvFileMapping[];
}

export {
  isCsvMappingConfig,
  parseCsvMappingConfig,
  readCsvMappingConfig,
  CsvMappingConfigError,
} from './_validate-config.ts';
