/**
 * The known model behind ICU readmission in the synthetic hospitals. Every ICU stay that ends with the
 * patient alive is followed by a readmission to the ICU (within the same hospital stay, 26 hours to 6.5
 * days after ICU discharge) with exactly this probability; nothing else decides it. A model fitted on the
 * generated data should recover these coefficients.
 */

/** The patient's state at ICU discharge, as the generated data records it. */
export interface IcuDischargeState {
  /** Age in completed years on the day of ICU discharge. */
  readonly age: number;
  /** Value of the stay's last heart-rate measurement (LOINC 8867-4), beats per minute. */
  readonly lastHeartRate: number;
  /** Value of the stay's last SpO2 measurement (LOINC 59408-5), percent. */
  readonly lastSpo2: number;
  /** Value of the stay's last lactate measurement (LOINC 32693-4), mmol/L. */
  readonly lastLactate: number;
  /** The hospital stay has a sepsis diagnosis (SNOMED 91302008) recorded before ICU discharge. */
  readonly sepsis: boolean;
}

/** Coefficients of the logistic model (on the centred variables of `readmissionLogit`). */
export const READMISSION_COEFFICIENTS = Object.freeze({
  intercept: -2.4,
  agePer1Year: 0.025,
  heartRatePer1Bpm: 0.03,
  spo2Per1Percent: -0.12,
  lactatePer1MmolL: 0.35,
  sepsis: 0.7,
});

/**
 * The linear predictor: `-2.4 + 0.025 (age - 65) + 0.03 (HR - 90) - 0.12 (SpO2 - 95) + 0.35 (lactate - 2)
 * + 0.7 sepsis`.
 */
export function readmissionLogit(state: IcuDischargeState): number {
  const c = READMISSION_COEFFICIENTS;
  return (
    c.intercept +
    c.agePer1Year * (state.age - 65) +
    c.heartRatePer1Bpm * (state.lastHeartRate - 90) +
    c.spo2Per1Percent * (state.lastSpo2 - 95) +
    c.lactatePer1MmolL * (state.lastLactate - 2) +
    c.sepsis * (state.sepsis ? 1 : 0)
  );
}

/**
 * Probability of ICU readmission within 7 days of ICU discharge, given the state at discharge.
 *
 * @example
 * readmissionProbability({ age: 65, lastHeartRate: 90, lastSpo2: 95, lastLactate: 2, sepsis: false }); // ≈ 0.083
 */
export function readmissionProbability(state: IcuDischargeState): number {
  return 1 / (1 + Math.exp(-readmissionLogit(state)));
}
