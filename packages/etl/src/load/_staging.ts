import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import type {
  CareSiteEvent,
  ClinicalEvent,
  InvalidRecord,
  PersonEvent,
  ReaderOutput,
  SourceConcept,
  SourceEvent,
  VisitDetailEvent,
  VisitEvent,
} from '../source-event.ts';
import { RawSpool } from './_raw-spool.ts';

/**
 * The run's work database: a DuckDB file beside the raw spool, attached for the run and deleted after it.
 * Staging and the large intermediate tables live there rather than in TEMP tables, because DuckDB keeps
 * temporary tables uncompressed in memory (a million staged events took 450 MB and the run failed to pin
 * memory at a 600 MB limit), while a database file's tables are compressed and can be evicted.
 */
export const workCatalog = 'polder_work';

/** Which coded field of an event a staged coding belongs to. */
export const slot = {
  /** The event's own concept: clinical code, gender, visit class, visit detail type, place of service. */
  main: 0,
  value: 1,
  route: 2,
  unit: 3,
  race: 4,
  ethnicity: 5,
  dischargeTo: 6,
} as const;

const common = `seq INTEGER NOT NULL, source_id VARCHAR NOT NULL, record_id VARCHAR, resource_type VARCHAR NOT NULL,
  file_no INTEGER NOT NULL, line INTEGER, entry INTEGER, raw_offset BIGINT NOT NULL, raw_length INTEGER NOT NULL,
  content_hash BIGINT NOT NULL`;

/**
 * Staging tables in the run's work database, one per event kind. The stager fills them with DuckDB's
 * Appender; everything after that is set-based SQL. Codes and references repeat a lot (a million
 * Observations name a few hundred codes and a few thousand patients), so the stager numbers each distinct
 * code (`stg_code`) and reference (`stg_ref`) once and the event rows carry the numbers: the staging tables
 * are less than half the size, and the joins that resolve them run on integers.
 */
const stagingDdl: readonly string[] = [
  `CREATE OR REPLACE TABLE polder_work.stg_care_site (${common}, name VARCHAR)`,
  `CREATE OR REPLACE TABLE polder_work.stg_person (${common}, birth_at VARCHAR, death_at VARCHAR, care_site_ref INTEGER)`,
  `CREATE OR REPLACE TABLE polder_work.stg_visit (${common}, person_ref INTEGER, start_at VARCHAR, end_at VARCHAR,
    care_site_ref INTEGER, part_of_ref INTEGER)`,
  `CREATE OR REPLACE TABLE polder_work.stg_visit_detail (${common}, person_ref INTEGER, visit_ref INTEGER,
    start_at VARCHAR, end_at VARCHAR, care_site_ref INTEGER)`,
  `CREATE OR REPLACE TABLE polder_work.stg_clinical (${common}, person_ref INTEGER, visit_ref INTEGER,
    domain_hint VARCHAR, start_at VARCHAR, end_at VARCHAR, concept_text VARCHAR, value_number DOUBLE,
    value_text VARCHAR, value_operator VARCHAR, range_low DOUBLE, range_high DOUBLE, quantity DOUBLE,
    days_supply DOUBLE, status VARCHAR)`,
  `CREATE OR REPLACE TABLE polder_work.stg_coding (seq INTEGER NOT NULL, slot INTEGER NOT NULL, ord INTEGER NOT NULL,
    code_no INTEGER NOT NULL)`,
  `CREATE OR REPLACE TABLE polder_work.stg_invalid (seq INTEGER NOT NULL, resource_type VARCHAR, record_id VARCHAR,
    file_no INTEGER NOT NULL, line INTEGER, entry INTEGER, raw_offset BIGINT NOT NULL, raw_length INTEGER NOT NULL,
    content_hash BIGINT NOT NULL, reason VARCHAR NOT NULL)`,
  `CREATE OR REPLACE TABLE polder_work.stg_code (code_no INTEGER NOT NULL, system VARCHAR NOT NULL, code VARCHAR NOT NULL,
    display VARCHAR)`,
  `CREATE OR REPLACE TABLE polder_work.stg_ref (ref_no INTEGER NOT NULL, ref VARCHAR NOT NULL)`,
  `CREATE OR REPLACE TABLE polder_work.stg_file (file_no INTEGER NOT NULL, file VARCHAR NOT NULL)`,
];

/** Names of the staging tables, for clean-up. */
export const stagingTables = [
  'stg_care_site',
  'stg_person',
  'stg_visit',
  'stg_visit_detail',
  'stg_clinical',
  'stg_coding',
  'stg_invalid',
  'stg_code',
  'stg_ref',
  'stg_file',
] as const;

function text(appender: DuckDBAppender, value: string | undefined): void {
  if (value === undefined) appender.appendNull();
  else appender.appendVarchar(value);
}

function integer(appender: DuckDBAppender, value: number | undefined): void {
  if (value === undefined) appender.appendNull();
  else appender.appendInteger(value);
}

function double(appender: DuckDBAppender, value: number | undefined): void {
  if (value === undefined || !Number.isFinite(value)) appender.appendNull();
  else appender.appendDouble(value);
}

/** Counts kept while staging, for the report. */
export interface StagingCounts {
  records: number;
  events: number;
  invalid: number;
  readonly skipped: Map<string, number>;
}

/**
 * Appends reader output to the staging tables. Per record the JS work is: write the original text to the
 * raw spool (and hash it), and append a handful of values. Events of one record that share its text
 * (Observation components) share one spool entry.
 */
export class Stager {
  readonly counts: StagingCounts = { records: 0, events: 0, invalid: 0, skipped: new Map() };
  readonly #spool: RawSpool;
  readonly #files = new Map<string, number>();
  readonly #codes = new Map<string, Map<string, number>>();
  #codeCount = 0;
  // Grows with the distinct references (patients, encounters), not with the events: 30,000 entries for a
  // million FHIR resources of hospital B.
  readonly #refs = new Map<string, number>();
  #seq = 0;
  #lastRaw: string | undefined;
  #lastRecord: string | undefined;
  readonly #careSite: DuckDBAppender;
  readonly #person: DuckDBAppender;
  readonly #visit: DuckDBAppender;
  readonly #visitDetail: DuckDBAppender;
  readonly #clinical: DuckDBAppender;
  readonly #coding: DuckDBAppender;
  readonly #invalid: DuckDBAppender;
  readonly #code: DuckDBAppender;
  readonly #ref: DuckDBAppender;

  private constructor(spool: RawSpool, appenders: readonly DuckDBAppender[]) {
    this.#spool = spool;
    const [careSite, person, visit, visitDetail, clinical, coding, invalid, code, ref] = appenders;
    if (!careSite || !person || !visit || !visitDetail || !clinical || !coding || !invalid || !code || !ref) {
      throw new Error('Cannot stage: an appender is missing');
    }
    this.#code = code;
    this.#ref = ref;
    this.#careSite = careSite;
    this.#person = person;
    this.#visit = visit;
    this.#visitDetail = visitDetail;
    this.#clinical = clinical;
    this.#coding = coding;
    this.#invalid = invalid;
  }

  /** Creates the staging tables (replacing any left over) and their appenders. */
  static async create(connection: DuckDBConnection, spool: RawSpool): Promise<Stager> {
    for (const statement of stagingDdl) await connection.run(statement);
    const appenders: DuckDBAppender[] = [];
    for (const table of stagingTables.slice(0, 9)) {
      appenders.push(await connection.createAppender(table, 'main', workCatalog));
    }
    return new Stager(spool, appenders);
  }

  /** Stages one reader output. */
  add(item: ReaderOutput): void {
    switch (item.kind) {
      case 'skipped':
        this.counts.records++;
        this.counts.skipped.set(item.resourceType, (this.counts.skipped.get(item.resourceType) ?? 0) + 1);
        return;
      case 'invalid':
        this.counts.records++;
        this.counts.invalid++;
        this.#addInvalid(item);
        return;
      case 'person':
        this.#addPerson(item);
        return;
      case 'careSite':
        this.#addCareSite(item);
        return;
      case 'visit':
        this.#addVisit(item);
        return;
      case 'visitDetail':
        this.#addVisitDetail(item);
        return;
      case 'clinical':
        this.#addClinical(item);
        return;
    }
  }

  /** Flushes the appenders and writes the file table; the stager is done after this. */
  async finish(connection: DuckDBConnection): Promise<void> {
    for (const appender of [
      this.#careSite,
      this.#person,
      this.#visit,
      this.#visitDetail,
      this.#clinical,
      this.#coding,
      this.#invalid,
      this.#code,
      this.#ref,
    ]) {
      appender.flushSync();
      appender.closeSync();
    }
    const files = await connection.createAppender('stg_file', 'main', workCatalog);
    for (const [file, fileNo] of this.#files) {
      files.appendInteger(fileNo);
      files.appendVarchar(file);
      files.endRow();
    }
    files.flushSync();
    files.closeSync();
  }

  #fileNo(file: string): number {
    let fileNo = this.#files.get(file);
    if (fileNo === undefined) {
      fileNo = this.#files.size;
      this.#files.set(file, fileNo);
    }
    return fileNo;
  }

  #codeNo(system: string, code: string, display: string | undefined): number {
    let codes = this.#codes.get(system);
    if (codes === undefined) {
      codes = new Map();
      this.#codes.set(system, codes);
    }
    let codeNo = codes.get(code);
    if (codeNo === undefined) {
      codeNo = this.#codeCount++;
      codes.set(code, codeNo);
      const a = this.#code;
      a.appendInteger(codeNo);
      a.appendVarchar(system);
      a.appendVarchar(code);
      text(a, display);
      a.endRow();
    }
    return codeNo;
  }

  /** Appends a reference (as its number), or NULL. */
  #refNo(appender: DuckDBAppender, ref: string | undefined): void {
    if (ref === undefined) {
      appender.appendNull();
      return;
    }
    let refNo = this.#refs.get(ref);
    if (refNo === undefined) {
      refNo = this.#refs.size;
      this.#refs.set(ref, refNo);
      this.#ref.appendInteger(refNo);
      this.#ref.appendVarchar(ref);
      this.#ref.endRow();
    }
    appender.appendInteger(refNo);
  }

  /** Appends the columns every event has; returns the event's sequence number. */
  #common(appender: DuckDBAppender, event: SourceEvent): number {
    const seq = this.#seq++;
    this.counts.events++;
    if (event.recordId !== this.#lastRecord || event.raw !== this.#lastRaw) {
      this.counts.records++;
      this.#spool.write(event.raw);
      this.#lastRaw = event.raw;
      this.#lastRecord = event.recordId;
    }
    appender.appendInteger(seq);
    appender.appendVarchar(event.sourceId);
    text(appender, event.recordId === event.sourceId ? undefined : event.recordId);
    appender.appendVarchar(event.resourceType);
    appender.appendInteger(this.#fileNo(event.location.file));
    integer(appender, event.location.line);
    integer(appender, event.location.entry);
    appender.appendBigInt(BigInt(this.#spool.offset));
    appender.appendInteger(this.#spool.length);
    appender.appendBigInt(this.#spool.hash.readBigInt64LE(0));
    return seq;
  }

  #concept(seq: number, slotNo: number, concept: SourceConcept | undefined): void {
    if (concept === undefined) return;
    const codings = concept.codings;
    const coding = this.#coding;
    for (let ord = 0; ord < codings.length; ord++) {
      const c = codings[ord];
      if (c === undefined) continue;
      coding.appendInteger(seq);
      coding.appendInteger(slotNo);
      coding.appendInteger(ord);
      coding.appendInteger(this.#codeNo(c.system, c.code, c.display));
      coding.endRow();
    }
  }

  #addInvalid(item: InvalidRecord): void {
    const a = this.#invalid;
    this.#spool.write(item.raw);
    this.#lastRaw = undefined;
    this.#lastRecord = undefined;
    a.appendInteger(this.#seq++);
    text(a, item.resourceType);
    text(a, item.recordId);
    a.appendInteger(this.#fileNo(item.location.file));
    integer(a, item.location.line);
    integer(a, item.location.entry);
    a.appendBigInt(BigInt(this.#spool.offset));
    a.appendInteger(this.#spool.length);
    a.appendBigInt(this.#spool.hash.readBigInt64LE(0));
    a.appendVarchar(item.reason);
    a.endRow();
  }

  #addCareSite(event: CareSiteEvent): void {
    const a = this.#careSite;
    const seq = this.#common(a, event);
    text(a, event.name);
    a.endRow();
    this.#concept(seq, slot.main, event.placeOfService);
  }

  #addPerson(event: PersonEvent): void {
    const a = this.#person;
    const seq = this.#common(a, event);
    text(a, event.birthDate);
    text(a, event.deathDate);
    this.#refNo(a, event.careSiteRef);
    a.endRow();
    this.#concept(seq, slot.main, event.gender);
    this.#concept(seq, slot.race, event.race);
    this.#concept(seq, slot.ethnicity, event.ethnicity);
  }

  #addVisit(event: VisitEvent): void {
    const a = this.#visit;
    const seq = this.#common(a, event);
    this.#refNo(a, event.personRef);
    a.appendVarchar(event.start);
    text(a, event.end);
    this.#refNo(a, event.careSiteRef);
    this.#refNo(a, event.partOfRef);
    a.endRow();
    this.#concept(seq, slot.main, event.visitClass);
    this.#concept(seq, slot.dischargeTo, event.dischargeTo);
  }

  #addVisitDetail(event: VisitDetailEvent): void {
    const a = this.#visitDetail;
    const seq = this.#common(a, event);
    this.#refNo(a, event.personRef);
    this.#refNo(a, event.visitRef);
    a.appendVarchar(event.start);
    text(a, event.end);
    this.#refNo(a, event.careSiteRef);
    a.endRow();
    this.#concept(seq, slot.main, event.detailType);
  }

  #addClinical(event: ClinicalEvent): void {
    const a = this.#clinical;
    const seq = this.#common(a, event);
    this.#refNo(a, event.personRef);
    this.#refNo(a, event.visitRef);
    a.appendVarchar(event.domainHint);
    a.appendVarchar(event.start);
    text(a, event.end);
    text(a, event.concept.text);
    const value = event.value;
    if (value === undefined) {
      for (let i = 0; i < 5; i++) a.appendNull();
    } else {
      double(a, value.number);
      text(a, value.text ?? value.concept?.text);
      text(a, value.operator);
      double(a, value.rangeLow);
      double(a, value.rangeHigh);
    }
    double(a, event.quantity);
    double(a, event.daysSupply);
    text(a, event.status);
    a.endRow();
    this.#concept(seq, slot.main, event.concept);
    if (value !== undefined) {
      this.#concept(seq, slot.value, value.concept);
      if (value.unit !== undefined) this.#concept(seq, slot.unit, { codings: [value.unit] });
    }
    this.#concept(seq, slot.route, event.route);
  }
}
