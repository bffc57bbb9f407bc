import { randomUUID } from 'node:crypto';
import { upsertDatasetDescription, type Hub } from '@polder/hub';

type Description = Parameters<typeof upsertDatasetDescription>[2];
type Statistics = Description['statistics'];
type Steward = NonNullable<Description['steward']>;

/** A hospital of the test catalogue: what differs between the datasets. */
interface TestHospital {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly keywords: readonly string[];
  readonly healthCategories: Steward['healthCategories'];
  readonly accessRights: Steward['accessRights'];
  readonly dataUseConditions: Steward['dataUseConditions'];
  readonly persons: number;
  readonly typicalAge: { readonly min: number; readonly max: number };
  readonly vocabularies: readonly string[];
  readonly quality: number;
}

const hospitals: readonly TestHospital[] = [
  {
    name: 'Amstel Hospital',
    title: 'Amstel Hospital — electronic health records',
    description:
      'Electronic health records of all patients seen at Amstel Hospital since 2015: diagnoses, medication, laboratory results and admissions, in OMOP CDM 5.4. Strong in diabetes and cardiovascular care.',
    keywords: ['EHR', 'diabetes', 'cardiology'],
    healthCategories: ['EHRS', 'HRAD'],
    accessRights: 'non-public',
    dataUseConditions: ['DUO:0000006', 'DUO:0000046', 'DUO:0000019'],
    persons: 48_215,
    typicalAge: { min: 20, max: 84 },
    vocabularies: ['SNOMED', 'LOINC', 'RxNorm', 'Visit'],
    quality: 96.4,
  },
  {
    name: 'Zuidas Medical Centre',
    title: 'Zuidas Medical Centre — intensive care and diabetes registry',
    description:
      'Admissions to the intensive care unit with vital signs, and the hospital diabetes registry with HbA1c follow-up.',
    keywords: ['ICU', 'diabetes', 'registry'],
    healthCategories: ['EHRS', 'MRMR'],
    accessRights: 'restricted',
    dataUseConditions: ['DUO:0000042', 'DUO:0000021'],
    persons: 9_870,
    typicalAge: { min: 35, max: 89 },
    vocabularies: ['SNOMED', 'LOINC', 'ICD10'],
    quality: 88.9,
  },
  {
    name: "IJ Children's Hospital",
    title: "IJ Children's Hospital — paediatric care",
    description: 'Outpatient and inpatient paediatric care: asthma, type 1 diabetes and growth measurements.',
    keywords: ['paediatrics', 'asthma', 'diabetes'],
    healthCategories: ['EHRS'],
    accessRights: 'public',
    dataUseConditions: ['DUO:0000042'],
    persons: 6_340,
    typicalAge: { min: 0, max: 17 },
    vocabularies: ['SNOMED', 'ATC'],
    quality: 72.5,
  },
];

const round5 = (n: number) => Math.round(n / 5) * 5;

function statisticsOf(h: TestHospital): Statistics {
  const persons = round5(h.persons);
  const shares = [0.04, 0.07, 0.1, 0.12, 0.13, 0.15, 0.16, 0.12, 0.08, 0.03];
  const bands = [
    '0-9',
    '10-19',
    '20-29',
    '30-39',
    '40-49',
    '50-59',
    '60-69',
    '70-79',
    '80-89',
    '90+',
  ] as const;
  const records = [
    { table: 'condition_occurrence', share: 9 },
    { table: 'measurement', share: 31 },
    { table: 'drug_exposure', share: 14 },
    { table: 'visit_occurrence', share: 6 },
    { table: 'procedure_occurrence', share: 3 },
  ] as const;
  const domains = records.map((d) => ({
    table: d.table,
    records: round5(h.persons * d.share),
    persons: round5(h.persons * 0.8),
    topConcepts:
      d.table === 'condition_occurrence'
        ? [
            {
              conceptId: 201826,
              name: 'Type 2 diabetes mellitus',
              vocabularyId: 'SNOMED',
              code: '44054006',
              share: 0.09,
            },
            {
              conceptId: 316866,
              name: 'Hypertensive disorder',
              vocabularyId: 'SNOMED',
              code: '38341003',
              share: 0.14,
            },
            {
              conceptId: 317576,
              name: 'Coronary arteriosclerosis',
              vocabularyId: 'SNOMED',
              code: '53741008',
              share: 0.05,
            },
          ].map(({ share, ...concept }) => ({
            ...concept,
            persons: round5(h.persons * share),
            records: round5(h.persons * share * 3),
          }))
        : [],
  }));
  return {
    computedAt: '2026-11-20T09:00:00.000Z',
    cdmVersion: '5.4',
    disclosureControl: { minCount: 8, roundTo: 5 },
    persons,
    records: domains.reduce((sum, d) => sum + d.records, 0),
    typicalAge: { ...h.typicalAge },
    sex: [
      { key: 'female', persons: round5(h.persons * 0.52) },
      { key: 'male', persons: round5(h.persons * 0.479) },
      { key: 'other', persons: null },
      { key: 'unknown', persons: null },
    ],
    age: bands.map((key, i) => ({ key, persons: round5(h.persons * (shares[i] ?? 0)) })),
    timeCoverage: { start: '2015-01', end: '2025-12' },
    codingSystems: h.vocabularies.map((vocabularyId, i) => ({
      vocabularyId,
      records: round5(h.persons * (20 - i * 4)),
    })),
    domains,
    dataQuality: { score: h.quality, runAt: '2026-11-20T08:00:00Z' },
  };
}

function stewardOf(h: TestHospital): Steward {
  const domain = h.name
    .toLowerCase()
    .replace(/[^a-z]+/g, '-')
    .replace(/-+$/, '');
  return {
    title: h.title,
    description: h.description,
    keywords: [...h.keywords],
    themes: ['HEAL'],
    healthCategories: [...h.healthCategories],
    accessRights: h.accessRights,
    dataUseConditions: [...h.dataUseConditions],
    populationCoverage: `Patients of ${h.name}, Amsterdam.`,
    contactPoint: { name: 'Data desk', email: `data@${domain}.example` },
    publisher: { name: h.name, type: 'inpatient-institute', contact: { email: `info@${domain}.example` } },
    accessBody: { name: 'Health Data Access Body NL', contact: { url: 'https://hdab.example.nl/contact' } },
  };
}

/** Publishes three hospitals' datasets into the hub's catalogue (as their stations would) and returns them. */
export async function publishTestCatalogue(
  hub: Hub,
): Promise<readonly { readonly id: string; readonly title: string; readonly publisher: string }[]> {
  const published = [];
  for (const hospital of hospitals) {
    const { datasetId } = await upsertDatasetDescription(
      hub.db,
      randomUUID(),
      { statistics: statisticsOf(hospital), steward: stewardOf(hospital) },
      { stationName: `${hospital.name} station` },
    );
    published.push({ id: datasetId, title: hospital.title, publisher: hospital.name });
  }
  return published;
}
