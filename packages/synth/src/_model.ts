import type { ConditionKey, DrugKey, LabKey, ProcedureKey, UnitKey } from './_concepts.ts';
import type { IcuDischargeState } from './readmission-model.ts';

/**
 * The format-neutral record of one synthetic patient. The simulator fills it; each hospital's writer turns
 * it into its own source format. Times are milliseconds since the epoch (UTC).
 */
export interface SimPatient {
  readonly id: string;
  /** 0-based position of the patient in the generated population. */
  readonly index: number;
  readonly gender: 'male' | 'female';
  readonly family: string;
  readonly given: string;
  /** Midnight (UTC) of the birth day. */
  readonly birthDate: number;
  deathTime: number | undefined;
  readonly encounters: SimEncounter[];
  /** Long-standing conditions, recorded at the patient's first encounter. */
  readonly chronicConditions: SimCondition[];
}

export type EncounterKind = 'outpatient' | 'emergency' | 'inpatient' | 'icu';

export interface SimEncounter {
  readonly id: string;
  readonly kind: EncounterKind;
  readonly start: number;
  end: number;
  /** For an ICU stay: the id of the enclosing inpatient stay. */
  readonly partOf?: string;
  /** Hospital ward code (local; used by hospital C). */
  readonly ward: string;
  /** 'home' | 'deceased' | 'ward' (an ICU stay that ends on a ward). */
  disposition: 'home' | 'deceased' | 'ward';
  readonly conditions: SimCondition[];
  readonly vitals: SimVitalSet[];
  readonly labs: SimLab[];
  readonly medications: SimMedication[];
  readonly procedures: SimProcedure[];
  /** ICU stays that end alive: the state at discharge, the model's probability and the outcome. */
  readmission?: SimReadmission;
}

export interface SimReadmission {
  readonly state: IcuDischargeState;
  readonly probability: number;
  readonly readmitted: boolean;
}

export interface SimCondition {
  readonly id: string;
  readonly key: ConditionKey;
  /** When the condition began. */
  readonly onset: number;
  /** When it was recorded (at an encounter). */
  readonly recorded: number;
  /** Encounter (id) where it was recorded. */
  readonly encounterId: string;
}

/** One set of vital signs taken at the same moment (the FHIR writers emit one Observation per vital). */
export interface SimVitalSet {
  readonly time: number;
  /** Observation ids, in the order heartRate, respiratoryRate, spo2, bloodPressure, temperature. */
  readonly ids: readonly [string, string, string, string, string];
  readonly heartRate: number;
  readonly respiratoryRate: number;
  readonly spo2: number;
  readonly systolicBp: number;
  readonly diastolicBp: number;
  readonly temperature: number;
}

export interface SimLab {
  readonly id: string;
  readonly key: LabKey;
  readonly time: number;
  readonly value: number;
}

export interface SimMedication {
  /** Id of the order (MedicationRequest). */
  readonly id: string;
  readonly key: DrugKey;
  readonly start: number;
  readonly end: number;
  readonly dose: number;
  readonly doseUnit: UnitKey;
  readonly route: 'IV' | 'PO' | 'SC' | 'INH';
  /** Hours between doses. */
  readonly intervalHours: number;
  /** Each dose given (MedicationAdministration); empty for prescriptions taken at home. */
  readonly administrations: readonly { readonly id: string; readonly time: number }[];
}

export interface SimProcedure {
  readonly id: string;
  readonly key: ProcedureKey;
  readonly start: number;
  readonly end: number;
}
