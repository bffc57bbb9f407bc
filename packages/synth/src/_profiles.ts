import type { ConditionKey } from './_concepts.ts';

/** The three fictional Amsterdam hospitals. */
export type HospitalId = 'A' | 'B' | 'C';

/** Why a patient is admitted (the principal diagnosis of an inpatient stay). */
export type AdmissionReason =
  | 'sepsis'
  | 'pneumonia'
  | 'covid19'
  | 'myocardialInfarction'
  | 'heartFailure'
  | 'copd'
  | 'acuteKidneyInjury'
  | 'atrialFibrillation'
  | 'hipFracture';

export type EpisodeKind = 'outpatient' | 'emergency' | 'emergencyAdmission' | 'electiveAdmission';

/** The case mix of one hospital. Weights are relative; probabilities are per event. */
export interface HospitalProfile {
  readonly id: HospitalId;
  readonly name: string;
  readonly description: string;
  /** Mean and standard deviation of age on 2019-01-01 (adults; clipped to 18–99). */
  readonly ageMean: number;
  readonly ageSd: number;
  /** Mean number of care episodes per patient beyond the first (Poisson). */
  readonly extraEpisodes: number;
  readonly episodeWeights: readonly (readonly [EpisodeKind, number])[];
  readonly reasonWeights: readonly (readonly [AdmissionReason, number])[];
  /** Multiplies the per-reason ICU admission probability. */
  readonly icuFactor: number;
  /** Multiplies the prevalence of chronic conditions. */
  readonly chronicFactor: Readonly<Partial<Record<ConditionKey, number>>>;
}

export const HOSPITAL_PROFILES: Readonly<Record<HospitalId, HospitalProfile>> = Object.freeze({
  A: {
    id: 'A',
    name: 'Amstel Academic Medical Centre',
    description:
      'academic hospital: a large mixed ICU, many sepsis and COVID-19 admissions (FHIR R4 Bundles)',
    ageMean: 58,
    ageSd: 17,
    extraEpisodes: 1.0,
    episodeWeights: [
      ['outpatient', 30],
      ['emergency', 12],
      ['emergencyAdmission', 38],
      ['electiveAdmission', 20],
    ],
    reasonWeights: [
      ['sepsis', 30],
      ['pneumonia', 14],
      ['covid19', 16],
      ['myocardialInfarction', 10],
      ['heartFailure', 6],
      ['copd', 4],
      ['acuteKidneyInjury', 8],
      ['atrialFibrillation', 5],
      ['hipFracture', 7],
    ],
    icuFactor: 1.35,
    chronicFactor: {},
  },
  B: {
    id: 'B',
    name: 'Zaanstreek General Hospital',
    description:
      'general hospital: many ED visits, older patients, COPD and heart failure (FHIR Bulk NDJSON)',
    ageMean: 66,
    ageSd: 15,
    extraEpisodes: 1.2,
    episodeWeights: [
      ['outpatient', 30],
      ['emergency', 38],
      ['emergencyAdmission', 26],
      ['electiveAdmission', 6],
    ],
    reasonWeights: [
      ['sepsis', 7],
      ['pneumonia', 15],
      ['covid19', 10],
      ['myocardialInfarction', 6],
      ['heartFailure', 24],
      ['copd', 24],
      ['acuteKidneyInjury', 4],
      ['atrialFibrillation', 4],
      ['hipFracture', 6],
    ],
    icuFactor: 0.55,
    chronicFactor: { copd: 2.2, heartFailure: 2.0 },
  },
  C: {
    id: 'C',
    name: 'Westerpark Heart & Lung Clinic',
    description:
      'top-clinical hospital with a cardiac centre and a COVID-19 cohort ICU (CSV with local codes)',
    ageMean: 63,
    ageSd: 14,
    extraEpisodes: 0.9,
    episodeWeights: [
      ['outpatient', 40],
      ['emergency', 15],
      ['emergencyAdmission', 30],
      ['electiveAdmission', 15],
    ],
    reasonWeights: [
      ['sepsis', 6],
      ['pneumonia', 8],
      ['covid19', 22],
      ['myocardialInfarction', 28],
      ['heartFailure', 12],
      ['copd', 4],
      ['acuteKidneyInjury', 3],
      ['atrialFibrillation', 14],
      ['hipFracture', 3],
    ],
    icuFactor: 0.9,
    chronicFactor: { hypertension: 1.4, atrialFibrillation: 1.6 },
  },
});
