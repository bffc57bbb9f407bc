/**
 * Turns one parsed FHIR resource into reader outputs. This is the only place that knows which resource
 * types become which events; the per-type clinical mappings live in `_map-clinical.ts` and
 * `_map-medication.ts`.
 */
import type {
  CareSiteEvent,
  PersonEvent,
  ReaderOutput,
  SourceConcept,
  SourceCoding,
  SourceLocation,
  VisitDetailEvent,
  VisitEvent,
} from '../source-event.ts';
import { checkDate } from './_dates.ts';
import {
  FhirValidationError,
  firstConcept,
  isJsonObject,
  optArray,
  optConcept,
  optObject,
  optString,
  readCoding,
  readConcept,
  type JsonObject,
  type Writable,
} from './_fhir-json.ts';
import {
  NOT_HAPPENED_STATUS,
  optRef,
  pushInvalid,
  pushSkipped,
  readPeriod,
  requirePatientRef,
  type RecordInput,
} from './_map-common.ts';
import {
  mapAllergyIntolerance,
  mapCondition,
  mapDiagnosticReport,
  mapImmunization,
  mapObservation,
  mapProcedure,
} from './_map-clinical.ts';
import { mapMedicationUse, registerMedication } from './_map-medication.ts';
import { DEFER_RECORD, type ReaderContext } from './_reader-context.ts';

/** Resource types that are recognised but have no OMOP target here, with the reason given to stewards. */
const NO_TARGET_REASON = 'has no OMOP target in Polder; it is counted, not loaded';

/**
 * Maps one resource and appends its outputs to `out`. `fallbackId` is the id to use when the resource has
 * none (a Bundle entry identified only by its urn:uuid fullUrl). Never throws for bad input: a bad record
 * becomes an InvalidRecord.
 */
export function mapResource(
  resource: unknown,
  raw: string,
  location: SourceLocation,
  ctx: ReaderContext,
  out: ReaderOutput[],
  fallbackId?: string,
): void {
  if (!isJsonObject(resource)) {
    pushInvalid(out, raw, location, 'The record is not a JSON object, so it cannot be a FHIR resource');
    return;
  }
  const resourceType = resource['resourceType'];
  if (typeof resourceType !== 'string' || resourceType === '') {
    pushInvalid(out, raw, location, 'The record has no resourceType, so it is not a FHIR resource');
    return;
  }
  let id = resource['id'];
  if (id === undefined || id === '') id = fallbackId;
  if (typeof id !== 'string' || id === '') {
    const why = id === undefined ? 'has no id' : `has an id that is not a string (${typeof id})`;
    pushInvalid(
      out,
      raw,
      location,
      `${resourceType} ${why}; without one the record cannot be loaded or updated later`,
      resourceType,
    );
    return;
  }
  const input: RecordInput = { resource, resourceType, sourceId: `${resourceType}/${id}`, raw, location };
  try {
    dispatch(input, ctx, out);
  } catch (err) {
    if (err === DEFER_RECORD) {
      ctx.pending.push({ resource, raw, location, id });
      return;
    }
    const reason =
      err instanceof FhirValidationError
        ? err.message
        : `Cannot map ${input.sourceId}: ${err instanceof Error ? err.message : String(err)}`;
    pushInvalid(out, raw, location, reason, resourceType, input.sourceId);
  }
}

function dispatch(input: RecordInput, ctx: ReaderContext, out: ReaderOutput[]): void {
  const r = input.resource;
  const type = input.resourceType;
  const notHappened = NOT_HAPPENED_STATUS[type];
  if (notHappened !== undefined) {
    const status = optString(r, 'status', `${type}.status`);
    if (status !== undefined && notHappened.includes(status)) {
      pushSkipped(out, input, `${type}.status is ${status}: it did not happen, so it is not loaded`);
      return;
    }
  } else if (r['status'] === 'entered-in-error') {
    pushSkipped(out, input, `${type}.status is entered-in-error`);
    return;
  }
  switch (type) {
    case 'Patient':
      mapPatient(input, ctx, out);
      return;
    case 'Encounter':
      mapEncounter(input, ctx, out);
      return;
    case 'Organization':
      mapOrganization(input, ctx, out);
      return;
    case 'Condition':
      mapCondition(input, ctx, out);
      return;
    case 'Observation':
      mapObservation(input, ctx, out);
      return;
    case 'DiagnosticReport':
      mapDiagnosticReport(input, ctx, out);
      return;
    case 'Procedure':
      mapProcedure(input, ctx, out);
      return;
    case 'Immunization':
      mapImmunization(input, ctx, out);
      return;
    case 'AllergyIntolerance':
      mapAllergyIntolerance(input, ctx, out);
      return;
    case 'MedicationRequest':
    case 'MedicationAdministration':
    case 'MedicationStatement':
      mapMedicationUse(input, ctx, out);
      return;
    case 'Medication':
      registerMedication(input, ctx);
      pushSkipped(
        out,
        input,
        'Medication is loaded through the MedicationRequest/Administration/Statement that refers to it',
      );
      return;
    default:
      pushSkipped(out, input, `${type} ${NO_TARGET_REASON}`);
  }
}

const GENDER_SYSTEM = 'http://hl7.org/fhir/administrative-gender';
const US_CORE_RACE = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race';
const US_CORE_ETHNICITY = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity';

function mapPatient(input: RecordInput, ctx: ReaderContext, out: ReaderOutput[]): void {
  const r = input.resource;
  const birthDate = optString(r, 'birthDate', 'Patient.birthDate');
  if (birthDate === undefined) {
    throw new FhirValidationError('Patient.birthDate is missing: OMOP person.year_of_birth is required');
  }
  const birthMs = checkDate(birthDate, 'Patient.birthDate', ctx.bounds);
  const event: Writable<PersonEvent> = {
    kind: 'person',
    sourceId: input.sourceId,
    resourceType: 'Patient',
    recordId: input.sourceId,
    location: input.location,
    raw: input.raw,
    birthDate,
  };
  const gender = optString(r, 'gender', 'Patient.gender');
  if (gender !== undefined) event.gender = { codings: [{ system: GENDER_SYSTEM, code: gender }] };
  const deceased = optString(r, 'deceasedDateTime', 'Patient.deceasedDateTime');
  if (deceased !== undefined) {
    const deathMs = checkDate(deceased, 'Patient.deceasedDateTime', ctx.bounds);
    if (deathMs < birthMs && deceased.slice(0, 10) < birthDate.slice(0, 10)) {
      throw new FhirValidationError(
        `Patient.deceasedDateTime ${deceased} lies before Patient.birthDate ${birthDate}`,
      );
    }
    event.deathDate = deceased;
  }
  // deceasedBoolean true carries no date; OMOP death needs one, so it is kept only in raw.
  const extensions = optArray(r, 'extension', 'Patient.extension');
  if (extensions !== undefined) {
    for (let i = 0; i < extensions.length; i++) {
      const ext = extensions[i];
      if (!isJsonObject(ext)) continue;
      const url = ext['url'];
      if (url === US_CORE_RACE) {
        const race = readOmbExtension(ext, `Patient.extension[${i}]`);
        if (race !== undefined) event.race = race;
      } else if (url === US_CORE_ETHNICITY) {
        const ethnicity = readOmbExtension(ext, `Patient.extension[${i}]`);
        if (ethnicity !== undefined) event.ethnicity = ethnicity;
      }
    }
  }
  const careSite = optRef(r, 'managingOrganization', 'Patient.managingOrganization', 'Organization', ctx);
  if (careSite !== undefined) event.careSiteRef = careSite;
  out.push(event);
}

/** US Core race / ethnicity: ombCategory and detailed codings, plus the text sub-extension. */
function readOmbExtension(ext: JsonObject, path: string): SourceConcept | undefined {
  const parts = optArray(ext, 'extension', `${path}.extension`);
  if (parts === undefined) return undefined;
  const codings: SourceCoding[] = [];
  let text: string | undefined;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (!isJsonObject(part)) continue;
    const url = part['url'];
    if (url === 'ombCategory' || url === 'detailed') {
      const coding = part['valueCoding'];
      if (coding !== undefined) {
        const c = readCoding(coding, `${path}.extension[${i}].valueCoding`);
        if (c !== undefined) codings.push(c);
      }
    } else if (url === 'text') {
      text = optString(part, 'valueString', `${path}.extension[${i}].valueString`);
    }
  }
  if (codings.length === 0 && text === undefined) return undefined;
  return text === undefined ? { codings } : { codings, text };
}

function mapEncounter(input: RecordInput, ctx: ReaderContext, out: ReaderOutput[]): void {
  const r = input.resource;
  const personRef = requirePatientRef(r, 'subject', 'Encounter.subject', ctx);
  const period = optObject(r, 'period', 'Encounter.period');
  const timing = period === undefined ? undefined : readPeriod(period, 'Encounter.period', ctx);
  if (timing === undefined) {
    throw new FhirValidationError('Encounter.period.start is missing: a visit needs a start date');
  }
  const visitClass = readEncounterClass(r);
  const careSiteRef = optRef(r, 'serviceProvider', 'Encounter.serviceProvider', 'Organization', ctx);
  const parentRef = optRef(r, 'partOf', 'Encounter.partOf', 'Encounter', ctx);
  if (parentRef !== undefined) {
    const detail: Writable<VisitDetailEvent> = {
      kind: 'visitDetail',
      sourceId: input.sourceId,
      resourceType: 'Encounter',
      recordId: input.sourceId,
      location: input.location,
      raw: input.raw,
      personRef,
      visitRef: parentRef,
      detailType: visitClass,
      start: timing.start,
    };
    if (timing.end !== undefined) detail.end = timing.end;
    if (careSiteRef !== undefined) detail.careSiteRef = careSiteRef;
    out.push(detail);
    return;
  }
  const visit: Writable<VisitEvent> = {
    kind: 'visit',
    sourceId: input.sourceId,
    resourceType: 'Encounter',
    recordId: input.sourceId,
    location: input.location,
    raw: input.raw,
    personRef,
    visitClass,
    start: timing.start,
  };
  if (timing.end !== undefined) visit.end = timing.end;
  if (careSiteRef !== undefined) visit.careSiteRef = careSiteRef;
  const hospitalization = optObject(r, 'hospitalization', 'Encounter.hospitalization');
  if (hospitalization !== undefined) {
    const dischargeTo = optConcept(
      hospitalization,
      'dischargeDisposition',
      'Encounter.hospitalization.dischargeDisposition',
    );
    if (dischargeTo !== undefined) visit.dischargeTo = dischargeTo;
  }
  out.push(visit);
}

/**
 * Encounter.class (an R4 Coding; R5 made it a list of CodeableConcepts) first, then the codings of
 * Encounter.type: the loader picks the first that maps, and the class is what decides the visit concept.
 */
function readEncounterClass(r: JsonObject): SourceConcept {
  const codings: SourceCoding[] = [];
  let text: string | undefined;
  const cls = r['class'];
  if (Array.isArray(cls)) {
    for (let i = 0; i < cls.length; i++) {
      const concept = readConcept(cls[i], `Encounter.class[${i}]`);
      if (concept !== undefined) codings.push(...concept.codings);
    }
  } else if (cls !== undefined) {
    const coding = readCoding(cls, 'Encounter.class');
    if (coding !== undefined) codings.push(coding);
  }
  const types = optArray(r, 'type', 'Encounter.type');
  if (types !== undefined) {
    for (let i = 0; i < types.length; i++) {
      const concept = readConcept(types[i], `Encounter.type[${i}]`);
      if (concept === undefined) continue;
      codings.push(...concept.codings);
      if (text === undefined && concept.text !== undefined) text = concept.text;
    }
  }
  if (codings.length === 0 && text === undefined) {
    throw new FhirValidationError(
      'Encounter.class and Encounter.type are both missing: the kind of visit is unknown',
    );
  }
  return text === undefined ? { codings } : { codings, text };
}

function mapOrganization(input: RecordInput, ctx: ReaderContext, out: ReaderOutput[]): void {
  const r = input.resource;
  const event: Writable<CareSiteEvent> = {
    kind: 'careSite',
    sourceId: input.sourceId,
    resourceType: 'Organization',
    recordId: input.sourceId,
    location: input.location,
    raw: input.raw,
  };
  const name = optString(r, 'name', 'Organization.name');
  if (name !== undefined) event.name = name;
  const type = firstConcept(r, 'type', 'Organization.type');
  if (type !== undefined) event.placeOfService = type;
  registerIdentifiers(r, 'Organization', input.sourceId, ctx);
  out.push(event);
}

/** Lets conditional references ("Organization?identifier=system|value") find this resource. */
function registerIdentifiers(r: JsonObject, type: string, sourceId: string, ctx: ReaderContext): void {
  const identifiers = r['identifier'];
  if (!Array.isArray(identifiers)) return;
  for (const identifier of identifiers) {
    if (!isJsonObject(identifier)) continue;
    const value = identifier['value'];
    if (typeof value !== 'string') continue;
    const system = identifier['system'];
    if (typeof system === 'string') ctx.identifiers.set(`${type}?identifier=${system}|${value}`, sourceId);
    ctx.identifiers.set(`${type}?identifier=${value}`, sourceId);
  }
}
