/**
 * MedicationRequest / MedicationAdministration / MedicationStatement → drug ClinicalEvents. The drug is
 * medicationCodeableConcept, or the code of the Medication that medicationReference points to: a contained
 * one ("#med1"), or one read earlier from the same Bundle or NDJSON set. A reference to a Medication not yet
 * seen defers the record to the end of the source; if the Medication never comes, the record is invalid.
 */
import type { ReaderOutput, SourceConcept } from '../source-event.ts';
import { checkDate } from './_dates.ts';
import {
  FhirValidationError,
  firstObject,
  isJsonObject,
  optArray,
  optConcept,
  optNumber,
  optObject,
  optString,
  type JsonObject,
} from './_fhir-json.ts';
import { optRef, readTiming, requirePatientRef, type RecordInput, type Timing } from './_map-common.ts';
import { newClinicalEvent } from './_map-clinical.ts';
import { DEFER_RECORD, resolveReference, type ReaderContext } from './_reader-context.ts';

/** Remembers a Medication's code so that later medicationReferences can use it. */
export function registerMedication(input: RecordInput, ctx: ReaderContext): void {
  const code = optConcept(input.resource, 'code', 'Medication.code');
  if (code !== undefined) ctx.medications.set(input.sourceId, code);
}

export function mapMedicationUse(input: RecordInput, ctx: ReaderContext, out: ReaderOutput[]): void {
  const r = input.resource;
  const type = input.resourceType;
  const concept = readMedication(input, ctx);
  const personRef = requirePatientRef(r, 'subject', `${type}.subject`, ctx);
  let timing: Timing | undefined;
  let visitRef: string | undefined;
  let dosage: JsonObject | undefined;
  if (type === 'MedicationRequest') {
    const authoredOn = optString(r, 'authoredOn', 'MedicationRequest.authoredOn');
    if (authoredOn === undefined) {
      throw new FhirValidationError('MedicationRequest.authoredOn is missing: the prescription needs a date');
    }
    checkDate(authoredOn, 'MedicationRequest.authoredOn', ctx.bounds);
    timing = { start: authoredOn };
    visitRef = optRef(r, 'encounter', 'MedicationRequest.encounter', 'Encounter', ctx);
    dosage = firstObject(r, 'dosageInstruction', 'MedicationRequest.dosageInstruction');
  } else if (type === 'MedicationAdministration') {
    timing = readTiming(r, type, 'effectiveDateTime', 'effectivePeriod', ctx);
    if (timing === undefined) {
      throw new FhirValidationError(
        'MedicationAdministration has no date: neither effectiveDateTime nor effectivePeriod.start is given',
      );
    }
    visitRef = optRef(r, 'context', 'MedicationAdministration.context', 'Encounter', ctx);
    dosage = optObject(r, 'dosage', 'MedicationAdministration.dosage');
  } else {
    timing = readTiming(r, type, 'effectiveDateTime', 'effectivePeriod', ctx);
    if (timing === undefined) {
      const asserted = optString(r, 'dateAsserted', 'MedicationStatement.dateAsserted');
      if (asserted === undefined) {
        throw new FhirValidationError(
          'MedicationStatement has no date: neither effectiveDateTime, effectivePeriod.start nor dateAsserted is given',
        );
      }
      checkDate(asserted, 'MedicationStatement.dateAsserted', ctx.bounds);
      timing = { start: asserted };
    }
    visitRef = optRef(r, 'context', 'MedicationStatement.context', 'Encounter', ctx);
    dosage = firstObject(r, 'dosage', 'MedicationStatement.dosage');
  }
  const event = newClinicalEvent(input, input.sourceId, personRef, concept, 'drug', timing);
  if (visitRef !== undefined) event.visitRef = visitRef;
  const status = optString(r, 'status', `${type}.status`);
  if (status !== undefined) event.status = status;
  if (dosage !== undefined) {
    const route = optConcept(dosage, 'route', `${type}.dosage.route`);
    if (route !== undefined) event.route = route;
    if (type === 'MedicationAdministration') {
      const dose = optObject(dosage, 'dose', 'MedicationAdministration.dosage.dose');
      const quantity =
        dose === undefined
          ? undefined
          : optNumber(dose, 'value', 'MedicationAdministration.dosage.dose.value');
      if (quantity !== undefined) event.quantity = quantity;
    }
  }
  if (type === 'MedicationRequest') {
    const dispense = optObject(r, 'dispenseRequest', 'MedicationRequest.dispenseRequest');
    if (dispense !== undefined) {
      const quantity = optObject(dispense, 'quantity', 'MedicationRequest.dispenseRequest.quantity');
      const amount =
        quantity === undefined
          ? undefined
          : optNumber(quantity, 'value', 'MedicationRequest.dispenseRequest.quantity.value');
      if (amount !== undefined) event.quantity = amount;
      const duration = optObject(
        dispense,
        'expectedSupplyDuration',
        'MedicationRequest.dispenseRequest.expectedSupplyDuration',
      );
      const days = duration === undefined ? undefined : durationInDays(duration);
      if (days !== undefined) event.daysSupply = days;
    }
  }
  out.push(event);
}

/**
 * The drug's code. Throws DEFER_RECORD while the Medication may still come later in the source, and a
 * FhirValidationError when it cannot be resolved or neither medication[x] form is present.
 */
function readMedication(input: RecordInput, ctx: ReaderContext): SourceConcept {
  const r = input.resource;
  const type = input.resourceType;
  const codeable = optConcept(r, 'medicationCodeableConcept', `${type}.medicationCodeableConcept`);
  if (codeable !== undefined) return codeable;
  const ref = optObject(r, 'medicationReference', `${type}.medicationReference`);
  const text =
    ref === undefined ? undefined : optString(ref, 'reference', `${type}.medicationReference.reference`);
  if (text === undefined) {
    throw new FhirValidationError(
      `${type} names no drug: medicationCodeableConcept and medicationReference are both missing`,
    );
  }
  if (text.startsWith('#')) {
    const contained = findContained(r, text.slice(1), type);
    const code =
      contained === undefined ? undefined : optConcept(contained, 'code', `${type}.contained(${text}).code`);
    if (code === undefined) {
      throw new FhirValidationError(
        `${type}.medicationReference ${text} cannot be resolved: no contained Medication with that id has a code`,
      );
    }
    return code;
  }
  const sourceId = resolveReference(text, 'Medication', ctx);
  const known = sourceId === undefined ? undefined : ctx.medications.get(sourceId);
  if (known !== undefined) return known;
  if (ctx.deferUnresolved) throw DEFER_RECORD;
  throw new FhirValidationError(
    `${type}.medicationReference ${text} cannot be resolved: the Medication is neither contained nor in this source`,
  );
}

function findContained(r: JsonObject, id: string, type: string): JsonObject | undefined {
  const contained = optArray(r, 'contained', `${type}.contained`);
  if (contained === undefined) return undefined;
  for (const c of contained) {
    if (isJsonObject(c) && c['id'] === id && c['resourceType'] === 'Medication') return c;
  }
  return undefined;
}

/** A FHIR Duration in days, from its UCUM code (or unit text); undefined for units that are not time. */
function durationInDays(duration: JsonObject): number | undefined {
  const value = optNumber(
    duration,
    'value',
    'MedicationRequest.dispenseRequest.expectedSupplyDuration.value',
  );
  if (value === undefined) return undefined;
  const unit =
    optString(duration, 'code', 'MedicationRequest.dispenseRequest.expectedSupplyDuration.code') ??
    optString(duration, 'unit', 'MedicationRequest.dispenseRequest.expectedSupplyDuration.unit');
  switch (unit) {
    case 'd':
    case 'day':
    case 'days':
      return value;
    case 'wk':
    case 'week':
    case 'weeks':
      return value * 7;
    case 'mo':
    case 'month':
    case 'months':
      return value * 30;
    case 'a':
    case 'year':
    case 'years':
      return value * 365;
    case 'h':
    case 'hour':
    case 'hours':
      return value / 24;
    default:
      return undefined;
  }
}
