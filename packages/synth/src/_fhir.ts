import {
  BP_PANEL,
  CONDITIONS,
  DRUGS,
  ENCOUNTER_CLASSES,
  ICU_ENVIRONMENT,
  MEASUREMENTS,
  PROCEDURES,
  SYSTEM,
  UNITS,
  type MeasurementDef,
  type UnitKey,
  type VocabularyNeed,
} from './_concepts.ts';
import { isoDate, isoDateTime } from './_format.ts';
import type { SimEncounter, SimMedication, SimPatient } from './_model.ts';
import type { HospitalProfile } from './_profiles.ts';

/** How a writer names references and the shared Organization. */
export interface FhirContext {
  readonly profile: HospitalProfile;
  readonly organizationId: string;
  /** "urn:uuid:<id>" inside a transaction Bundle, "<Type>/<id>" in bulk NDJSON. */
  readonly reference: (resourceType: string, id: string) => string;
}

/** Receives each resource as compact JSON. */
export type FhirEmit = (resourceType: string, id: string, json: string) => void;

type Json = Record<string, unknown>;

/** A CodeableConcept with one coding (no `text`: it would repeat the display in every resource). */
const codeable = (c: VocabularyNeed): Json => ({
  coding: [
    { system: SYSTEM[c.vocabularyId as keyof typeof SYSTEM], code: c.conceptCode, display: c.conceptName },
  ],
});

const quantity = (value: number, unit: VocabularyNeed): Json => ({
  value,
  unit: unit.conceptCode,
  system: SYSTEM.UCUM,
  code: unit.conceptCode,
});

const CATEGORY_VITALS = [
  {
    coding: [
      {
        system: 'http://terminology.hl7.org/CodeSystem/observation-category',
        code: 'vital-signs',
        display: 'Vital Signs',
      },
    ],
  },
];
const CATEGORY_LAB = [
  {
    coding: [
      {
        system: 'http://terminology.hl7.org/CodeSystem/observation-category',
        code: 'laboratory',
        display: 'Laboratory',
      },
    ],
  },
];
const PROBLEM_LIST_CATEGORY = [
  {
    coding: [
      {
        system: 'http://terminology.hl7.org/CodeSystem/condition-category',
        code: 'problem-list-item',
        display: 'Problem List Item',
      },
    ],
  },
];
const CONDITION_CATEGORY = [
  {
    coding: [
      {
        system: 'http://terminology.hl7.org/CodeSystem/condition-category',
        code: 'encounter-diagnosis',
        display: 'Encounter Diagnosis',
      },
    ],
  },
];
const clinicalStatus = (code: 'active' | 'resolved'): Json => ({
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code }],
});
const VERIFIED = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }],
};
const ROUTE_TEXT: Readonly<Record<SimMedication['route'], string>> = {
  IV: 'intravenous',
  PO: 'oral',
  SC: 'subcutaneous',
  INH: 'inhalation',
};

const CHRONIC_KEYS = new Set(['hypertension', 'type2Diabetes', 'copd', 'heartFailure', 'atrialFibrillation']);

/** The hospital's Organization resource. */
export function organizationResource(ctx: FhirContext): Json {
  return {
    resourceType: 'Organization',
    id: ctx.organizationId,
    identifier: [{ system: 'https://polder.example/organization', value: `hospital-${ctx.profile.id}` }],
    active: true,
    name: ctx.profile.name,
    address: [{ city: 'Amsterdam', country: 'NL' }],
  };
}

/**
 * Emits every FHIR R4 resource of one patient: Patient, Encounters (ICU stays as Encounters that are part
 * of the hospital stay), Conditions, Observations (vital signs and labs), MedicationRequests,
 * MedicationAdministrations and Procedures.
 */
export function emitPatientResources(p: SimPatient, ctx: FhirContext, emit: FhirEmit): void {
  const subject = { reference: ctx.reference('Patient', p.id) };
  const org = { reference: ctx.reference('Organization', ctx.organizationId) };
  const patient: Json = {
    resourceType: 'Patient',
    id: p.id,
    identifier: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] },
        system: `https://polder.example/hospital-${ctx.profile.id.toLowerCase()}/mrn`,
        value: String(7_000_000 + p.index),
      },
    ],
    name: [{ use: 'official', family: p.family, given: [p.given] }],
    gender: p.gender,
    birthDate: isoDate(p.birthDate),
    ...(p.deathTime === undefined ? {} : { deceasedDateTime: isoDateTime(p.deathTime) }),
    managingOrganization: org,
  };
  emit('Patient', p.id, JSON.stringify(patient));

  for (const e of p.encounters) {
    const cls =
      e.kind === 'icu' ? 'ACUTE' : e.kind === 'inpatient' ? 'IMP' : e.kind === 'emergency' ? 'EMER' : 'AMB';
    const encounter: Json = {
      resourceType: 'Encounter',
      id: e.id,
      status: 'finished',
      class: { system: SYSTEM.ActCode, code: cls, display: ENCOUNTER_CLASSES[cls].display },
      ...(e.kind === 'icu' ? { type: [codeable(ICU_ENVIRONMENT)] } : {}),
      subject,
      period: { start: isoDateTime(e.start), end: isoDateTime(e.end) },
      serviceProvider: org,
      ...(e.partOf === undefined ? {} : { partOf: { reference: ctx.reference('Encounter', e.partOf) } }),
    };
    emit('Encounter', e.id, JSON.stringify(encounter));
  }

  const encounterEnd = new Map<string, number>();
  for (const e of p.encounters) encounterEnd.set(e.id, e.end);
  // Long-standing conditions are problem-list items: not tied to the encounter where they were recorded,
  // whose dates their onset (years earlier) would fall outside.
  for (const c of p.chronicConditions) {
    emit('Condition', c.id, conditionJson(c.id, c.key, subject, undefined, c.onset, c.recorded, undefined));
  }
  for (const e of p.encounters) {
    const encounterRef = { reference: ctx.reference('Encounter', e.id) };
    for (const c of e.conditions) {
      const abatement = CHRONIC_KEYS.has(c.key) ? undefined : e.end;
      emit(
        'Condition',
        c.id,
        conditionJson(c.id, c.key, subject, encounterRef.reference, c.onset, c.recorded, abatement),
      );
    }
    for (const v of e.vitals) {
      const when = isoDateTime(v.time);
      const vital = (id: string, def: MeasurementDef, value: number): void => {
        emit(
          'Observation',
          id,
          JSON.stringify({
            resourceType: 'Observation',
            id,
            status: 'final',
            category: CATEGORY_VITALS,
            code: codeable(def.concept),
            subject,
            encounter: encounterRef,
            effectiveDateTime: when,
            valueQuantity: quantity(value, def.unit),
          }),
        );
      };
      vital(v.ids[0], MEASUREMENTS.heartRate, v.heartRate);
      vital(v.ids[1], MEASUREMENTS.respiratoryRate, v.respiratoryRate);
      vital(v.ids[2], MEASUREMENTS.spo2, v.spo2);
      emit(
        'Observation',
        v.ids[3],
        JSON.stringify({
          resourceType: 'Observation',
          id: v.ids[3],
          status: 'final',
          category: CATEGORY_VITALS,
          code: codeable(BP_PANEL),
          subject,
          encounter: encounterRef,
          effectiveDateTime: when,
          component: [
            {
              code: codeable(MEASUREMENTS.systolicBp.concept),
              valueQuantity: quantity(v.systolicBp, UNITS.mmHg),
            },
            {
              code: codeable(MEASUREMENTS.diastolicBp.concept),
              valueQuantity: quantity(v.diastolicBp, UNITS.mmHg),
            },
          ],
        }),
      );
      vital(v.ids[4], MEASUREMENTS.temperature, v.temperature);
    }
    for (const l of e.labs) {
      const def = MEASUREMENTS[l.key];
      emit(
        'Observation',
        l.id,
        JSON.stringify({
          resourceType: 'Observation',
          id: l.id,
          status: 'final',
          category: CATEGORY_LAB,
          code: codeable(def.concept),
          subject,
          encounter: encounterRef,
          effectiveDateTime: isoDateTime(l.time),
          issued: isoDateTime(l.time + 45 * 60_000),
          valueQuantity: quantity(l.value, def.unit),
        }),
      );
    }
    for (const m of e.medications) emitMedication(m, e, subject, encounterRef, ctx, emit);
    for (const pr of e.procedures) {
      emit(
        'Procedure',
        pr.id,
        JSON.stringify({
          resourceType: 'Procedure',
          id: pr.id,
          status: 'completed',
          code: codeable(PROCEDURES[pr.key]),
          subject,
          encounter: encounterRef,
          performedPeriod: { start: isoDateTime(pr.start), end: isoDateTime(pr.end) },
        }),
      );
    }
  }
}

function conditionJson(
  id: string,
  key: keyof typeof CONDITIONS,
  subject: Json,
  encounterReference: string | undefined,
  onset: number,
  recorded: number,
  abatement: number | undefined,
): string {
  return JSON.stringify({
    resourceType: 'Condition',
    id,
    clinicalStatus: clinicalStatus(abatement === undefined ? 'active' : 'resolved'),
    verificationStatus: VERIFIED,
    category: encounterReference === undefined ? PROBLEM_LIST_CATEGORY : CONDITION_CATEGORY,
    code: codeable(CONDITIONS[key]),
    subject,
    ...(encounterReference === undefined ? {} : { encounter: { reference: encounterReference } }),
    onsetDateTime: isoDateTime(onset),
    ...(abatement === undefined ? {} : { abatementDateTime: isoDateTime(abatement) }),
    recordedDate: isoDateTime(recorded),
  });
}

function emitMedication(
  m: SimMedication,
  e: SimEncounter,
  subject: Json,
  encounterRef: Json,
  ctx: FhirContext,
  emit: FhirEmit,
): void {
  const medication = codeable(DRUGS[m.key]);
  const dose = quantity(m.dose, UNITS[m.doseUnit as UnitKey]);
  const route = { text: ROUTE_TEXT[m.route] };
  const inpatient = e.kind !== 'outpatient';
  emit(
    'MedicationRequest',
    m.id,
    JSON.stringify({
      resourceType: 'MedicationRequest',
      id: m.id,
      status: m.administrations.length > 0 || !inpatient ? 'completed' : 'stopped',
      intent: 'order',
      medicationCodeableConcept: medication,
      subject,
      encounter: encounterRef,
      authoredOn: isoDateTime(m.start),
      dosageInstruction: [
        {
          timing: {
            repeat: {
              boundsPeriod: { start: isoDateTime(m.start), end: isoDateTime(m.end) },
              frequency: 1,
              period: m.intervalHours,
              periodUnit: 'h',
            },
          },
          route,
          doseAndRate: [{ doseQuantity: dose }],
        },
      ],
    }),
  );
  const requestRef = { reference: ctx.reference('MedicationRequest', m.id) };
  for (const a of m.administrations) {
    emit(
      'MedicationAdministration',
      a.id,
      JSON.stringify({
        resourceType: 'MedicationAdministration',
        id: a.id,
        status: 'completed',
        medicationCodeableConcept: medication,
        subject,
        context: encounterRef,
        effectiveDateTime: isoDateTime(a.time),
        request: requestRef,
        dosage: { route, dose },
      }),
    );
  }
}
