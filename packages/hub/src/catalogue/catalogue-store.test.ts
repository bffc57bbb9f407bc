import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../_test-hub.ts';
import type { Database } from '../db/database.ts';
import { exampleStatistics, exampleSteward } from './_example-datasets.ts';
import { CatalogueIndex } from './catalogue-index.ts';
import { searchCatalogue as searchWithSql, type CatalogueQuery } from './catalogue-search.ts';
import {
  ageGroupsOf,
  findDataset,
  listPublishedDatasets,
  populationBandOf,
  setStewardDescription,
  upsertDatasetDescription,
} from './catalogue-store.ts';

let hub: TestHub;
let db: Kysely<Database>;

beforeAll(async () => {
  hub = await createTestHub();
  db = hub.db;
});
afterAll(() => hub.close());

const stations = {
  a: '0190a5c0-0000-7000-8000-00000000000a',
  b: '0190a5c0-0000-7000-8000-00000000000b',
  c: '0190a5c0-0000-7000-8000-00000000000c',
};

describe('catalogue store', () => {
  it('creates one dataset per station with a stable id, keeping the steward part the hub holds', async () => {
    const first = await upsertDatasetDescription(
      db,
      stations.a,
      { statistics: exampleStatistics },
      { stationName: 'A' },
    );
    expect(first.created).toBe(true);
    expect((await findDataset(db, first.datasetId))?.published).toBe(false);
    const withSteward = await setStewardDescription(
      db,
      first.datasetId,
      exampleSteward,
      new Date('2026-11-23T13:00:00Z'),
    );
    expect(withSteward?.published).toBe(true);
    expect(withSteward?.issued?.toISOString()).toBe('2026-11-23T13:00:00.000Z');
    const again = await upsertDatasetDescription(
      db,
      stations.a,
      { statistics: { ...exampleStatistics, persons: 20_000 } },
      { stationName: 'A', now: new Date('2026-11-24T00:00:00Z') },
    );
    expect(again).toEqual({ datasetId: first.datasetId, created: false });
    const record = await findDataset(db, first.datasetId);
    expect(record?.steward?.title).toBe(exampleSteward.title);
    expect(record?.statistics?.persons).toBe(20_000);
    expect(record?.issued?.toISOString()).toBe('2026-11-23T13:00:00.000Z');
  });

  it('answers undefined for a steward part of an unknown dataset', async () => {
    expect(
      await setStewardDescription(db, '0190a5c0-0000-7000-8000-0000000000ff', exampleSteward),
    ).toBeUndefined();
  });

  it('bands populations and age ranges for the facets', () => {
    expect(populationBandOf(null)).toBeNull();
    expect([995, 1_000, 10_000, 250_000].map(populationBandOf)).toEqual([
      'under-1k',
      '1k-10k',
      '10k-100k',
      'over-100k',
    ]);
    expect(ageGroupsOf({ min: 15, max: 84 })).toEqual(['0-17', '18-64', '65+']);
    expect(ageGroupsOf({ min: 0, max: 9 })).toEqual(['0-17']);
    expect(ageGroupsOf(undefined)).toEqual([]);
  });
});

const implementations = [
  ['searchCatalogue() in SQL', searchWithSql],
  [
    'CatalogueIndex',
    (database: Kysely<Database>, query: CatalogueQuery) => new CatalogueIndex(database).search(query),
  ],
] as const;

describe.each(implementations)('%s', (_name, searchCatalogue) => {
  beforeAll(async () => {
    if ((await searchWithSql(db, {})).total === 2) return;
    await upsertDatasetDescription(
      db,
      stations.b,
      {
        statistics: {
          ...exampleStatistics,
          persons: 800,
          typicalAge: { min: 0, max: 14 },
          codingSystems: [],
        },
        steward: {
          ...exampleSteward,
          title: 'Children’s hospital asthma registry',
          description: 'Paediatric asthma patients and their inhaler prescriptions.',
          keywords: ['asthma', 'children'],
          healthCategories: ['MRMR'],
          accessRights: 'restricted',
          publisher: { ...exampleSteward.publisher, name: 'Kinderziekenhuis' },
        },
      },
      { stationName: 'B' },
    );
    await upsertDatasetDescription(
      db,
      stations.c,
      { statistics: exampleStatistics },
      { stationName: 'C (unpublished)' },
    );
  });

  it('finds published datasets only, by words in title, keywords or description', async () => {
    const all = await searchCatalogue(db, {});
    expect(all.total).toBe(2);
    const asthma = await searchCatalogue(db, { text: 'asthma inhalers' });
    expect(asthma.results.map((r) => r.title)).toEqual(['Children’s hospital asthma registry']);
    expect((await searchCatalogue(db, { text: 'diabetes' })).total).toBe(1);
    expect((await searchCatalogue(db, { text: '"asthma registry" -diabetes' })).total).toBe(1);
    expect((await searchCatalogue(db, { text: 'the' })).total).toBe(2);
  });

  it('filters by facets and counts facet values among the matches', async () => {
    const restricted = await searchCatalogue(db, { filters: { accessRights: ['restricted'] } });
    expect(restricted.results.map((r) => r.publisher)).toEqual(['Kinderziekenhuis']);
    const all = await searchCatalogue(db, {});
    expect(all.facets.accessRights).toEqual([
      { value: 'non-public', count: 1 },
      { value: 'restricted', count: 1 },
    ]);
    expect(all.facets.theme).toContainEqual({ value: 'HEAL', count: 2 });
    expect(all.facets.ageGroup).toContainEqual({ value: '0-17', count: 2 });
    expect(all.facets.codingSystem).toContainEqual({ value: 'SNOMED', count: 1 });
    expect(all.facets.populationSize).toEqual([
      { value: '10k-100k', count: 1 },
      { value: 'under-1k', count: 1 },
    ]);
    const adults = await searchCatalogue(db, {
      filters: { ageGroup: ['65+'], healthCategory: ['EHRS', 'MRMR'] },
    });
    expect(adults.total).toBe(1);
  });

  it('sorts and pages', async () => {
    const byPopulation = await searchCatalogue(db, { sort: 'population' });
    expect(byPopulation.results.map((r) => r.persons)).toEqual([20_000, 800]);
    const byTitle = await searchCatalogue(db, { sort: 'title', pageSize: 1, page: 2 });
    expect(byTitle).toMatchObject({ total: 2, page: 2, pageSize: 1 });
    expect(byTitle.results.map((r) => r.title)).toEqual(['Children’s hospital asthma registry']);
    expect(byTitle.results[0]).toMatchObject({ typicalAge: { min: 0, max: 14 }, records: 1_250_000 });
  });

  it('lists the published datasets for the HealthDCAT-AP catalogue', async () => {
    expect((await listPublishedDatasets(db)).map((d) => d.stationName).sort()).toEqual(['A', 'B']);
  });
});
