import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import {
  DatasetDescription,
  StewardDescriptionSchema,
  type DatasetStatistics,
  type StewardDescription,
} from './dataset-description.ts';

const statistics: DatasetStatistics = {
  computedAt: '2026-11-23T12:00:00.000Z',
  cdmVersion: '5.4',
  disclosureControl: { minCount: 8, roundTo: 5 },
  persons: 10_000,
  records: 250_000,
  typicalAge: { min: 15, max: 85 },
  sex: [
    { key: 'female', persons: 5_100 },
    { key: 'male', persons: 4_900 },
    { key: 'unknown', persons: null },
  ],
  age: [{ key: '0-9', persons: 1_000 }],
  timeCoverage: { start: '2015-01', end: '2025-12' },
  codingSystems: [{ vocabularyId: 'SNOMED', uri: 'http://snomed.info/sct', records: 120_000 }],
  domains: [
    {
      table: 'condition_occurrence',
      records: 120_000,
      persons: 9_000,
      topConcepts: [
        {
          conceptId: 201826,
          name: 'Type 2 diabetes mellitus',
          vocabularyId: 'SNOMED',
          code: '44054006',
          persons: 800,
          records: 2_000,
        },
      ],
    },
  ],
  dataQuality: { score: 97.5, runAt: '2026-11-23T11:00:00Z' },
};

const steward: StewardDescription = {
  title: 'Amsterdam hospital EHR',
  description: 'Electronic health records of patients treated since 2015.',
  keywords: ['EHR', 'diabetes'],
  themes: ['HEAL'],
  healthCategories: ['EHRS'],
  accessRights: 'non-public',
  dataUseConditions: ['DUO:0000006', 'DUO:0000046'],
  contactPoint: { email: 'data@example.org' },
  publisher: {
    name: 'Example Hospital',
    type: 'inpatient-institute',
    contact: { email: 'info@example.org' },
  },
  accessBody: { name: 'Health Data Access Body NL', contact: { url: 'https://hdab.example.org' } },
};

describe('DatasetDescription schema', () => {
  const check = Compile(DatasetDescription);

  it('accepts statistics with and without the steward part', () => {
    expect(check.Check({ statistics })).toBe(true);
    expect(check.Check({ statistics, steward })).toBe(true);
  });

  it('refuses unknown fields, unknown codes and exact dates', () => {
    expect(check.Check({ statistics, extra: 1 })).toBe(false);
    expect(check.Check({ statistics, steward: { ...steward, dataUseConditions: ['DUO:9999999'] } })).toBe(
      false,
    );
    expect(check.Check({ statistics, steward: { ...steward, healthCategories: [] } })).toBe(false);
    expect(
      check.Check({ statistics: { ...statistics, timeCoverage: { start: '2015-01-03', end: '2025-12' } } }),
    ).toBe(false);
  });

  it('refuses over-long steward text', () => {
    expect(Compile(StewardDescriptionSchema).Check({ ...steward, title: 'x'.repeat(201) })).toBe(false);
  });
});
