import fc from 'fast-check';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/database.ts';
import { createTestHub, type TestHub } from '../_test-hub.ts';
import { exampleStatistics, exampleSteward } from './_example-datasets.ts';
import { CatalogueIndex } from './catalogue-index.ts';
import { catalogueSorts, searchCatalogue, type CatalogueQuery } from './catalogue-search.ts';
import { setStewardDescription, upsertDatasetDescription } from './catalogue-store.ts';

let hub: TestHub;
let db: Kysely<Database>;
const words = ['asthma', 'diabetes', 'stroke', 'cohort', 'registry', 'children', 'records', 'the'];
const publishers = ['Amstel', 'Zaan', 'Vecht', 'IJ'];

beforeAll(async () => {
  hub = await createTestHub();
  db = hub.db;
  for (let i = 0; i < 40; i++) {
    const pick = <T>(items: readonly T[], k: number): T => items[(i * k + (i >> 2)) % items.length] as T;
    const stationId = `0190a5c0-0000-7000-8000-${i.toString(16).padStart(12, '0')}`;
    await upsertDatasetDescription(
      db,
      stationId,
      {
        statistics: {
          ...exampleStatistics,
          persons: i % 7 === 0 ? null : (i % 5) * 1000 + 10,
          typicalAge: { min: (i % 4) * 15, max: (i % 4) * 15 + 30 },
          codingSystems: exampleStatistics.codingSystems.slice(0, i % 4),
        },
      },
      { stationName: `S${i}`, now: new Date(Date.UTC(2026, 0, 1 + (i % 9), i)) },
    );
    if (i % 6 === 5) continue; // some stay unpublished
    const { datasetId } = await upsertDatasetDescription(
      db,
      stationId,
      { statistics: exampleStatistics },
      { stationName: `S${i}` },
    );
    await setStewardDescription(
      db,
      datasetId,
      {
        ...exampleSteward,
        title: `${pick(words, 3)} ${pick(words, 5)} ${i % 3 === 0 ? 'Zeta' : 'alpha'} ${i}`,
        description: `${pick(words, 7)} data of ${pick(words, 11)} patients`,
        keywords: [pick(words, 13)],
        themes: i % 2 === 0 ? ['SOCI'] : [],
        healthCategories: i % 3 === 0 ? ['EHRS', 'MRMR'] : ['HRAD'],
        accessRights: pick(['public', 'restricted', 'non-public'] as const, 1),
        publisher: { ...exampleSteward.publisher, name: pick(publishers, 1) },
      },
      new Date(Date.UTC(2026, 1, 1 + (i % 11), i)),
    );
  }
});
afterAll(() => hub.close());

const queries: fc.Arbitrary<CatalogueQuery> = fc.record(
  {
    text: fc.oneof(
      fc.constantFrom(...words),
      fc.constantFrom('"diabetes records"', 'asthma -children', 'stroke or cohort', '', 'zzz'),
      // Anything websearch_to_tsquery understands: words, exclusions, phrases (with stop words), or.
      fc
        .array(
          fc.oneof(
            fc.constantFrom(...words, 'or', 'alpha', 'zeta', 'amstel', 'patients', 'data'),
            fc.constantFrom(...words).map((w) => `-${w}`),
            fc
              .tuple(
                fc.constantFrom(...words),
                fc.constantFrom('', 'the ', 'of the '),
                fc.constantFrom(...words),
              )
              .map(([a, stop, b]) => `"${a} ${stop}${b}"`),
            fc.constantFrom(...words).map((w) => `-"${w} data"`),
          ),
          { minLength: 1, maxLength: 4 },
        )
        .map((parts) => parts.join(' ')),
    ),
    filters: fc.record(
      {
        healthCategory: fc.subarray(['EHRS', 'MRMR', 'HRAD', 'EINS']),
        accessRights: fc.subarray(['public', 'restricted', 'non-public']),
        publisher: fc.subarray(publishers),
        ageGroup: fc.subarray(['0-17', '18-64', '65+']),
        populationSize: fc.subarray(['under-1k', '1k-10k', '10k-100k', 'over-100k']),
        codingSystem: fc.subarray(['LOINC', 'RxNorm', 'SNOMED']),
        theme: fc.subarray(['HEAL', 'SOCI']),
      },
      { requiredKeys: [] },
    ),
    sort: fc.constantFrom(...catalogueSorts),
    page: fc.integer({ min: 1, max: 4 }),
    pageSize: fc.integer({ min: 1, max: 12 }),
  },
  { requiredKeys: [] },
);

describe('CatalogueIndex', () => {
  it('answers every search exactly as the SQL search does (property)', async () => {
    const index = new CatalogueIndex(db);
    await fc.assert(
      fc.asyncProperty(queries, async (query) => {
        expect(await index.search(query)).toEqual(await searchCatalogue(db, query));
      }),
      { numRuns: 300 },
    );
  });

  it('sees a change made elsewhere once its snapshot is older than maxAgeMs', async () => {
    let now = 0;
    const index = new CatalogueIndex(db, { maxAgeMs: 1000, now: () => now });
    const before = (await index.search({})).total;
    await upsertDatasetDescription(
      db,
      '0190a5c0-0000-7000-8000-0000000000ff',
      { statistics: exampleStatistics, steward: exampleSteward },
      { stationName: 'new' },
    );
    expect((await index.search({})).total).toBe(before);
    now = 1001;
    expect((await index.search({})).total).toBe(before + 1);
  });
});

describe('CatalogueIndex caches', () => {
  it('keeps a search from the second time it is asked for, not a search made once', async () => {
    const index = new CatalogueIndex(db);
    const query: CatalogueQuery = { text: 'asthma registry', filters: { theme: ['SOCI'] } };
    const render = (result: unknown) => JSON.stringify(result);
    const first = await index.render(query, render);
    expect(await index.cached()).toEqual({ texts: 0, selections: 0, rendered: 0 });
    const second = await index.render(query, render);
    expect(second).toBe(first);
    expect(await index.cached()).toEqual({ texts: 1, selections: 1, rendered: 1 });
    // Another page of the same selection is rendered anew from the kept selection and text.
    await index.render({ ...query, page: 2 }, render);
    expect(await index.cached()).toEqual({ texts: 1, selections: 1, rendered: 1 });
    expect(await index.render(query, render)).toBe(first);
    // Each search made once adds nothing.
    for (const text of ['stroke', 'children', 'records', 'diabetes cohort'])
      await index.render({ text }, render);
    expect(await index.cached()).toEqual({ texts: 1, selections: 1, rendered: 1 });
  });
});
