import { MEASUREMENTS, type ConditionKey, type DrugKey, type LabKey, type UnitKey } from './_concepts.ts';
import type {
  SimCondition,
  SimEncounter,
  SimLab,
  SimMedication,
  SimPatient,
  SimProcedure,
  SimVitalSet,
} from './_model.ts';
import {
  HOSPITAL_PROFILES,
  type AdmissionReason,
  type HospitalId,
  type HospitalProfile,
} from './_profiles.ts';
import { Prng, mixSeed } from './_prng.ts';
import { readmissionProbability, type IcuDischargeState } from './readmission-model.ts';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** First moment of the data (episodes start on or after it). */
export const WINDOW_START = Date.UTC(2019, 0, 1);
/** Last day on which an episode may start; stays end before 2026. */
export const LAST_EPISODE_START = Date.UTC(2025, 8, 30);
/** No date in the data lies after this moment. */
export const WINDOW_END = Date.UTC(2025, 11, 31, 23, 59, 59);

const COVID_FIRST = Date.UTC(2020, 2, 1);
const DEXAMETHASONE_FROM = Date.UTC(2020, 5, 16);
const REMDESIVIR_FROM = Date.UTC(2020, 6, 1);
const TOCILIZUMAB_FROM = Date.UTC(2021, 1, 1);
/** A patient's next episode starts at least this long after the previous one ended. */
const EPISODE_GAP = 14 * DAY;

const HOSPITAL_CODE: Readonly<Record<HospitalId, number>> = { A: 0x41, B: 0x42, C: 0x43 };

const REASON_SEVERITY: Readonly<Record<AdmissionReason, number>> = {
  sepsis: 1.4,
  covid19: 1.1,
  pneumonia: 0.9,
  myocardialInfarction: 1.0,
  heartFailure: 0.9,
  copd: 0.8,
  acuteKidneyInjury: 0.9,
  atrialFibrillation: 0.6,
  hipFracture: 0.5,
};

const REASON_ICU: Readonly<Record<AdmissionReason, number>> = {
  sepsis: 0.5,
  covid19: 0.3,
  pneumonia: 0.18,
  myocardialInfarction: 0.3,
  heartFailure: 0.12,
  copd: 0.1,
  acuteKidneyInjury: 0.15,
  atrialFibrillation: 0.05,
  hipFracture: 0.05,
};

const REASON_WARD: Readonly<Record<AdmissionReason, string>> = {
  sepsis: 'INT',
  covid19: 'LON',
  pneumonia: 'LON',
  myocardialInfarction: 'CAR',
  heartFailure: 'CAR',
  copd: 'LON',
  acuteKidneyInjury: 'INT',
  atrialFibrillation: 'CAR',
  hipFracture: 'CHI',
};

const RESPIRATORY: ReadonlySet<AdmissionReason> = new Set(['covid19', 'pneumonia', 'copd']);
const INFECTIOUS: ReadonlySet<AdmissionReason> = new Set(['sepsis', 'covid19', 'pneumonia']);

const clamp = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);
const round = (x: number, decimals: number): number => {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
};
const logistic = (x: number): number => 1 / (1 + Math.exp(-x));

/** Age in completed years at `time` for someone born at `birth` (both UTC ms). */
export function ageInYears(birth: number, time: number): number {
  const b = new Date(birth);
  const t = new Date(time);
  let age = t.getUTCFullYear() - b.getUTCFullYear();
  const beforeBirthday =
    t.getUTCMonth() < b.getUTCMonth() ||
    (t.getUTCMonth() === b.getUTCMonth() && t.getUTCDate() < b.getUTCDate());
  if (beforeBirthday) age--;
  return age;
}

/** Moves `time` to the given hour (UTC) of its day, plus `minutes`. */
function atHourOfDay(time: number, hour: number, minutes: number): number {
  return Math.floor(time / DAY) * DAY + hour * HOUR + minutes * 60_000;
}

/** The clinical state that drives measurements: a latent severity plus what kind of illness. */
interface Physiology {
  readonly respiratory: boolean;
  readonly infectious: boolean;
  readonly shock: boolean;
  readonly kidney: boolean;
  readonly diabetic: boolean;
  readonly atrialFibrillation: boolean;
  readonly male: boolean;
}

/** Simulates one patient; deterministic in (hospital, seed, index). */
export function simulatePatient(hospital: HospitalId, seed: number, index: number): SimPatient {
  return new PatientSimulator(HOSPITAL_PROFILES[hospital], seed, index).run();
}

class PatientSimulator {
  readonly #rng: Prng;
  readonly #ids: Prng;
  readonly #profile: HospitalProfile;
  readonly #patient: SimPatient;
  readonly #chronic = new Set<ConditionKey>();
  #firstEncounter = true;

  constructor(profile: HospitalProfile, seed: number, index: number) {
    const code = HOSPITAL_CODE[profile.id];
    this.#profile = profile;
    this.#rng = new Prng(mixSeed(seed, code, index));
    this.#ids = new Prng(mixSeed(seed, code, index, 0x1d));
    const rng = this.#rng;
    const gender = rng.chance(0.49) ? 'male' : 'female';
    const family = rng.pick(FAMILY_NAMES);
    const given = rng.pick(gender === 'male' ? MALE_NAMES : FEMALE_NAMES);
    const age0 = clamp(rng.normal(profile.ageMean, profile.ageSd), 18, 99);
    const birthDate = Math.floor((WINDOW_START - age0 * 365.25 * DAY) / DAY) * DAY;
    this.#patient = {
      id: this.#id(),
      index,
      gender,
      family,
      given,
      birthDate,
      deathTime: undefined,
      encounters: [],
      chronicConditions: [],
    };
  }

  #id(): string {
    return this.#ids.uuid();
  }

  run(): SimPatient {
    const rng = this.#rng;
    const p = this.#patient;
    this.#drawChronicConditions();
    const count = 1 + rng.poisson(this.#profile.extraEpisodes);
    const times: number[] = [];
    for (let i = 0; i < count; i++) times.push(rng.uniform(WINDOW_START, LAST_EPISODE_START));
    times.sort((a, b) => a - b);
    let cursor = WINDOW_START;
    for (const drawn of times) {
      const t = drawn < cursor ? cursor + rng.uniform(0, 30 * DAY) : drawn;
      if (t > LAST_EPISODE_START || p.deathTime !== undefined) break;
      const end = this.#episode(t);
      cursor = end + EPISODE_GAP;
      if (p.deathTime === undefined) this.#maybeDieLater(end);
    }
    return p;
  }

  #drawChronicConditions(): void {
    const rng = this.#rng;
    const age = ageInYears(this.#patient.birthDate, WINDOW_START);
    const f = this.#profile.chronicFactor;
    const prevalence: readonly (readonly [ConditionKey, number])[] = [
      ['hypertension', clamp(0.1 + 0.006 * (age - 40), 0.05, 0.6)],
      ['type2Diabetes', clamp(0.04 + 0.003 * (age - 40), 0.02, 0.25)],
      ['copd', clamp(0.02 + 0.002 * (age - 40), 0.01, 0.15)],
      ['heartFailure', clamp(0.01 + 0.002 * (age - 50), 0.005, 0.15)],
      ['atrialFibrillation', clamp(0.01 + 0.002 * (age - 50), 0.005, 0.15)],
    ];
    for (const [key, base] of prevalence) {
      if (rng.chance(clamp(base * (f[key] ?? 1), 0, 0.9))) this.#chronic.add(key);
    }
  }

  /** Records long-standing conditions at the patient's first encounter. */
  #recordChronic(encounter: SimEncounter): void {
    if (!this.#firstEncounter) return;
    this.#firstEncounter = false;
    const rng = this.#rng;
    const birth = this.#patient.birthDate;
    const earliest = birth + 30 * 365.25 * DAY;
    for (const key of this.#chronic) {
      const from = Math.min(earliest, encounter.start - 60 * DAY);
      const onset = Math.floor(rng.uniform(from, encounter.start - 30 * DAY) / DAY) * DAY;
      this.#patient.chronicConditions.push({
        id: this.#id(),
        key,
        onset: Math.max(onset, birth + DAY),
        recorded: encounter.start,
        encounterId: encounter.id,
      });
    }
  }

  #newEncounter(
    kind: SimEncounter['kind'],
    start: number,
    end: number,
    ward: string,
    partOf?: string,
  ): SimEncounter {
    const e: SimEncounter = {
      id: this.#id(),
      kind,
      start,
      end,
      ward,
      disposition: 'home',
      conditions: [],
      vitals: [],
      labs: [],
      medications: [],
      procedures: [],
      ...(partOf === undefined ? {} : { partOf }),
    };
    this.#patient.encounters.push(e);
    return e;
  }

  #condition(encounter: SimEncounter, key: ConditionKey, onset: number): SimCondition {
    const c: SimCondition = {
      id: this.#id(),
      key,
      onset,
      recorded: Math.max(onset, encounter.start),
      encounterId: encounter.id,
    };
    encounter.conditions.push(c);
    return c;
  }

  #physiology(reason: AdmissionReason | undefined, shock: boolean, kidney: boolean): Physiology {
    return {
      respiratory: reason !== undefined && RESPIRATORY.has(reason),
      infectious: reason !== undefined && INFECTIOUS.has(reason),
      shock,
      kidney,
      diabetic: this.#chronic.has('type2Diabetes'),
      atrialFibrillation: this.#chronic.has('atrialFibrillation') || reason === 'atrialFibrillation',
      male: this.#patient.gender === 'male',
    };
  }

  /** Runs one care episode starting at `t`; returns when it ended. */
  #episode(t: number): number {
    const kind = this.#rng.weighted(this.#profile.episodeWeights);
    switch (kind) {
      case 'outpatient':
        return this.#outpatient(t);
      case 'emergency':
        return this.#emergency(t, false);
      case 'emergencyAdmission':
        return this.#admission(this.#emergency(t, true), true);
      case 'electiveAdmission':
        return this.#admission(atHourOfDay(t, 9, this.#rng.int(0, 59)), false);
    }
  }

  #outpatient(t: number): number {
    const rng = this.#rng;
    const start = atHourOfDay(t, rng.int(8, 15), rng.int(0, 59));
    const end = start + rng.int(15, 45) * 60_000;
    const e = this.#newEncounter('outpatient', start, end, 'POLI');
    this.#recordChronic(e);
    if (rng.chance(0.15)) {
      const key = rng.pick<ConditionKey>(['hypertension', 'type2Diabetes']);
      if (!this.#chronic.has(key)) {
        this.#chronic.add(key);
        this.#condition(e, key, start);
      }
    }
    const phys = this.#physiology(undefined, false, false);
    if (rng.chance(0.7)) this.#vitalSet(e, start + 5 * 60_000, 0.05, phys);
    if (rng.chance(0.4)) {
      for (const key of ['glucose', 'creatinine', 'hemoglobin'] as const)
        this.#lab(e, key, start + 10 * 60_000, 0.05, phys);
    }
    const home: readonly (readonly [ConditionKey, DrugKey, number, UnitKey, SimMedication['route']])[] = [
      ['hypertension', 'lisinopril', 10, 'mg', 'PO'],
      ['type2Diabetes', 'metformin', 500, 'mg', 'PO'],
      ['copd', 'albuterol', 2.5, 'mg', 'INH'],
      ['heartFailure', 'lisinopril', 10, 'mg', 'PO'],
      ['atrialFibrillation', 'aspirin', 81, 'mg', 'PO'],
    ];
    for (const [condition, drug, dose, unit, route] of home) {
      if (this.#chronic.has(condition) && rng.chance(0.8)) {
        this.#medication(e, drug, end, end + 90 * DAY, dose, unit, route, 24, false);
      }
    }
    return end;
  }

  /** An ED visit; returns its end. When `admitted`, the diagnosis is recorded on the inpatient stay. */
  #emergency(t: number, admitted: boolean): number {
    const rng = this.#rng;
    const start = Math.floor(t / 60_000) * 60_000;
    const end = start + Math.round(rng.uniform(1.5, 6) * 60) * 60_000;
    const e = this.#newEncounter('emergency', start, end, 'SEH');
    this.#recordChronic(e);
    if (admitted) {
      this.#pendingReason = this.#drawReason(start);
      const phys = this.#physiology(this.#pendingReason, false, false);
      this.#vitalSet(e, start + 10 * 60_000, REASON_SEVERITY[this.#pendingReason], phys);
      for (const key of ['crp', 'leukocytes', 'hemoglobin', 'creatinine', 'glucose', 'lactate'] as const) {
        this.#lab(e, key, start + 30 * 60_000, REASON_SEVERITY[this.#pendingReason], phys);
      }
      return end;
    }
    const reason = rng.weighted<AdmissionReason>([
      ['pneumonia', 3],
      ['copd', this.#chronic.has('copd') ? 4 : 0.5],
      ['heartFailure', this.#chronic.has('heartFailure') ? 3 : 0.5],
      ['atrialFibrillation', 2],
      ['covid19', start >= COVID_FIRST ? 2 : 0],
    ]);
    const key: ConditionKey = reason;
    if (key === 'copd' || key === 'heartFailure') this.#chronic.add(key);
    this.#condition(e, key, start);
    const phys = this.#physiology(reason, false, false);
    const severity = 0.4 * REASON_SEVERITY[reason];
    this.#vitalSet(e, start + 10 * 60_000, severity, phys);
    if (rng.chance(0.5)) this.#vitalSet(e, end - 20 * 60_000, severity * 0.7, phys);
    if (rng.chance(0.7)) {
      for (const lab of ['crp', 'leukocytes', 'hemoglobin', 'creatinine'] as const) {
        this.#lab(e, lab, start + 30 * 60_000, severity, phys);
      }
    }
    if (reason === 'atrialFibrillation' || reason === 'heartFailure') {
      this.#procedure(e, 'electrocardiogram', start + 15 * 60_000, start + 25 * 60_000);
      this.#lab(e, 'troponin', start + 30 * 60_000, severity, phys);
    } else {
      this.#procedure(e, 'chestXray', start + 40 * 60_000, start + 55 * 60_000);
    }
    if (reason === 'copd') {
      this.#medication(e, 'prednisone', start + HOUR, start + 5 * DAY, 40, 'mg', 'PO', 24, false);
      this.#medication(e, 'albuterol', start + HOUR, start + HOUR + 1, 2.5, 'mg', 'INH', 24, true);
    } else if (reason === 'pneumonia') {
      this.#medication(e, 'acetaminophen', start + HOUR, start + HOUR + 1, 1000, 'mg', 'PO', 24, true);
    }
    return end;
  }

  #pendingReason: AdmissionReason | undefined;

  #drawReason(t: number): AdmissionReason {
    const reason = this.#rng.weighted(this.#profile.reasonWeights);
    return reason === 'covid19' && t < COVID_FIRST ? 'pneumonia' : reason;
  }

  /** An inpatient stay starting at `t` (after an ED visit when `viaEmergency`); returns its end. */
  #admission(t: number, viaEmergency: boolean): number {
    const rng = this.#rng;
    const p = this.#patient;
    const reason =
      viaEmergency && this.#pendingReason !== undefined ? this.#pendingReason : this.#drawReason(t);
    this.#pendingReason = undefined;
    const age = ageInYears(p.birthDate, t);
    const s0 = Math.max(0.2, REASON_SEVERITY[reason] * rng.logNormal(1, 0.35) + 0.01 * (age - 65));
    const stay = this.#newEncounter('inpatient', t, t, REASON_WARD[reason]);
    this.#recordChronic(stay);
    this.#condition(stay, reason, t);
    if (reason === 'copd' || reason === 'heartFailure' || reason === 'atrialFibrillation')
      this.#chronic.add(reason);

    const sepsis =
      reason === 'sepsis' ||
      (reason === 'pneumonia' && rng.chance(clamp(0.2 * s0, 0, 0.5))) ||
      (reason === 'covid19' && rng.chance(0.08));
    if (sepsis && reason !== 'sepsis') this.#condition(stay, 'sepsis', t);
    const shock = sepsis && s0 > 1.5;
    if (shock) this.#condition(stay, 'septicShock', t);
    const kidney = reason === 'acuteKidneyInjury' || (sepsis && rng.chance(0.35)) || rng.chance(0.05);
    if (kidney && reason !== 'acuteKidneyInjury')
      this.#condition(stay, 'acuteKidneyInjury', t + rng.uniform(0, 12) * HOUR);
    const phys = this.#physiology(reason, shock, kidney);

    const pIcu = clamp(
      REASON_ICU[reason] * this.#profile.icuFactor * (s0 / REASON_SEVERITY[reason]) ** 1.5,
      0,
      0.95,
    );
    let end: number;
    if (rng.chance(pIcu)) {
      end = this.#icuCourse(stay, reason, s0, sepsis, phys, age);
    } else {
      const los = clamp(rng.logNormal(4 * DAY * (0.6 + 0.4 * s0), 0.5), 1 * DAY, 30 * DAY);
      end = t + los;
      this.#ward(stay, t, end, s0, 0.1, phys);
      if (rng.chance(logistic(-5.5 + s0 + 0.05 * (age - 65)))) {
        stay.disposition = 'deceased';
        p.deathTime = end;
      }
    }
    stay.end = end;
    this.#admissionTreatment(stay, reason, sepsis, kidney, phys);
    return end;
  }

  /**
   * One or more ICU stays inside `stay` (readmissions follow the documented model), with ward time before,
   * between and after; returns the end of the hospital stay.
   */
  #icuCourse(
    stay: SimEncounter,
    reason: AdmissionReason,
    s0: number,
    sepsis: boolean,
    phys: Physiology,
    age: number,
  ): number {
    const rng = this.#rng;
    const p = this.#patient;
    let icuStart = stay.start + rng.uniform(1, 18) * HOUR;
    this.#ward(stay, stay.start, icuStart, s0, s0, phys);
    let severity = s0;
    for (;;) {
      const losHours = Math.round(clamp(rng.logNormal(40 * (0.6 + 0.4 * severity), 0.6), 10, 400));
      const icuEnd = icuStart + losHours * HOUR + rng.int(0, 59) * 60_000;
      const dies = rng.chance(logistic(-3.6 + 1.3 * severity + 0.03 * (age - 65)));
      const icu = this.#newEncounter('icu', icuStart, icuEnd, rng.pick(['IC-1', 'IC-2']), stay.id);
      const last = this.#icuMeasurements(icu, severity, dies, phys);
      this.#icuTreatment(icu, reason, severity, phys, dies);
      if (dies) {
        icu.disposition = 'deceased';
        stay.disposition = 'deceased';
        p.deathTime = icuEnd;
        return icuEnd;
      }
      icu.disposition = 'ward';
      const state: IcuDischargeState = {
        age: ageInYears(p.birthDate, icuEnd),
        lastHeartRate: last.heartRate,
        lastSpo2: last.spo2,
        lastLactate: last.lactate,
        sepsis,
      };
      const probability = readmissionProbability(state);
      const readmitted = rng.chance(probability);
      icu.readmission = { state, probability, readmitted };
      if (readmitted) {
        const next = icuEnd + rng.uniform(26, 156) * HOUR;
        this.#ward(stay, icuEnd, next, last.severity, 0.9, phys);
        icuStart = next;
        severity = Math.max(0.5, rng.normal(1.1, 0.3));
        continue;
      }
      const discharge = icuEnd + rng.uniform(24, 144) * HOUR;
      this.#ward(stay, icuEnd, discharge, last.severity, 0.1, phys);
      return discharge;
    }
  }

  /** Hourly vitals and twice-daily labs for an ICU stay; returns the last values (as written). */
  #icuMeasurements(
    icu: SimEncounter,
    severity: number,
    dies: boolean,
    phys: Physiology,
  ): { heartRate: number; spo2: number; lactate: number; severity: number } {
    const rng = this.#rng;
    const start = icu.start;
    const end = icu.end;
    const span = end - start;
    const endState = dies ? severity + 0.9 : Math.abs(rng.normal(0.3, 0.4));
    const tau = span / 3;
    const latent = (t: number, noise: number): number => {
      const f = (t - start) / span;
      const base = dies
        ? severity + (endState - severity) * f * f
        : endState + (severity - endState) * Math.exp(-(t - start) / tau);
      return Math.max(0, base + noise);
    };
    let noise = 0;
    let last: SimVitalSet | undefined;
    for (let t = Math.ceil(start / HOUR) * HOUR; t <= end; t += HOUR) {
      noise = 0.85 * noise + rng.normal(0, 0.08);
      last = this.#vitalSet(icu, t, latent(t, noise), phys);
    }
    if (last === undefined) throw new Error('Cannot simulate an ICU stay shorter than an hour');
    const labTimes = [start + 30 * 60_000];
    for (let day = Math.floor(start / DAY) * DAY; day <= end; day += DAY) {
      for (const h of [6, 18]) {
        const t = day + h * HOUR + rng.int(0, 20) * 60_000;
        if (t > start + HOUR && t <= end) labTimes.push(t);
      }
    }
    let lactate = 0;
    for (const t of labTimes) {
      const x = latent(t, noise);
      for (const key of ICU_LABS) {
        const lab = this.#lab(icu, key, t, x, phys);
        if (key === 'lactate') lactate = lab.value;
      }
      if (this.#reasonIsCardiac(icu)) this.#lab(icu, 'troponin', t, x, phys);
    }
    return { heartRate: last.heartRate, spo2: last.spo2, lactate, severity: latent(end, 0) };
  }

  #reasonIsCardiac(icu: SimEncounter): boolean {
    const stay = this.#patient.encounters.find((e) => e.id === icu.partOf);
    return stay?.conditions.some((c) => c.key === 'myocardialInfarction') ?? false;
  }

  /** Vitals three times a day and labs each morning on a ward, severity moving from `from` to `to`. */
  #ward(stay: SimEncounter, start: number, end: number, from: number, to: number, phys: Physiology): void {
    const rng = this.#rng;
    const span = Math.max(end - start, 1);
    const x = (t: number): number => from + (to - from) * ((t - start) / span);
    for (let day = Math.floor(start / DAY) * DAY; day < end; day += DAY) {
      for (const h of [6, 14, 22]) {
        const t = day + h * HOUR + rng.int(0, 30) * 60_000;
        if (t > start && t < end) this.#vitalSet(stay, t, x(t), phys);
      }
      const t = day + 6 * HOUR + rng.int(30, 59) * 60_000;
      if (t > start && t < end) {
        for (const key of WARD_LABS) this.#lab(stay, key, t, x(t), phys);
      }
    }
  }

  #vitalSet(e: SimEncounter, time: number, x: number, phys: Physiology): SimVitalSet {
    const rng = this.#rng;
    const fever = phys.infectious ? 1 : 0.2;
    const af = phys.atrialFibrillation ? rng.normal(8, 8) : 0;
    const heartRate = round(clamp(72 + 24 * x + 5 * fever * x + af + rng.normal(0, 5), 35, 190), 0);
    const respiratoryRate = round(clamp(14 + 7 * x + rng.normal(0, 2), 6, 45), 0);
    const spo2 = round(
      clamp(97.5 - 3.5 * x * (phys.respiratory ? 1.5 : 0.7) + rng.normal(0, 1.2), 70, 100),
      0,
    );
    const systolicBp = round(clamp(130 - 16 * x * (phys.shock ? 1.6 : 0.6) + rng.normal(0, 9), 60, 220), 0);
    const diastolicBp = round(clamp(0.55 * systolicBp + 5 + rng.normal(0, 5), 30, systolicBp - 10), 0);
    const temperature = round(clamp(36.8 + 0.9 * x * fever + rng.normal(0, 0.3), 34, 41.5), 1);
    const set: SimVitalSet = {
      time,
      ids: [this.#id(), this.#id(), this.#id(), this.#id(), this.#id()],
      heartRate,
      respiratoryRate,
      spo2,
      systolicBp,
      diastolicBp,
      temperature,
    };
    e.vitals.push(set);
    return set;
  }

  #lab(e: SimEncounter, key: LabKey, time: number, x: number, phys: Physiology): SimLab {
    const rng = this.#rng;
    const noise = (sigma: number): number => rng.logNormal(1, sigma);
    let v: number;
    switch (key) {
      case 'lactate':
        v = (0.9 + 1.3 * x * (phys.shock ? 1.5 : phys.infectious ? 1 : 0.6)) * noise(0.2);
        break;
      case 'creatinine':
        v = (phys.male ? 1.0 : 0.8) * (1 + (phys.kidney ? 1.4 : 0.2) * x) * noise(0.12);
        break;
      case 'crp':
        v = (phys.infectious ? 15 + 110 * x : 3 + 15 * x) * noise(0.3);
        break;
      case 'leukocytes':
        v = (7 + (phys.infectious ? 6 : 1.5) * x) * noise(0.2);
        break;
      case 'hemoglobin':
        v = (phys.male ? 14 : 12.6) - 1.6 * x + rng.normal(0, 0.8);
        break;
      case 'glucose':
        v = (phys.diabetic ? 150 : 100) + 35 * x + rng.normal(0, 15);
        break;
      case 'potassium':
        v = 4.1 + (phys.kidney ? 0.5 * x : 0) + rng.normal(0, 0.35);
        break;
      case 'sodium':
        v = 139 + rng.normal(0, 3);
        break;
      case 'platelets':
        v = (250 - 50 * x) * noise(0.25);
        break;
      case 'bilirubin':
        v = (0.6 + (phys.infectious ? 0.6 : 0.1) * x) * noise(0.3);
        break;
      case 'troponin':
        v = (8 + 600 * x * x) * noise(0.5);
        break;
    }
    const def = MEASUREMENTS[key];
    const lab: SimLab = {
      id: this.#id(),
      key,
      time,
      value: round(Math.max(v, 10 ** -def.decimals), def.decimals),
    };
    e.labs.push(lab);
    return lab;
  }

  #procedure(e: SimEncounter, key: SimProcedure['key'], start: number, end: number): void {
    // A procedure planned for after a short stay ended does not happen.
    if (start >= e.end) return;
    e.procedures.push({
      id: this.#id(),
      key,
      start,
      end: Math.max(start, Math.min(end, e.end)),
    });
  }

  /** An order, with a dose given every `intervalHours` from start to end when `administered`. */
  #medication(
    e: SimEncounter,
    key: DrugKey,
    start: number,
    end: number,
    dose: number,
    doseUnit: UnitKey,
    route: SimMedication['route'],
    intervalHours: number,
    administered: boolean,
  ): void {
    const administrations: { id: string; time: number }[] = [];
    if (administered) {
      for (let t = start; t <= end && administrations.length < 60; t += intervalHours * HOUR) {
        administrations.push({ id: this.#id(), time: t });
      }
    }
    e.medications.push({
      id: this.#id(),
      key,
      start,
      end,
      dose,
      doseUnit,
      route,
      intervalHours,
      administrations,
    });
  }

  #icuTreatment(
    icu: SimEncounter,
    reason: AdmissionReason,
    severity: number,
    phys: Physiology,
    dies: boolean,
  ): void {
    const rng = this.#rng;
    const { start, end } = icu;
    this.#procedure(icu, 'chestXray', start + HOUR, start + HOUR + 15 * 60_000);
    const ventilated =
      (phys.respiratory && rng.chance(clamp(0.45 * severity, 0, 0.9))) ||
      rng.chance(clamp(0.15 * severity, 0, 0.5));
    if (ventilated) {
      const intubation = start + rng.uniform(0.2, 3) * HOUR;
      const extubation = dies ? end : Math.max(intubation + HOUR, end - rng.uniform(6, 24) * HOUR);
      this.#procedure(icu, 'intubation', intubation, intubation + 20 * 60_000);
      this.#procedure(icu, 'mechanicalVentilation', intubation, extubation);
      this.#medication(icu, 'propofol', intubation, extubation, 2000, 'mg', 'IV', 24, true);
      this.#medication(icu, 'fentanyl', intubation, extubation, 1.2, 'mg', 'IV', 24, true);
      if (rng.chance(0.4))
        this.#medication(icu, 'midazolam', intubation, extubation, 60, 'mg', 'IV', 24, true);
    }
    if (phys.shock || severity > 1.7) {
      const stop = start + (end - start) * rng.uniform(0.2, 0.6);
      this.#medication(icu, 'norepinephrine', start + 0.5 * HOUR, stop, 8, 'mg', 'IV', 24, true);
      if (rng.chance(0.3) && stop > start + 4 * HOUR)
        this.#medication(icu, 'vasopressin', start + 4 * HOUR, stop, 40, 'internationalUnit', 'IV', 24, true);
    }
    if (phys.kidney && rng.chance(0.45)) {
      for (let t = start + rng.uniform(4, 24) * HOUR; t + 4 * HOUR < end; t += 48 * HOUR) {
        this.#procedure(icu, 'hemodialysis', t, t + 4 * HOUR);
      }
    }
    this.#medication(icu, 'heparin', start + 2 * HOUR, end, 5000, 'internationalUnit', 'SC', 12, true);
    if (icu.labs.some((l) => l.key === 'glucose' && l.value > 180)) {
      this.#medication(icu, 'insulinLispro', start + 3 * HOUR, end, 6, 'internationalUnit', 'SC', 6, true);
    }
    if (icu.labs.some((l) => l.key === 'hemoglobin' && l.value < 8)) {
      const first = icu.labs.find((l) => l.key === 'hemoglobin' && l.value < 8);
      if (first !== undefined) this.#procedure(icu, 'transfusion', first.time + HOUR, first.time + 3 * HOUR);
    }
    if (phys.infectious) this.#medication(icu, 'acetaminophen', start + HOUR, end, 1000, 'mg', 'PO', 6, true);
    if (reason === 'covid19' && start >= TOCILIZUMAB_FROM && rng.chance(0.6)) {
      this.#medication(icu, 'tocilizumab', start + 6 * HOUR, start + 6 * HOUR, 600, 'mg', 'IV', 24, true);
    }
  }

  /** Orders that span the whole hospital stay (antibiotics, COVID-19 treatment, cardiac drugs). */
  #admissionTreatment(
    stay: SimEncounter,
    reason: AdmissionReason,
    sepsis: boolean,
    kidney: boolean,
    phys: Physiology,
  ): void {
    const rng = this.#rng;
    const { start, end } = stay;
    const course = (days: number): number => Math.min(end, start + days * DAY);
    const hasIcu = this.#patient.encounters.some((e) => e.partOf === stay.id);
    if (sepsis || reason === 'pneumonia') {
      if (this.#profile.id === 'B') {
        this.#medication(stay, 'ceftriaxone', start + HOUR, course(6), 2000, 'mg', 'IV', 24, true);
      } else {
        this.#medication(stay, 'piperacillinTazobactam', start + HOUR, course(6), 4500, 'mg', 'IV', 8, true);
      }
      if (sepsis && rng.chance(0.5))
        this.#medication(stay, 'vancomycin', start + 2 * HOUR, course(5), 1000, 'mg', 'IV', 12, true);
    }
    if (reason === 'covid19') {
      this.#procedure(stay, 'chestXray', start + HOUR, start + HOUR + 15 * 60_000);
      if (start >= DEXAMETHASONE_FROM)
        this.#medication(stay, 'dexamethasone', start + 2 * HOUR, course(10), 6, 'mg', 'PO', 24, true);
      if (start >= REMDESIVIR_FROM && rng.chance(0.5)) {
        this.#medication(stay, 'remdesivir', start + 3 * HOUR, course(5), 100, 'mg', 'IV', 24, true);
      }
      if (!hasIcu) this.#procedure(stay, 'oxygenByMask', start + HOUR, course(4));
    }
    if (reason === 'pneumonia') this.#procedure(stay, 'chestXray', start + HOUR, start + HOUR + 15 * 60_000);
    if (reason === 'myocardialInfarction') {
      this.#procedure(stay, 'electrocardiogram', start + 10 * 60_000, start + 20 * 60_000);
      this.#procedure(stay, 'echocardiography', start + rng.uniform(4, 30) * HOUR, start + 31 * HOUR);
      for (const [drug, dose] of [
        ['aspirin', 81],
        ['clopidogrel', 75],
        ['atorvastatin', 80],
      ] as const) {
        this.#medication(stay, drug, start + HOUR, end, dose, 'mg', 'PO', 24, true);
      }
      if (!hasIcu) this.#lab(stay, 'troponin', start + HOUR, 1.2, phys);
    }
    if (reason === 'heartFailure') {
      this.#procedure(stay, 'echocardiography', start + rng.uniform(4, 30) * HOUR, start + 31 * HOUR);
      this.#medication(stay, 'furosemide', start + HOUR, end, 40, 'mg', 'IV', 12, true);
    }
    if (reason === 'atrialFibrillation')
      this.#procedure(stay, 'electrocardiogram', start + 10 * 60_000, start + 20 * 60_000);
    if (reason === 'copd') {
      this.#medication(stay, 'prednisone', start + HOUR, course(5), 40, 'mg', 'PO', 24, true);
      this.#medication(stay, 'albuterol', start + HOUR, course(3), 2.5, 'mg', 'INH', 6, true);
    }
    if (reason === 'hipFracture') {
      this.#medication(stay, 'morphine', start + HOUR, course(3), 5, 'mg', 'SC', 6, true);
      this.#medication(stay, 'acetaminophen', start + HOUR, course(5), 1000, 'mg', 'PO', 6, true);
    }
    if (kidney && !hasIcu)
      this.#medication(stay, 'sodiumChloride', start + HOUR, course(2), 1000, 'mL', 'IV', 12, true);
    if (!hasIcu) this.#medication(stay, 'enoxaparin', start + 4 * HOUR, end, 40, 'mg', 'SC', 24, true);
    if (reason === 'acuteKidneyInjury' || (kidney && rng.chance(0.3))) {
      this.#procedure(stay, 'chestXray', start + 2 * HOUR, start + 2 * HOUR + 15 * 60_000);
    }
  }

  /** Deaths after discharge: older patients and ICU survivors die more often within two years. */
  #maybeDieLater(discharge: number): void {
    const rng = this.#rng;
    const p = this.#patient;
    const age = ageInYears(p.birthDate, discharge);
    const hadIcu = p.encounters.some(
      (e) => e.kind === 'icu' && e.end <= discharge && e.end > discharge - 60 * DAY,
    );
    const risk = clamp(0.01 + 0.0015 * (age - 60) + (hadIcu ? 0.08 : 0), 0.002, 0.3);
    if (!rng.chance(risk)) return;
    const t = discharge + rng.uniform(100, 720) * DAY;
    if (t <= WINDOW_END) p.deathTime = Math.floor(t / 60_000) * 60_000;
  }
}

const ICU_LABS: readonly LabKey[] = [
  'lactate',
  'creatinine',
  'crp',
  'leukocytes',
  'hemoglobin',
  'glucose',
  'potassium',
  'sodium',
  'platelets',
];
const WARD_LABS: readonly LabKey[] = ['crp', 'leukocytes', 'hemoglobin', 'creatinine', 'glucose'];

const FAMILY_NAMES: readonly string[] = [
  'de Jong',
  'Jansen',
  'de Vries',
  'van den Berg',
  'van Dijk',
  'Bakker',
  'Janssen',
  'Visser',
  'Smit',
  'Meijer',
  'de Boer',
  'Mulder',
  'de Groot',
  'Bos',
  'Vos',
  'Peters',
  'Hendriks',
  'van Leeuwen',
  'Dekker',
  'Brouwer',
  'de Wit',
  'Dijkstra',
  'Smits',
  'de Graaf',
  'van der Meer',
  'Yilmaz',
  'El Amrani',
  'Kaya',
  'Pinas',
  'Tjon',
];
const MALE_NAMES: readonly string[] = [
  'Daan',
  'Sem',
  'Lucas',
  'Jan',
  'Pieter',
  'Kees',
  'Willem',
  'Hendrik',
  'Mohamed',
  'Ahmet',
  'Ruud',
  'Johan',
  'Gerrit',
  'Bram',
  'Thijs',
  'Erik',
  'Marco',
  'Stefan',
  'Rachid',
  'Dirk',
];
const FEMALE_NAMES: readonly string[] = [
  'Emma',
  'Julia',
  'Sophie',
  'Anna',
  'Maria',
  'Johanna',
  'Cornelia',
  'Fatima',
  'Ayse',
  'Ingrid',
  'Els',
  'Marieke',
  'Sanne',
  'Lotte',
  'Petra',
  'Wilma',
  'Noor',
  'Fleur',
  'Saskia',
  'Hanneke',
];
