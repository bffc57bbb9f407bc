import type { DatasetStatistics, StewardDescription } from '@polder/protocol';
import type { CatalogueDataset, CatalogueSettings } from './healthdcat-graph.ts';

/** Fixtures for catalogue tests and the benchmark: a hub's settings and plausible dataset descriptions. */
export const exampleSettings: CatalogueSettings = Object.freeze({
  baseUrl: 'https://hub.polder.example',
  title: 'Polder catalogue of Amsterdam hospital data',
  description: 'Datasets held at the stations of Amsterdam hospitals, for secondary use under the EHDS.',
  publisherName: 'Polder hub operator',
});

export const exampleStatistics: DatasetStatistics = {
  computedAt: '2026-11-23T12:00:00.000Z',
  cdmVersion: '5.4',
  disclosureControl: { minCount: 8, roundTo: 5 },
  persons: 10_000,
  records: 1_250_000,
  typicalAge: { min: 15, max: 84 },
  sex: [
    { key: 'female', persons: 5_100 },
    { key: 'male', persons: 4_880 },
    { key: 'other', persons: null },
    { key: 'unknown', persons: null },
  ],
  age: [
    { key: '0-9', persons: 800 },
    { key: '10-19', persons: 900 },
    { key: '20-29', persons: 1_100 },
  ],
  timeCoverage: { start: '2015-01', end: '2025-12' },
  codingSystems: [
    { vocabularyId: 'LOINC', uri: 'http://loinc.org', records: 600_000 },
    { vocabularyId: 'RxNorm', uri: 'http://www.nlm.nih.gov/research/umls/rxnorm', records: 200_000 },
    { vocabularyId: 'SNOMED', uri: 'http://snomed.info/sct', records: 400_000 },
    { vocabularyId: 'Visit', records: 50_000 },
  ],
  domains: [
    {
      table: 'condition_occurrence',
      records: 400_000,
      persons: 9_000,
      topConcepts: [
        {
          conceptId: 201826,
          name: 'Type 2 diabetes mellitus',
          vocabularyId: 'SNOMED',
          code: '44054006',
          persons: 850,
          records: 2_400,
        },
        {
          conceptId: 316866,
          name: 'Hypertensive disorder',
          vocabularyId: 'SNOMED',
          code: '38341003',
          persons: 1_200,
          records: 3_100,
        },
      ],
    },
    { table: 'measurement', records: 600_000, persons: 9_500, topConcepts: [] },
    { table: 'drug_exposure', records: 200_000, persons: 7_000, topConcepts: [] },
    { table: 'visit_occurrence', records: 50_000, persons: 10_000, topConcepts: [] },
    { table: 'device_exposure', records: null, persons: null, topConcepts: [] },
  ],
  dataQuality: { score: 97.25, runAt: '2026-11-23T11:00:00Z' },
};

export const exampleSteward: StewardDescription = {
  title: 'Amstel Hospital — electronic health records',
  description:
    'Electronic health records of all patients seen at Amstel Hospital since 2015, in OMOP CDM 5.4.',
  keywords: ['EHR', 'diabetes', 'hospital'],
  themes: ['HEAL', 'SOCI'],
  healthCategories: ['EHRS', 'HRAD'],
  healthThemes: ['NONCOMMUNICABLE_DISEASES'],
  accessRights: 'non-public',
  dataUseConditions: ['DUO:0000006', 'DUO:0000046'],
  populationCoverage: 'Patients of a general hospital in Amsterdam, all ages.',
  contactPoint: { name: 'Data desk', email: 'data@amstel.example', url: 'https://amstel.example/data' },
  publisher: {
    name: 'Amstel Hospital',
    type: 'inpatient-institute',
    homepage: 'https://amstel.example',
    contact: { email: 'info@amstel.example' },
  },
  accessBody: { name: 'Health Data Access Body NL', contact: { url: 'https://hdab.example.nl/contact' } },
};

/** A dataset of the example catalogue; `index` varies title, access level and figures. */
export function exampleDataset(index: number, overrides: Partial<CatalogueDataset> = {}): CatalogueDataset {
  const id = `0190a5c0-0000-7000-8000-${index.toString(16).padStart(12, '0')}`;
  return {
    id,
    stationName: `Station ${index}`,
    statistics: exampleStatistics,
    steward: { ...exampleSteward, title: `${exampleSteward.title} ${index}` },
    issued: new Date('2026-11-01T00:00:00Z'),
    modified: new Date('2026-11-23T12:00:00Z'),
    ...overrides,
  };
}
