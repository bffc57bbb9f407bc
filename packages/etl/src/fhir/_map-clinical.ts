/**
 * Clinical resources → ClinicalEvents: Condition, Observation (with components), DiagnosticReport
 * (contained Observations and conclusion codes only), Procedure, Immunization, AllergyIntolerance.
 * Every mapper validates the whole record before it appends anything, so a record ends either as events
 * or as one InvalidRecord, never as a mix.
 */
import type { ClinicalEvent, DomainHint, ReaderOutput, SourceConcept, SourceValue } from '../source-event.ts';
import { checkDate } from './_dates.ts';
import {
  FhirValidationError,
  describeValue,
  firstCode,
  firstObject,
  isJsonObject,
  optArray,
  optBoolean,
  optConcept,
  optNumber,
  optObject,
  optString,
  readConcept,
  requireConcept,
  type JsonObject,
  type Writable,
} from './_fhir-json.ts';
import {
  optRef,
  pushSkipped,
  readTiming,
  requirePatientRef,
  type RecordInput,
  type Timing,
} from './_map-common.ts';
import type { ReaderContext } from './_reader-context.ts';

/** Builds a ClinicalEvent with the fields every clinical mapping sets. */
export function newClinicalEvent(
  input: RecordInput,
  sourceId: string,
  personRef: string,
  concept: SourceConcept,
  domainHint: DomainHint,
  timing: Timing,
): Writable<ClinicalEvent> {
  const event: Writable<ClinicalEvent> = {
    kind: 'clinical',
    sourceId,
    resourceType: input.resourceType,
    recordId: input.sourceId,
    location: input.location,
    raw: input.raw,
    personRef,
    concept,
    domainHint,
    start: timing.start,
  };
  if (timing.end !== undefined) event.end = timing.end;
  return event;
}

/** Onset[x] with recordedDate as fallback (Condition, AllergyIntolerance). */
function readOnset(r: JsonObject, type: string, ctx: ReaderContext): Timing {
  const onset = readTiming(r, type, 'onsetDateTime', 'onsetPeriod', ctx);
  if (onset !== undefined) return onset;
  const recorded = optString(r, 'recordedDate', `${type}.recordedDate`);
  if (recorded !== undefined) {
    checkDate(recorded, `${type}.recordedDate`, ctx.bounds);
    return { start: recorded };
  }
  throw new FhirValidationError(
    `${type} has no date: neither onsetDateTime, onsetPeriod.start nor recordedDate is given` +
      (r['onsetAge'] !== undefined || r['onsetString'] !== undefined
        ? ' (onsetAge/onsetString cannot be dated)'
        : ''),
  );
}

export function mapCondition(input: RecordInput, ctx: ReaderContext, out: ReaderOutput[]): void {
  const r = input.resource;
  const verification = firstCode(r, 'verificationStatus', 'Condition.verificationStatus');
  if (verification === 'refuted' || verification === 'entered-in-error') {
    pushSkipped(out, input, `Condition.verificationStatus is ${verification}: the condition is not present`);
    return;
  }
  const concept = requireConcept(r, 'code', 'Condition.code');
  const personRef = requirePatientRef(r, 'subject', 'Condition.subject', ctx);
  const onset = readOnset(r, 'Condition', ctx);
  const event = newClinicalEvent(input, input.sourceId, personRef, concept, 'condition', onset);
  const abatement = readTiming(r, 'Condition', 'abatementDateTime', 'abatementPeriod', ctx);
  if (abatement !== undefined) {
    const end = abatement.end ?? abatement.start;
    if (end.slice(0, 10) < onset.start.slice(0, 10)) {
      throw new FhirValidationError(`Condition abatement ${end} lies before its onset ${onset.start}`);
    }
    event.end = end;
  }
  const clinicalStatus = firstCode(r, 'clinicalStatus', 'Condition.clinicalStatus');
  if (clinicalStatus !== undefined) event.status = clinicalStatus;
  const visitRef = optRef(r, 'encounter', 'Condition.encounter', 'Encounter', ctx);
  if (visitRef !== undefined) event.visitRef = visitRef;
  out.push(event);
}

/** What a contained Observation inherits from its DiagnosticReport when it does not say itself. */
interface ObservationDefaults {
  readonly personRef: string;
  readonly visitRef: string | undefined;
  readonly timing: Timing;
}

export function mapObservation(input: RecordInput, ctx: ReaderContext, out: ReaderOutput[]): void {
  mapObservationResource(input.resource, input, input.sourceId, 'Observation', undefined, ctx, out);
}

/**
 * One Observation → its own event (when it has a value, or has no components) plus one event per
 * component ("…#component-N", N 0-based as in FHIRPath).
 */
function mapObservationResource(
  r: JsonObject,
  input: RecordInput,
  sourceId: string,
  path: string,
  defaults: ObservationDefaults | undefined,
  ctx: ReaderContext,
  out: ReaderOutput[],
): void {
  const concept = requireConcept(r, 'code', `${path}.code`);
  const personRef =
    defaults !== undefined && r['subject'] === undefined
      ? defaults.personRef
      : requirePatientRef(r, 'subject', `${path}.subject`, ctx);
  let timing = readTiming(r, path, 'effectiveDateTime', 'effectivePeriod', ctx);
  if (timing === undefined) {
    const instant = optString(r, 'effectiveInstant', `${path}.effectiveInstant`);
    if (instant !== undefined) {
      checkDate(instant, `${path}.effectiveInstant`, ctx.bounds);
      timing = { start: instant };
    } else if (defaults !== undefined) {
      timing = defaults.timing;
    } else {
      throw new FhirValidationError(
        `${path} has no effective time (effectiveDateTime, effectivePeriod.start or effectiveInstant)`,
      );
    }
  }
  const visitRef = optRef(r, 'encounter', `${path}.encounter`, 'Encounter', ctx) ?? defaults?.visitRef;
  const { category, isMeasurement } = readCategory(r, path);
  const components = optArray(r, 'component', `${path}.component`);
  const hasComponents = components !== undefined && components.length > 0;
  const value = readValue(r, path);
  const events: ClinicalEvent[] = [];
  if (value !== undefined || !hasComponents) {
    events.push(
      observationEvent(input, sourceId, personRef, concept, timing, value, isMeasurement, category, visitRef),
    );
  }
  if (hasComponents) {
    for (let i = 0; i < components.length; i++) {
      const component = components[i];
      const componentPath = `${path}.component[${i}]`;
      if (!isJsonObject(component)) {
        throw new FhirValidationError(`${componentPath} must be an object, got ${describeValue(component)}`);
      }
      const componentConcept = requireConcept(component, 'code', `${componentPath}.code`);
      const componentValue = readValue(component, componentPath);
      events.push(
        observationEvent(
          input,
          `${sourceId}#component-${i}`,
          personRef,
          componentConcept,
          timing,
          componentValue,
          isMeasurement,
          category,
          visitRef,
        ),
      );
    }
  }
  for (const event of events) out.push(event);
}

function observationEvent(
  input: RecordInput,
  sourceId: string,
  personRef: string,
  concept: SourceConcept,
  timing: Timing,
  value: SourceValue | undefined,
  isMeasurementCategory: boolean,
  category: string | undefined,
  visitRef: string | undefined,
): ClinicalEvent {
  const domainHint: DomainHint =
    isMeasurementCategory && value?.number !== undefined ? 'measurement' : 'observation';
  const event = newClinicalEvent(input, sourceId, personRef, concept, domainHint, timing);
  if (value !== undefined) event.value = value;
  if (category !== undefined) event.status = category;
  if (visitRef !== undefined) event.visitRef = visitRef;
  return event;
}

/** The first category code, and whether any category is laboratory or vital-signs. */
function readCategory(r: JsonObject, path: string): { category: string | undefined; isMeasurement: boolean } {
  const categories = optArray(r, 'category', `${path}.category`);
  let category: string | undefined;
  let isMeasurement = false;
  if (categories !== undefined) {
    for (let i = 0; i < categories.length; i++) {
      const concept = readConcept(categories[i], `${path}.category[${i}]`);
      if (concept === undefined) continue;
      for (const coding of concept.codings) {
        category ??= coding.code;
        if (coding.code === 'laboratory' || coding.code === 'vital-signs') isMeasurement = true;
      }
    }
  }
  return { category, isMeasurement };
}

/**
 * value[x] of an Observation or component, with its first referenceRange. Quantity, CodeableConcept,
 * string, boolean, integer, dateTime and time are kept; Range, Ratio, SampledData, Period and Attachment
 * values stay in `raw` only.
 */
function readValue(o: JsonObject, path: string): SourceValue | undefined {
  const value: Writable<SourceValue> = {};
  let has = false;
  const quantity = optObject(o, 'valueQuantity', `${path}.valueQuantity`);
  if (quantity !== undefined) {
    const number = optNumber(quantity, 'value', `${path}.valueQuantity.value`);
    if (number !== undefined) {
      value.number = number;
      has = true;
    }
    const code = optString(quantity, 'code', `${path}.valueQuantity.code`);
    const unit = optString(quantity, 'unit', `${path}.valueQuantity.unit`);
    const system = optString(quantity, 'system', `${path}.valueQuantity.system`);
    if (code !== undefined || unit !== undefined) {
      value.unit =
        unit === undefined
          ? { system: system ?? '', code: code ?? '' }
          : { system: system ?? '', code: code ?? unit, display: unit };
      has = true;
    }
    const comparator = optString(quantity, 'comparator', `${path}.valueQuantity.comparator`);
    if (comparator !== undefined) value.operator = comparator;
  } else {
    const concept = optConcept(o, 'valueCodeableConcept', `${path}.valueCodeableConcept`);
    if (concept !== undefined) {
      value.concept = concept;
      has = true;
    } else {
      const text = optString(o, 'valueString', `${path}.valueString`);
      if (text !== undefined) {
        value.text = text;
        has = true;
      } else {
        has = readScalarValue(o, path, value);
      }
    }
  }
  if (!has) return undefined;
  const range = firstObject(o, 'referenceRange', `${path}.referenceRange`);
  if (range !== undefined) {
    const low = optObject(range, 'low', `${path}.referenceRange[0].low`);
    const high = optObject(range, 'high', `${path}.referenceRange[0].high`);
    const lowValue =
      low === undefined ? undefined : optNumber(low, 'value', `${path}.referenceRange[0].low.value`);
    const highValue =
      high === undefined ? undefined : optNumber(high, 'value', `${path}.referenceRange[0].high.value`);
    if (lowValue !== undefined) value.rangeLow = lowValue;
    if (highValue !== undefined) value.rangeHigh = highValue;
  }
  return value;
}

function readScalarValue(o: JsonObject, path: string, value: Writable<SourceValue>): boolean {
  const integer = optNumber(o, 'valueInteger', `${path}.valueInteger`);
  if (integer !== undefined) {
    if (!Number.isInteger(integer)) {
      throw new FhirValidationError(`${path}.valueInteger must be an integer, got ${integer}`);
    }
    value.number = integer;
    return true;
  }
  const bool = optBoolean(o, 'valueBoolean', `${path}.valueBoolean`);
  if (bool !== undefined) {
    value.text = bool ? 'true' : 'false';
    return true;
  }
  const text =
    optString(o, 'valueDateTime', `${path}.valueDateTime`) ?? optString(o, 'valueTime', `${path}.valueTime`);
  if (text !== undefined) {
    value.text = text;
    return true;
  }
  return false;
}

/**
 * A DiagnosticReport yields events only for what it carries itself: contained Observations
 * ("DiagnosticReport/id#<contained id>") and conclusion codes ("DiagnosticReport/id#conclusion-N", domain
 * observation). Its `result` references point to Observation resources that are read on their own, so a
 * report with nothing inline is skipped.
 */
export function mapDiagnosticReport(input: RecordInput, ctx: ReaderContext, out: ReaderOutput[]): void {
  const r = input.resource;
  const contained = optArray(r, 'contained', 'DiagnosticReport.contained');
  const conclusions = optArray(r, 'conclusionCode', 'DiagnosticReport.conclusionCode');
  const observations: { resource: JsonObject; index: number }[] = [];
  if (contained !== undefined) {
    for (let i = 0; i < contained.length; i++) {
      const c = contained[i];
      if (isJsonObject(c) && c['resourceType'] === 'Observation')
        observations.push({ resource: c, index: i });
    }
  }
  if (observations.length === 0 && (conclusions === undefined || conclusions.length === 0)) {
    pushSkipped(
      out,
      input,
      'DiagnosticReport carries no contained Observations or conclusion codes; its results are loaded from the Observations it refers to',
    );
    return;
  }
  const personRef = requirePatientRef(r, 'subject', 'DiagnosticReport.subject', ctx);
  let timing = readTiming(r, 'DiagnosticReport', 'effectiveDateTime', 'effectivePeriod', ctx);
  if (timing === undefined) {
    const issued = optString(r, 'issued', 'DiagnosticReport.issued');
    if (issued === undefined) {
      throw new FhirValidationError(
        'DiagnosticReport has no effective time (effectiveDateTime, effectivePeriod.start or issued)',
      );
    }
    checkDate(issued, 'DiagnosticReport.issued', ctx.bounds);
    timing = { start: issued };
  }
  const visitRef = optRef(r, 'encounter', 'DiagnosticReport.encounter', 'Encounter', ctx);
  const defaults: ObservationDefaults = { personRef, visitRef, timing };
  const events: ReaderOutput[] = [];
  for (const { resource, index } of observations) {
    const id = typeof resource['id'] === 'string' ? resource['id'] : `contained-${index}`;
    mapObservationResource(
      resource,
      input,
      `${input.sourceId}#${id}`,
      `DiagnosticReport.contained[${index}]`,
      defaults,
      ctx,
      events,
    );
  }
  if (conclusions !== undefined) {
    for (let i = 0; i < conclusions.length; i++) {
      const concept = readConcept(conclusions[i], `DiagnosticReport.conclusionCode[${i}]`);
      if (concept === undefined) continue;
      const event = newClinicalEvent(
        input,
        `${input.sourceId}#conclusion-${i}`,
        personRef,
        concept,
        'observation',
        timing,
      );
      if (visitRef !== undefined) event.visitRef = visitRef;
      events.push(event);
    }
  }
  for (const event of events) out.push(event);
}

export function mapProcedure(input: RecordInput, ctx: ReaderContext, out: ReaderOutput[]): void {
  const r = input.resource;
  const concept = requireConcept(r, 'code', 'Procedure.code');
  const personRef = requirePatientRef(r, 'subject', 'Procedure.subject', ctx);
  const timing = readTiming(r, 'Procedure', 'performedDateTime', 'performedPeriod', ctx);
  if (timing === undefined) {
    throw new FhirValidationError(
      'Procedure has no date: neither performedDateTime nor performedPeriod.start is given',
    );
  }
  const event = newClinicalEvent(input, input.sourceId, personRef, concept, 'procedure', timing);
  const visitRef = optRef(r, 'encounter', 'Procedure.encounter', 'Encounter', ctx);
  if (visitRef !== undefined) event.visitRef = visitRef;
  out.push(event);
}

export function mapImmunization(input: RecordInput, ctx: ReaderContext, out: ReaderOutput[]): void {
  const r = input.resource;
  const concept = requireConcept(r, 'vaccineCode', 'Immunization.vaccineCode');
  const personRef = requirePatientRef(r, 'patient', 'Immunization.patient', ctx);
  const timing = readTiming(r, 'Immunization', 'occurrenceDateTime', undefined, ctx);
  if (timing === undefined) {
    const text = optString(r, 'occurrenceString', 'Immunization.occurrenceString');
    throw new FhirValidationError(
      text === undefined
        ? 'Immunization.occurrenceDateTime is missing: the event needs a date'
        : `Immunization.occurrenceString ${JSON.stringify(text)} is not a date: the event needs occurrenceDateTime`,
    );
  }
  const event = newClinicalEvent(input, input.sourceId, personRef, concept, 'drug', timing);
  const route = optConcept(r, 'route', 'Immunization.route');
  if (route !== undefined) event.route = route;
  const visitRef = optRef(r, 'encounter', 'Immunization.encounter', 'Encounter', ctx);
  if (visitRef !== undefined) event.visitRef = visitRef;
  out.push(event);
}

export function mapAllergyIntolerance(input: RecordInput, ctx: ReaderContext, out: ReaderOutput[]): void {
  const r = input.resource;
  const verification = firstCode(r, 'verificationStatus', 'AllergyIntolerance.verificationStatus');
  if (verification === 'refuted' || verification === 'entered-in-error') {
    pushSkipped(
      out,
      input,
      `AllergyIntolerance.verificationStatus is ${verification}: the allergy is not present`,
    );
    return;
  }
  const concept = requireConcept(r, 'code', 'AllergyIntolerance.code');
  const personRef = requirePatientRef(r, 'patient', 'AllergyIntolerance.patient', ctx);
  const onset = readOnset(r, 'AllergyIntolerance', ctx);
  const event = newClinicalEvent(input, input.sourceId, personRef, concept, 'observation', onset);
  const clinicalStatus = firstCode(r, 'clinicalStatus', 'AllergyIntolerance.clinicalStatus');
  if (clinicalStatus !== undefined) event.status = clinicalStatus;
  const visitRef = optRef(r, 'encounter', 'AllergyIntolerance.encounter', 'Encounter', ctx);
  if (visitRef !== undefined) event.visitRef = visitRef;
  out.push(event);
}
