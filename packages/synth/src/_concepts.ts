/**
 * Every code the synthetic hospitals emit, with its OMOP concept. Concept ids were looked up in
 * `../shared/data` (see README.md, "Concept table", for where each one was found); the one code without a
 * real id there has a custom id above 2,000,000,000.
 */

export type VocabularyId = 'SNOMED' | 'LOINC' | 'RxNorm' | 'UCUM' | 'Visit' | 'Gender';

/** One row of the vocabulary the generator needs (the shape of `vocabularyNeeds`). */
export interface VocabularyNeed {
  readonly vocabularyId: VocabularyId;
  readonly conceptCode: string;
  readonly conceptName: string;
  readonly domainId: string;
  readonly conceptClassId: string;
  readonly standardConcept: 'S' | null;
  readonly conceptId: number;
}

/** FHIR system URI of each vocabulary the FHIR hospitals write. */
export const SYSTEM = {
  SNOMED: 'http://snomed.info/sct',
  LOINC: 'http://loinc.org',
  RxNorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  UCUM: 'http://unitsofmeasure.org',
  ActCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  Gender: 'http://hl7.org/fhir/administrative-gender',
} as const;

const need = (
  vocabularyId: VocabularyId,
  conceptCode: string,
  conceptName: string,
  domainId: string,
  conceptClassId: string,
  standardConcept: 'S' | null,
  conceptId: number,
): VocabularyNeed =>
  Object.freeze({
    vocabularyId,
    conceptCode,
    conceptName,
    domainId,
    conceptClassId,
    standardConcept,
    conceptId,
  });

const cond = (code: string, name: string, id: number): VocabularyNeed =>
  need('SNOMED', code, name, 'Condition', 'Clinical Finding', 'S', id);
const proc = (code: string, name: string, id: number): VocabularyNeed =>
  need('SNOMED', code, name, 'Procedure', 'Procedure', 'S', id);
const drug = (code: string, name: string, cls: string, id: number): VocabularyNeed =>
  need('RxNorm', code, name, 'Drug', cls, 'S', id);
const vital = (code: string, name: string, id: number): VocabularyNeed =>
  need('LOINC', code, name, 'Measurement', 'Clinical Observation', 'S', id);
const lab = (code: string, name: string, id: number): VocabularyNeed =>
  need('LOINC', code, name, 'Measurement', 'Lab Test', 'S', id);
const unit = (code: string, name: string, id: number): VocabularyNeed =>
  need('UCUM', code, name, 'Unit', 'Unit', 'S', id);

export const CONDITIONS = {
  sepsis: cond('91302008', 'Sepsis', 132797),
  septicShock: cond('76571007', 'Septic shock', 196236),
  pneumonia: cond('233604007', 'Pneumonia', 255848),
  covid19: cond('840539006', 'COVID-19', 37311061),
  myocardialInfarction: cond('22298006', 'Myocardial infarction', 4329847),
  heartFailure: cond('84114007', 'Heart failure', 316139),
  copd: cond('13645005', 'Chronic obstructive lung disease', 255573),
  type2Diabetes: cond('44054006', 'Type 2 diabetes mellitus', 201826),
  hypertension: cond('59621000', 'Essential hypertension', 320128),
  acuteKidneyInjury: cond('14669001', 'Acute renal failure syndrome', 197320),
  acuteRespiratoryFailure: cond('65710008', 'Acute respiratory failure', 319049),
  ards: cond('67782005', 'Acute respiratory distress syndrome', 4195694),
  atrialFibrillation: cond('49436004', 'Atrial fibrillation', 313217),
  hipFracture: cond('359817006', 'Closed fracture of hip', 4230399),
} as const;
export type ConditionKey = keyof typeof CONDITIONS;

export const PROCEDURES = {
  mechanicalVentilation: proc(
    '26763009',
    'Controlled ventilation procedure and therapy, initiation and management',
    4097246,
  ),
  intubation: proc('52765003', 'Intubation', 4202832),
  hemodialysis: proc('302497006', 'Hemodialysis', 4120120),
  chestXray: proc('399208008', 'Plain chest X-ray', 4163872),
  electrocardiogram: proc('29303009', 'Electrocardiographic procedure', 4163951),
  echocardiography: proc('40701008', 'Echocardiography', 4230911),
  oxygenByMask: proc('371908008', 'Oxygen administration by mask', 4162736),
  transfusion: proc('180207008', 'Intravenous blood transfusion of packed cells', 4108705),
} as const;
export type ProcedureKey = keyof typeof PROCEDURES;

export const DRUGS = {
  dexamethasone: drug('3264', 'dexamethasone', 'Ingredient', 1518254),
  remdesivir: drug('2284960', 'remdesivir 100 MG Injection', 'Clinical Drug', 37499275),
  tocilizumab: drug('1657981', '20 ML tocilizumab 20 MG/ML Injection', 'Quant Clinical Drug', 46275123),
  norepinephrine: drug('242969', '4 ML norepinephrine 1 MG/ML Injection', 'Quant Clinical Drug', 1321363),
  vasopressin: drug('2103182', '1 ML vasopressin (USP) 20 UNT/ML Injection', 'Quant Clinical Drug', 35202042),
  propofol: drug('1808217', '100 ML propofol 10 MG/ML Injection', 'Quant Clinical Drug', 40220386),
  midazolam: drug('311700', 'midazolam 1 MG/ML Injectable Solution', 'Clinical Drug', 19078924),
  fentanyl: drug('1735006', '10 ML fentanyl 0.05 MG/ML Injection', 'Quant Clinical Drug', 35603430),
  morphine: drug('1732136', '1 ML morphine sulfate 5 MG/ML Injection', 'Quant Clinical Drug', 35605858),
  piperacillinTazobactam: drug(
    '1659149',
    'piperacillin 4000 MG / tazobactam 500 MG Injection',
    'Clinical Drug',
    46275444,
  ),
  vancomycin: drug('1807513', 'vancomycin 1000 MG Injection', 'Clinical Drug', 40221355),
  ceftriaxone: drug('2193', 'ceftriaxone', 'Ingredient', 1777806),
  heparin: drug(
    '1659263',
    '1 ML heparin sodium, porcine 5000 UNT/ML Injection',
    'Quant Clinical Drug',
    46275507,
  ),
  enoxaparin: drug(
    '854235',
    '0.4 ML enoxaparin sodium 100 MG/ML Prefilled Syringe',
    'Quant Clinical Drug',
    40160973,
  ),
  furosemide: drug('1719286', '10 ML furosemide 10 MG/ML Injection', 'Quant Clinical Drug', 35603224),
  acetaminophen: drug('198440', 'acetaminophen 500 MG Oral Tablet', 'Clinical Drug', 19020053),
  insulinLispro: drug(
    '865098',
    'insulin lispro 100 UNT/ML Injectable Solution [Humalog]',
    'Branded Drug',
    40166274,
  ),
  sodiumChloride: drug('313002', 'sodium chloride 9 MG/ML Injectable Solution', 'Clinical Drug', 19079524),
  albuterol: drug('245314', 'albuterol 5 MG/ML Inhalation Solution', 'Clinical Drug', 1154380),
  prednisone: drug('312615', 'prednisone 20 MG Oral Tablet', 'Clinical Drug', 1551170),
  metformin: drug(
    '860975',
    '24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet',
    'Quant Clinical Drug',
    40163924,
  ),
  lisinopril: drug('314076', 'lisinopril 10 MG Oral Tablet', 'Clinical Drug', 19080128),
  aspirin: drug('243670', 'aspirin 81 MG Oral Tablet', 'Clinical Drug', 19059056),
  clopidogrel: drug('309362', 'clopidogrel 75 MG Oral Tablet', 'Clinical Drug', 19075601),
  atorvastatin: drug('259255', 'atorvastatin 80 MG Oral Tablet', 'Clinical Drug', 1545959),
} as const;
export type DrugKey = keyof typeof DRUGS;

export const UNITS = {
  perMinute: unit('/min', 'per minute', 8541),
  percent: unit('%', 'percent', 8554),
  mmHg: unit('mm[Hg]', 'millimeter mercury column', 8876),
  celsius: unit('Cel', 'degree Celsius', 586323),
  mmolPerL: unit('mmol/L', 'millimole per liter', 8753),
  mgPerDl: unit('mg/dL', 'milligram per deciliter', 8840),
  mgPerL: unit('mg/L', 'milligram per liter', 8751),
  thousandPerUl: unit('10*3/uL', 'thousand per microliter', 8848),
  billionPerL: unit('10*9/L', 'billion per liter', 9444),
  gPerDl: unit('g/dL', 'gram per deciliter', 8713),
  ngPerL: unit('ng/L', 'nanogram per liter', 8725),
  mg: unit('mg', 'milligram', 8576),
  ug: unit('ug', 'microgram', 9655),
  internationalUnit: unit('[iU]', 'international unit', 8718),
  mL: unit('mL', 'milliliter', 8587),
} as const;
export type UnitKey = keyof typeof UNITS;

/** A vital sign or lab: its LOINC concept, its unit and how the value is rounded. */
export interface MeasurementDef {
  readonly concept: VocabularyNeed;
  readonly unit: VocabularyNeed;
  /** Decimals kept when the value is written. */
  readonly decimals: number;
  readonly kind: 'vital' | 'lab';
}

const m = (
  concept: VocabularyNeed,
  u: VocabularyNeed,
  decimals: number,
  kind: 'vital' | 'lab',
): MeasurementDef => Object.freeze({ concept, unit: u, decimals, kind });

export const BP_PANEL = vital('85354-9', 'Blood pressure panel with all children optional', 36203185);

export const MEASUREMENTS = {
  heartRate: m(vital('8867-4', 'Heart rate', 3027018), UNITS.perMinute, 0, 'vital'),
  respiratoryRate: m(vital('9279-1', 'Respiratory rate', 3024171), UNITS.perMinute, 0, 'vital'),
  spo2: m(
    vital('59408-5', 'Oxygen saturation in Arterial blood by Pulse oximetry', 40762499),
    UNITS.percent,
    0,
    'vital',
  ),
  systolicBp: m(vital('8480-6', 'Systolic blood pressure', 3004249), UNITS.mmHg, 0, 'vital'),
  diastolicBp: m(vital('8462-4', 'Diastolic blood pressure', 3012888), UNITS.mmHg, 0, 'vital'),
  temperature: m(vital('8310-5', 'Body temperature', 3020891), UNITS.celsius, 1, 'vital'),
  lactate: m(lab('32693-4', 'Lactate [Moles/volume] in Blood', 3047181), UNITS.mmolPerL, 1, 'lab'),
  creatinine: m(
    lab('2160-0', 'Creatinine [Mass/volume] in Serum or Plasma', 3016723),
    UNITS.mgPerDl,
    2,
    'lab',
  ),
  crp: m(
    lab('1988-5', 'C reactive protein [Mass/volume] in Serum or Plasma', 3020460),
    UNITS.mgPerL,
    0,
    'lab',
  ),
  leukocytes: m(
    lab('6690-2', 'Leukocytes [#/volume] in Blood by Automated count', 3000905),
    UNITS.thousandPerUl,
    1,
    'lab',
  ),
  hemoglobin: m(lab('718-7', 'Hemoglobin [Mass/volume] in Blood', 3000963), UNITS.gPerDl, 1, 'lab'),
  glucose: m(lab('2345-7', 'Glucose [Mass/volume] in Serum or Plasma', 3004501), UNITS.mgPerDl, 0, 'lab'),
  potassium: m(
    lab('2823-3', 'Potassium [Moles/volume] in Serum or Plasma', 3023103),
    UNITS.mmolPerL,
    1,
    'lab',
  ),
  sodium: m(lab('2951-2', 'Sodium [Moles/volume] in Serum or Plasma', 3019550), UNITS.mmolPerL, 0, 'lab'),
  platelets: m(
    lab('777-3', 'Platelets [#/volume] in Blood by Automated count', 3024929),
    UNITS.thousandPerUl,
    0,
    'lab',
  ),
  bilirubin: m(
    lab('1975-2', 'Bilirubin.total [Mass/volume] in Serum or Plasma', 3024128),
    UNITS.mgPerDl,
    1,
    'lab',
  ),
  troponin: m(
    lab(
      '89579-7',
      'Troponin I.cardiac [Mass/volume] in Serum or Plasma by High sensitivity method',
      36306105,
    ),
    UNITS.ngPerL,
    0,
    'lab',
  ),
} as const;
export type MeasurementKey = keyof typeof MEASUREMENTS;
export type VitalKey =
  'heartRate' | 'respiratoryRate' | 'spo2' | 'systolicBp' | 'diastolicBp' | 'temperature';
export type LabKey = Exclude<MeasurementKey, VitalKey>;

export const VISITS = {
  inpatient: need('Visit', 'IP', 'Inpatient Visit', 'Visit', 'Visit', 'S', 9201),
  outpatient: need('Visit', 'OP', 'Outpatient Visit', 'Visit', 'Visit', 'S', 9202),
  emergency: need('Visit', 'ER', 'Emergency Room Visit', 'Visit', 'Visit', 'S', 9203),
  intensiveCare: need('Visit', 'OMOP4822460', 'Intensive Care', 'Visit', 'Visit', 'S', 32037),
} as const;

/**
 * SNOMED CT 309904001 "Intensive care unit" (an environment), written as the type of FHIR ICU Encounters.
 * No OMOP id for it is in the shared data, hence the custom id; it maps to the visit concept 32037.
 */
export const ICU_ENVIRONMENT = need(
  'SNOMED',
  '309904001',
  'Intensive care unit',
  'Visit',
  'Location',
  null,
  2_000_000_001,
);

export const GENDERS = {
  male: need('Gender', 'M', 'MALE', 'Gender', 'Gender', 'S', 8507),
  female: need('Gender', 'F', 'FEMALE', 'Gender', 'Gender', 'S', 8532),
} as const;

/**
 * FHIR Encounter.class codes (v3-ActCode) and the OMOP visit concept each one stands for. An ICU stay is an
 * Encounter of class ACUTE with `partOf` (the hospital stay) and type SNOMED 309904001: a visit_detail 32037.
 */
export const ENCOUNTER_CLASSES = {
  IMP: { display: 'inpatient encounter', visit: VISITS.inpatient },
  ACUTE: { display: 'inpatient acute', visit: VISITS.inpatient },
  EMER: { display: 'emergency', visit: VISITS.emergency },
  AMB: { display: 'ambulatory', visit: VISITS.outpatient },
} as const;

/** Non-standard codes the generator writes and the standard concept each one maps to ('Maps to'). */
export const VOCABULARY_MAPPINGS: readonly {
  readonly vocabularyId: VocabularyId;
  readonly conceptCode: string;
  readonly targetConceptId: number;
}[] = Object.freeze([
  { vocabularyId: 'SNOMED', conceptCode: ICU_ENVIRONMENT.conceptCode, targetConceptId: 32037 },
]);

function collectNeeds(): readonly VocabularyNeed[] {
  const all: VocabularyNeed[] = [
    ...Object.values(CONDITIONS),
    ...Object.values(PROCEDURES),
    ...Object.values(DRUGS),
    BP_PANEL,
    ...Object.values(MEASUREMENTS).map((d) => d.concept),
    ...Object.values(UNITS),
    ...Object.values(VISITS),
    ICU_ENVIRONMENT,
    ...Object.values(GENDERS),
  ];
  const seen = new Set<string>();
  const unique: VocabularyNeed[] = [];
  for (const n of all) {
    const key = `${n.vocabularyId}|${n.conceptCode}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(n);
  }
  return Object.freeze(unique);
}

/**
 * Every code any synthetic hospital emits (hospital C's local codes map onto these), with its OMOP concept.
 * A starter vocabulary built from this list lets all three hospitals load without unmapped codes (apart
 * from hospital C's documented blemishes).
 */
export const vocabularyNeeds: readonly VocabularyNeed[] = collectNeeds();
