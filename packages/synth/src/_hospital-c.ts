import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BufferedWriter } from './_buffered-writer.ts';
import {
  CONDITIONS,
  DRUGS,
  GENDERS,
  MEASUREMENTS,
  PROCEDURES,
  UNITS,
  VISITS,
  type ConditionKey,
  type DrugKey,
  type MeasurementKey,
  type ProcedureKey,
  type VocabularyNeed,
} from './_concepts.ts';
import { decimalComma, dutchDate, dutchDateTime } from './_format.ts';
import type { GeneratedFile, HospitalResult, HospitalRun } from './generate-hospital.ts';
import type { SimEncounter, SimPatient } from './_model.ts';
import { simulatePatient } from './_simulate.ts';

/** Local code systems of hospital C (the `source_vocabulary_id` of its mapping table). */
export const C_SYSTEMS = {
  gender: 'hospital-c-gender',
  visitType: 'hospital-c-visit-type',
  ward: 'hospital-c-ward',
  diagnosis: 'hospital-c-diagnosis',
  lab: 'hospital-c-lab',
  vital: 'hospital-c-vital',
  drug: 'hospital-c-drug',
  procedure: 'hospital-c-procedure',
} as const;

interface LocalCode {
  readonly code: string;
  readonly description: string;
}

const DIAGNOSIS_CODES: Readonly<Record<ConditionKey, LocalCode>> = {
  sepsis: { code: 'INF-SEP', description: 'Sepsis' },
  septicShock: { code: 'INF-SSH', description: 'Septische shock' },
  pneumonia: { code: 'LON-PNE', description: 'Pneumonie' },
  covid19: { code: 'INF-COV', description: 'COVID-19' },
  myocardialInfarction: { code: 'CAR-AMI', description: 'Acuut myocardinfarct' },
  heartFailure: { code: 'CAR-HF', description: 'Hartfalen' },
  copd: { code: 'LON-COPD', description: 'COPD' },
  type2Diabetes: { code: 'END-DM2', description: 'Diabetes mellitus type 2' },
  hypertension: { code: 'CAR-HT', description: 'Hypertensie' },
  acuteKidneyInjury: { code: 'NIE-AKI', description: 'Acute nierschade' },
  acuteRespiratoryFailure: { code: 'LON-ARF', description: 'Acute respiratoire insufficiëntie' },
  ards: { code: 'LON-ARDS', description: 'ARDS' },
  atrialFibrillation: { code: 'CAR-AF', description: 'Atriumfibrilleren' },
  hipFracture: { code: 'TRA-HEUP', description: 'Heupfractuur' },
};

const MEASUREMENT_CODES: Readonly<Record<MeasurementKey, LocalCode>> = {
  heartRate: { code: 'HF', description: 'Hartfrequentie' },
  respiratoryRate: { code: 'AHF', description: 'Ademhalingsfrequentie' },
  spo2: { code: 'SAT', description: 'Saturatie (pulsoximetrie)' },
  systolicBp: { code: 'NIBP-S', description: 'Bloeddruk systolisch' },
  diastolicBp: { code: 'NIBP-D', description: 'Bloeddruk diastolisch' },
  temperature: { code: 'TEMP', description: 'Lichaamstemperatuur' },
  lactate: { code: 'LACT', description: 'Lactaat (bloedgas)' },
  creatinine: { code: 'KREA', description: 'Kreatinine' },
  crp: { code: 'CRP', description: 'C-reactief proteïne' },
  leukocytes: { code: 'LEUK', description: 'Leukocyten' },
  hemoglobin: { code: 'HB', description: 'Hemoglobine' },
  glucose: { code: 'GLUC', description: 'Glucose' },
  potassium: { code: 'KAL', description: 'Kalium' },
  sodium: { code: 'NATR', description: 'Natrium' },
  platelets: { code: 'TROM', description: 'Trombocyten' },
  bilirubin: { code: 'BILI', description: 'Bilirubine totaal' },
  troponin: { code: 'TROP-HS', description: 'Troponine I hoog-sensitief' },
};

const DRUG_CODES: Readonly<Record<DrugKey, LocalCode>> = {
  dexamethasone: { code: 'M10231', description: 'Dexamethason tablet 6 mg' },
  remdesivir: { code: 'M20117', description: 'Remdesivir infuus 100 mg' },
  tocilizumab: { code: 'M20245', description: 'Tocilizumab infuus 20 mg/ml' },
  norepinephrine: { code: 'M30012', description: 'Noradrenaline 1 mg/ml' },
  vasopressin: { code: 'M30019', description: 'Vasopressine 20 IE/ml' },
  propofol: { code: 'M30101', description: 'Propofol 10 mg/ml' },
  midazolam: { code: 'M30107', description: 'Midazolam 1 mg/ml' },
  fentanyl: { code: 'M30113', description: 'Fentanyl 50 microg/ml' },
  morphine: { code: 'M30121', description: 'Morfine 5 mg/ml' },
  piperacillinTazobactam: { code: 'M40007', description: 'Piperacilline/tazobactam 4000/500 mg' },
  vancomycin: { code: 'M40015', description: 'Vancomycine 1000 mg' },
  ceftriaxone: { code: 'M40022', description: 'Ceftriaxon' },
  heparin: { code: 'M50003', description: 'Heparine 5000 IE/ml' },
  enoxaparin: { code: 'M50011', description: 'Enoxaparine 40 mg/0,4 ml' },
  furosemide: { code: 'M60004', description: 'Furosemide 10 mg/ml' },
  acetaminophen: { code: 'M70001', description: 'Paracetamol tablet 500 mg' },
  insulinLispro: { code: 'M80002', description: 'Insuline lispro 100 E/ml (Humalog)' },
  sodiumChloride: { code: 'M90001', description: 'NaCl 0,9%' },
  albuterol: { code: 'M61001', description: 'Salbutamol vernevelvloeistof 5 mg/ml' },
  prednisone: { code: 'M61010', description: 'Prednison tablet 20 mg' },
  metformin: { code: 'M62001', description: 'Metformine MGA 500 mg' },
  lisinopril: { code: 'M63001', description: 'Lisinopril tablet 10 mg' },
  aspirin: { code: 'M63010', description: 'Acetylsalicylzuur 80 mg' },
  clopidogrel: { code: 'M63015', description: 'Clopidogrel 75 mg' },
  atorvastatin: { code: 'M63020', description: 'Atorvastatine 80 mg' },
};

const PROCEDURE_CODES: Readonly<Record<ProcedureKey, LocalCode>> = {
  mechanicalVentilation: { code: 'V-BEADEM', description: 'Invasieve beademing' },
  intubation: { code: 'V-INTUB', description: 'Endotracheale intubatie' },
  hemodialysis: { code: 'V-HD', description: 'Hemodialyse' },
  chestXray: { code: 'R-THX', description: 'X-thorax' },
  electrocardiogram: { code: 'F-ECG', description: 'ECG' },
  echocardiography: { code: 'F-ECHO', description: 'Echocardiografie' },
  oxygenByMask: { code: 'V-O2MAS', description: 'Zuurstof via masker' },
  transfusion: { code: 'V-ERY', description: 'Erytrocytentransfusie' },
};

const VISIT_TYPES = {
  inpatient: { code: 'KLIN', description: 'Klinische opname', concept: VISITS.inpatient },
  emergency: { code: 'SEH', description: 'Spoedeisende hulp', concept: VISITS.emergency },
  outpatient: { code: 'POLI', description: 'Polikliniekbezoek', concept: VISITS.outpatient },
} as const;

const WARDS: readonly { readonly code: string; readonly name: string; readonly icu: boolean }[] = [
  { code: 'IC-1', name: 'Intensive Care 1 (volwassenen)', icu: true },
  { code: 'IC-2', name: 'Intensive Care 2 (cohort-IC)', icu: true },
  { code: 'INT', name: 'Interne geneeskunde', icu: false },
  { code: 'LON', name: 'Longziekten', icu: false },
  { code: 'CAR', name: 'Cardiologie', icu: false },
  { code: 'CHI', name: 'Chirurgie/orthopedie', icu: false },
  { code: 'SEH', name: 'Spoedeisende hulp', icu: false },
  { code: 'POLI', name: 'Poliklinieken', icu: false },
];

/**
 * Deliberate blemishes (see README.md): CRP results before 2020 carry the lab's old code, which the mapping
 * table lacks; a blinded study drug has no RxNorm code and so no mapping.
 */
export const C_UNMAPPED_CODES: readonly {
  readonly system: string;
  readonly code: string;
  readonly why: string;
}[] = [
  {
    system: C_SYSTEMS.lab,
    code: 'CRP-OUD',
    why: 'old CRP code used before 2020-01-01; not in the mapping table',
  },
  { system: C_SYSTEMS.drug, code: 'M99001', why: 'blinded study medication; no RxNorm code exists' },
];
const CRP_CODE_CHANGE = Date.UTC(2020, 0, 1);
const STUDY_DRUG: LocalCode = { code: 'M99001', description: 'Studiemedicatie (geblindeerd)' };

const DELIMITER = ';';

/** Quotes a CSV cell when it needs it (delimiter, quote or line break inside). */
function cell(value: string): string {
  return /[;"\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
const row = (cells: readonly string[]): string => cells.map(cell).join(DELIMITER) + '\r\n';

interface CsvFile {
  readonly name: string;
  readonly kind: string;
  readonly header: readonly string[];
}

const FILES = {
  patients: {
    name: 'patienten.csv',
    kind: 'patienten',
    header: ['patientnummer', 'geslacht', 'geboortedatum', 'overlijdensdatum'],
  },
  visits: {
    name: 'opnames.csv',
    kind: 'opnames',
    header: ['opnamenummer', 'patientnummer', 'soort', 'afdeling', 'opnamedatum', 'ontslagdatum'],
  },
  icu: {
    name: 'ic_opnames.csv',
    kind: 'ic_opnames',
    header: ['ic_opnamenummer', 'opnamenummer', 'patientnummer', 'afdeling', 'begin', 'einde'],
  },
  diagnoses: {
    name: 'diagnoses.csv',
    kind: 'diagnoses',
    header: [
      'diagnosenummer',
      'patientnummer',
      'opnamenummer',
      'diagnosecode',
      'omschrijving',
      'begindatum',
      'einddatum',
    ],
  },
  labs: {
    name: 'labuitslagen.csv',
    kind: 'labuitslagen',
    header: [
      'uitslagnummer',
      'patientnummer',
      'opnamenummer',
      'afnametijd',
      'bepalingcode',
      'omschrijving',
      'uitslag',
      'eenheid',
    ],
  },
  vitals: {
    name: 'metingen.csv',
    kind: 'metingen',
    header: ['metingnummer', 'patientnummer', 'opnamenummer', 'tijdstip', 'parameter', 'waarde', 'eenheid'],
  },
  drugs: {
    name: 'medicatie.csv',
    kind: 'medicatie',
    header: [
      'medicatienummer',
      'patientnummer',
      'opnamenummer',
      'middelcode',
      'omschrijving',
      'starttijd',
      'eindtijd',
      'dosis',
      'eenheid',
      'toedieningsweg',
    ],
  },
  procedures: {
    name: 'verrichtingen.csv',
    kind: 'verrichtingen',
    header: [
      'verrichtingnummer',
      'patientnummer',
      'opnamenummer',
      'verrichtingcode',
      'omschrijving',
      'begin',
      'einde',
    ],
  },
  wards: { name: 'afdelingen.csv', kind: 'afdelingen', header: ['afdelingcode', 'naam'] },
} as const satisfies Record<string, CsvFile>;
type FileKey = keyof typeof FILES;

const ROUTE_NL = { IV: 'intraveneus', PO: 'oraal', SC: 'subcutaan', INH: 'inhalatie' } as const;

/** Writes hospital C: CSV files, its source_to_concept_map and its mapping config. */
export async function writeHospitalC(run: HospitalRun): Promise<HospitalResult> {
  const writers = new Map<FileKey, BufferedWriter>();
  const rows: Record<string, number> = {};
  for (const key of Object.keys(FILES) as FileKey[]) {
    const f = FILES[key];
    const w = new BufferedWriter(join(run.outDir, f.name), 'latin1');
    w.write(row(f.header));
    writers.set(key, w);
    rows[f.kind] = 0;
  }
  const put = (key: FileKey, cells: readonly string[]): void => {
    const w = writers.get(key);
    if (w === undefined) throw new Error(`Cannot write ${key}: no such file`);
    w.write(row(cells));
    rows[FILES[key].kind] = (rows[FILES[key].kind] ?? 0) + 1;
  };
  for (const ward of WARDS) put('wards', [ward.code, ward.name]);

  const counters = { diagnosis: 0, lab: 0, vital: 0, drug: 0, procedure: 0 };
  for (let i = 0; i < run.patients; i++) {
    const p = simulatePatient('C', run.seed, i);
    writePatient(p, put, counters);
    for (const w of writers.values()) await w.flushIfFull();
    run.onProgress?.(i + 1, run.patients);
  }
  const files: GeneratedFile[] = [];
  for (const key of Object.keys(FILES) as FileKey[]) {
    await writers.get(key)?.close();
    files.push({ path: FILES[key].name, records: rows[FILES[key].kind] ?? 0 });
  }
  const stcm = sourceToConceptMap();
  await writeFile(join(run.outDir, 'stcm.csv'), stcm.text);
  files.push({ path: 'stcm.csv', records: stcm.rows });
  await writeFile(join(run.outDir, 'mapping.json'), JSON.stringify(mappingConfig(), null, 2) + '\n');
  files.push({ path: 'mapping.json', records: 0 });
  return { counts: rows, files };
}

function writePatient(
  p: SimPatient,
  put: (key: FileKey, cells: readonly string[]) => void,
  counters: { diagnosis: number; lab: number; vital: number; drug: number; procedure: number },
): void {
  const patnr = String(3_000_000 + p.index);
  put('patients', [
    patnr,
    p.gender === 'male' ? 'M' : 'V',
    dutchDate(p.birthDate),
    p.deathTime === undefined ? '' : dutchDate(p.deathTime),
  ]);
  // Local visit numbers: the hospital stay number is also used for everything inside its ICU stays.
  const visitNumber = new Map<string, string>();
  let seq = 0;
  for (const e of p.encounters) {
    if (e.kind === 'icu') continue;
    seq++;
    visitNumber.set(e.id, `${patnr}${String(seq).padStart(3, '0')}`);
  }
  let icuSeq = 0;
  const visitOf = (e: SimEncounter): string => visitNumber.get(e.partOf ?? e.id) ?? '';
  for (const e of p.encounters) {
    if (e.kind === 'icu') {
      icuSeq++;
      put('icu', [
        `${patnr}IC${icuSeq}`,
        visitOf(e),
        patnr,
        e.ward,
        dutchDateTime(e.start),
        dutchDateTime(e.end),
      ]);
    } else {
      const type = VISIT_TYPES[e.kind];
      put('visits', [visitOf(e), patnr, type.code, e.ward, dutchDateTime(e.start), dutchDateTime(e.end)]);
    }
  }
  // Long-standing conditions are on the problem list, without a visit number.
  for (const c of p.chronicConditions) {
    const local = DIAGNOSIS_CODES[c.key];
    put('diagnoses', [
      String(++counters.diagnosis),
      patnr,
      '',
      local.code,
      local.description,
      dutchDate(c.onset),
      '',
    ]);
  }
  for (const e of p.encounters) {
    const visit = visitOf(e);
    for (const c of e.conditions) {
      const local = DIAGNOSIS_CODES[c.key];
      put('diagnoses', [
        String(++counters.diagnosis),
        patnr,
        visit,
        local.code,
        local.description,
        dutchDate(c.onset),
        '',
      ]);
    }
    for (const v of e.vitals) {
      const when = dutchDateTime(v.time);
      for (const key of [
        'heartRate',
        'respiratoryRate',
        'spo2',
        'systolicBp',
        'diastolicBp',
        'temperature',
      ] as const) {
        const local = MEASUREMENT_CODES[key];
        put('vitals', [
          String(++counters.vital),
          patnr,
          visit,
          when,
          local.code,
          decimalComma(v[key]),
          MEASUREMENTS[key].unit.conceptCode,
        ]);
      }
    }
    for (const l of e.labs) {
      let local = MEASUREMENT_CODES[l.key];
      if (l.key === 'crp' && l.time < CRP_CODE_CHANGE)
        local = { code: 'CRP-OUD', description: 'CRP (oude bepaling)' };
      // Hospital C's lab reports leukocytes per litre (10^9/L equals 10^3/uL in value).
      const unit = l.key === 'leukocytes' ? UNITS.billionPerL : MEASUREMENTS[l.key].unit;
      put('labs', [
        String(++counters.lab),
        patnr,
        visit,
        dutchDateTime(l.time),
        local.code,
        local.description,
        decimalComma(l.value),
        unit.conceptCode,
      ]);
    }
    for (const m of e.medications) {
      const local = DRUG_CODES[m.key];
      const dose = decimalComma(m.dose);
      const unit = UNITS[m.doseUnit].conceptCode;
      if (m.administrations.length === 0) {
        const cells = [
          local.code,
          local.description,
          dutchDateTime(m.start),
          dutchDateTime(m.end),
          dose,
          unit,
          ROUTE_NL[m.route],
        ];
        put('drugs', [String(++counters.drug), patnr, visit, ...cells]);
      }
      for (const a of m.administrations) {
        const when = dutchDateTime(a.time);
        put('drugs', [
          String(++counters.drug),
          patnr,
          visit,
          local.code,
          local.description,
          when,
          when,
          dose,
          unit,
          ROUTE_NL[m.route],
        ]);
      }
    }
    // A blinded trial drug for some COVID-19 ICU patients (deterministic: depends on the stay's id).
    if (e.kind === 'icu' && isStudyPatient(e, p)) {
      const when = dutchDateTime(e.start + 8 * 3_600_000);
      put('drugs', [
        String(++counters.drug),
        patnr,
        visit,
        STUDY_DRUG.code,
        STUDY_DRUG.description,
        when,
        when,
        '1',
        '',
        'intraveneus',
      ]);
    }
    for (const pr of e.procedures) {
      const local = PROCEDURE_CODES[pr.key];
      put('procedures', [
        String(++counters.procedure),
        patnr,
        visit,
        local.code,
        local.description,
        dutchDateTime(pr.start),
        dutchDateTime(pr.end),
      ]);
    }
  }
}

function isStudyPatient(icu: SimEncounter, p: SimPatient): boolean {
  const stay = p.encounters.find((e) => e.id === icu.partOf);
  const covid = stay?.conditions.some((c) => c.key === 'covid19') ?? false;
  return covid && parseInt(icu.id.slice(0, 2), 16) < 26;
}

/** Rows of the mapping table: every local code except the documented blemishes. */
export function hospitalCCodeMap(): readonly {
  readonly system: string;
  readonly code: string;
  readonly description: string;
  readonly target: VocabularyNeed;
}[] {
  const out: { system: string; code: string; description: string; target: VocabularyNeed }[] = [];
  out.push({ system: C_SYSTEMS.gender, code: 'M', description: 'Man', target: GENDERS.male });
  out.push({ system: C_SYSTEMS.gender, code: 'V', description: 'Vrouw', target: GENDERS.female });
  for (const t of Object.values(VISIT_TYPES))
    out.push({ system: C_SYSTEMS.visitType, code: t.code, description: t.description, target: t.concept });
  for (const w of WARDS) {
    if (w.icu)
      out.push({ system: C_SYSTEMS.ward, code: w.code, description: w.name, target: VISITS.intensiveCare });
  }
  for (const [key, local] of Object.entries(DIAGNOSIS_CODES)) {
    out.push({
      system: C_SYSTEMS.diagnosis,
      code: local.code,
      description: local.description,
      target: CONDITIONS[key as ConditionKey],
    });
  }
  for (const [key, local] of Object.entries(MEASUREMENT_CODES)) {
    const def = MEASUREMENTS[key as MeasurementKey];
    out.push({
      system: def.kind === 'lab' ? C_SYSTEMS.lab : C_SYSTEMS.vital,
      code: local.code,
      description: local.description,
      target: def.concept,
    });
  }
  for (const [key, local] of Object.entries(DRUG_CODES)) {
    out.push({
      system: C_SYSTEMS.drug,
      code: local.code,
      description: local.description,
      target: DRUGS[key as DrugKey],
    });
  }
  for (const [key, local] of Object.entries(PROCEDURE_CODES)) {
    out.push({
      system: C_SYSTEMS.procedure,
      code: local.code,
      description: local.description,
      target: PROCEDURES[key as ProcedureKey],
    });
  }
  return out;
}

const STCM_HEADER = [
  'source_code',
  'source_concept_id',
  'source_vocabulary_id',
  'source_code_description',
  'target_concept_id',
  'target_vocabulary_id',
  'valid_start_date',
  'valid_end_date',
  'invalid_reason',
];

function sourceToConceptMap(): { text: string; rows: number } {
  const quote = (s: string): string => (/[,"\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [STCM_HEADER.join(',')];
  for (const r of hospitalCCodeMap()) {
    lines.push(
      [
        r.code,
        '0',
        r.system,
        r.description,
        String(r.target.conceptId),
        r.target.vocabularyId,
        '1970-01-01',
        '2099-12-31',
        '',
      ]
        .map(quote)
        .join(','),
    );
  }
  return { text: lines.join('\n') + '\n', rows: lines.length - 1 };
}

/** Hospital C's CSV mapping config, in the shape of `CsvMappingConfig` (packages/etl/src/csv). */
export function mappingConfig(): Record<string, unknown> {
  const ucum = (column: string): Record<string, string> => ({ column, system: 'http://unitsofmeasure.org' });
  const visitRef = { column: 'opnamenummer', refPrefix: 'Opname' };
  const personRef = { column: 'patientnummer', refPrefix: 'Patient' };
  return {
    source: 'hospital-c',
    delimiter: DELIMITER,
    encoding: 'windows-1252',
    dateFormats: ['dd-mm-yyyy HH:mm', 'dd-mm-yyyy'],
    decimalComma: true,
    codeMaps: ['stcm.csv'],
    files: [
      {
        path: FILES.wards.name,
        kind: 'careSite',
        resourceType: 'Afdeling',
        idPrefix: 'Afdeling',
        id: 'afdelingcode',
        columns: { name: 'naam' },
      },
      {
        path: FILES.patients.name,
        kind: 'person',
        resourceType: 'Patient',
        idPrefix: 'Patient',
        id: 'patientnummer',
        columns: {
          birthDate: 'geboortedatum',
          deathDate: 'overlijdensdatum',
          gender: { column: 'geslacht', system: C_SYSTEMS.gender },
        },
      },
      {
        path: FILES.visits.name,
        kind: 'visit',
        resourceType: 'Opname',
        idPrefix: 'Opname',
        id: 'opnamenummer',
        columns: {
          personRef,
          visitClass: { column: 'soort', system: C_SYSTEMS.visitType },
          start: 'opnamedatum',
          end: 'ontslagdatum',
          careSiteRef: { column: 'afdeling', refPrefix: 'Afdeling' },
        },
      },
      {
        path: FILES.icu.name,
        kind: 'visitDetail',
        resourceType: 'IcOpname',
        idPrefix: 'IcOpname',
        id: 'ic_opnamenummer',
        columns: {
          personRef,
          visitRef,
          detailType: { column: 'afdeling', system: C_SYSTEMS.ward },
          start: 'begin',
          end: 'einde',
          careSiteRef: { column: 'afdeling', refPrefix: 'Afdeling' },
        },
      },
      {
        path: FILES.diagnoses.name,
        kind: 'clinical',
        resourceType: 'Diagnose',
        idPrefix: 'Diagnose',
        id: 'diagnosenummer',
        columns: {
          personRef,
          visitRef,
          concept: { column: 'diagnosecode', system: C_SYSTEMS.diagnosis, display: 'omschrijving' },
          start: 'begindatum',
          end: 'einddatum',
        },
        fixed: { domainHint: 'condition' },
      },
      {
        path: FILES.labs.name,
        kind: 'clinical',
        resourceType: 'Labuitslag',
        idPrefix: 'Labuitslag',
        id: 'uitslagnummer',
        columns: {
          personRef,
          visitRef,
          concept: { column: 'bepalingcode', system: C_SYSTEMS.lab, display: 'omschrijving' },
          start: 'afnametijd',
          valueNumber: 'uitslag',
          unit: ucum('eenheid'),
        },
        fixed: { domainHint: 'measurement' },
      },
      {
        path: FILES.vitals.name,
        kind: 'clinical',
        resourceType: 'Meting',
        idPrefix: 'Meting',
        id: 'metingnummer',
        columns: {
          personRef,
          visitRef,
          concept: { column: 'parameter', system: C_SYSTEMS.vital },
          start: 'tijdstip',
          valueNumber: 'waarde',
          unit: ucum('eenheid'),
        },
        fixed: { domainHint: 'measurement' },
      },
      {
        path: FILES.drugs.name,
        kind: 'clinical',
        resourceType: 'Medicatie',
        idPrefix: 'Medicatie',
        id: 'medicatienummer',
        columns: {
          personRef,
          visitRef,
          concept: { column: 'middelcode', system: C_SYSTEMS.drug, display: 'omschrijving' },
          start: 'starttijd',
          end: 'eindtijd',
        },
        fixed: { domainHint: 'drug' },
      },
      {
        path: FILES.procedures.name,
        kind: 'clinical',
        resourceType: 'Verrichting',
        idPrefix: 'Verrichting',
        id: 'verrichtingnummer',
        columns: {
          personRef,
          visitRef,
          concept: { column: 'verrichtingcode', system: C_SYSTEMS.procedure, display: 'omschrijving' },
          start: 'begin',
          end: 'einde',
        },
        fixed: { domainHint: 'procedure' },
      },
    ],
  };
}
