import { sql, type Kysely, type Selectable } from 'kysely';
import type { DatasetDescription, DatasetStatistics, StewardDescription } from '@polder/protocol';
import { uuid7 } from '../db/uuid7.ts';
import type { Database } from '../db/database.ts';
import type { CatalogueDatasetsTable } from './_catalogue-tables.ts';
import type { CatalogueDataset } from './healthdcat-graph.ts';

/** The hub's database, which holds the catalogue's tables. */
export type CatalogueDb = Kysely<Database>;

/** One dataset as the catalogue keeps it, published or not. */
export interface CatalogueRecord {
  readonly id: string;
  readonly stationId: string;
  readonly stationName: string;
  readonly statistics: DatasetStatistics | null;
  readonly steward: StewardDescription | null;
  /** In the public catalogue: both parts are present. */
  readonly published: boolean;
  readonly issued: Date | null;
  readonly modified: Date;
}

/** Population-size bands of the search facet (persons, rounded). */
export const populationBands = ['under-1k', '1k-10k', '10k-100k', 'over-100k'] as const;
export type PopulationBand = (typeof populationBands)[number];

/** Age groups of the search facet: a dataset is in every group its typical age range overlaps. */
export const ageGroups = { '0-17': [0, 17], '18-64': [18, 64], '65+': [65, 150] } as const;
export type AgeGroup = keyof typeof ageGroups;

/** The band of a (rounded) person count. */
export function populationBandOf(persons: number | null): PopulationBand | null {
  if (persons === null) return null;
  if (persons < 1_000) return 'under-1k';
  if (persons < 10_000) return '1k-10k';
  if (persons < 100_000) return '10k-100k';
  return 'over-100k';
}

/** The age groups a typical age range overlaps. */
export function ageGroupsOf(range: DatasetStatistics['typicalAge']): AgeGroup[] {
  if (range === undefined) return [];
  return (Object.entries(ageGroups) as [AgeGroup, readonly [number, number]][])
    .filter(([, [from, to]]) => range.min <= to && range.max >= from)
    .map(([group]) => group);
}

/** The search columns derived from the two parts of a description. */
function searchColumns(statistics: DatasetStatistics | null, steward: StewardDescription | null) {
  const persons = statistics?.persons ?? null;
  return {
    title: steward?.title ?? '',
    description: steward?.description ?? '',
    keywords: steward?.keywords.join(' ') ?? '',
    publisher_name: steward?.publisher.name ?? '',
    access_rights: steward?.accessRights ?? null,
    health_categories: steward === null ? [] : [...new Set(steward.healthCategories)],
    themes: steward === null ? [] : [...new Set(['HEAL', ...steward.themes])],
    coding_systems:
      statistics === null ? [] : [...new Set(statistics.codingSystems.map((c) => c.vocabularyId))],
    age_groups: ageGroupsOf(statistics?.typicalAge),
    population_band: populationBandOf(persons),
    persons,
  };
}

type Row = Selectable<CatalogueDatasetsTable>;

function toRecord(
  row: Pick<
    Row,
    | 'id'
    | 'station_id'
    | 'station_name'
    | 'statistics'
    | 'steward'
    | 'published'
    | 'issued_at'
    | 'modified_at'
  >,
): CatalogueRecord {
  return {
    id: row.id,
    stationId: row.station_id,
    stationName: row.station_name,
    statistics: row.statistics,
    steward: row.steward,
    published: row.published,
    issued: row.issued_at === null ? null : new Date(row.issued_at),
    modified: new Date(row.modified_at),
  };
}

const recordColumns = [
  'id',
  'station_id',
  'station_name',
  'statistics',
  'steward',
  'published',
  'issued_at',
  'modified_at',
] as const;

/** Options of {@linkcode upsertDatasetDescription}. */
export interface UpsertDescriptionOptions {
  /** The station's name, shown as the dataset's origin. @default the station's name in `stations`, else its id */
  readonly stationName?: string;
  /** @default new Date() */
  readonly now?: Date;
}

/**
 * Stores what a station published for its dataset: creates the dataset (one per station, with a stable id
 * and so a stable IRI) on first publication, else replaces its statistics — and its steward part when the
 * publication carries one (otherwise the steward part written on the hub stays). The caller has verified
 * the station's signature and the description's schema.
 *
 * @example
 * const { datasetId } = await upsertDatasetDescription(db, station.id, publication.description);
 */
export async function upsertDatasetDescription(
  db: CatalogueDb,
  stationId: string,
  description: DatasetDescription,
  options: UpsertDescriptionOptions = {},
): Promise<{ readonly datasetId: string; readonly created: boolean }> {
  const now = options.now ?? new Date();
  const stationName = options.stationName ?? (await readStationName(db, stationId));
  return db.transaction().execute(async (tx) => {
    const existing = await tx
      .selectFrom('catalogue_datasets')
      .select(['id', 'steward', 'issued_at'])
      .where('station_id', '=', stationId)
      .forUpdate()
      .executeTakeFirst();
    const steward = description.steward ?? existing?.steward ?? null;
    const values = {
      station_name: stationName,
      statistics: JSON.stringify(description.statistics),
      steward: steward === null ? null : JSON.stringify(steward),
      modified_at: now,
      issued_at: existing?.issued_at ?? (steward === null ? null : now),
      ...searchColumns(description.statistics, steward),
    };
    if (existing === undefined) {
      const id = uuid7();
      await tx
        .insertInto('catalogue_datasets')
        .values({ id, station_id: stationId, created_at: now, ...values })
        .execute();
      return { datasetId: id, created: true };
    }
    await tx.updateTable('catalogue_datasets').set(values).where('id', '=', existing.id).execute();
    return { datasetId: existing.id, created: false };
  });
}

async function readStationName(db: CatalogueDb, stationId: string): Promise<string> {
  const result = await sql<{ name: string }>`select name from stations where id = ${stationId}`.execute(db);
  return result.rows[0]?.name ?? stationId;
}

/**
 * Replaces the steward's descriptive part of a dataset (written on the hub). Returns the updated record,
 * or undefined when there is no such dataset.
 */
export async function setStewardDescription(
  db: CatalogueDb,
  datasetId: string,
  steward: StewardDescription,
  now: Date = new Date(),
): Promise<CatalogueRecord | undefined> {
  return db.transaction().execute(async (tx) => {
    const existing = await tx
      .selectFrom('catalogue_datasets')
      .select(['statistics', 'issued_at'])
      .where('id', '=', datasetId)
      .forUpdate()
      .executeTakeFirst();
    if (existing === undefined) return undefined;
    const row = await tx
      .updateTable('catalogue_datasets')
      .set({
        steward: JSON.stringify(steward),
        modified_at: now,
        issued_at: existing.issued_at ?? (existing.statistics === null ? null : now),
        ...searchColumns(existing.statistics, steward),
      })
      .where('id', '=', datasetId)
      .returning(recordColumns)
      .executeTakeFirstOrThrow();
    return toRecord(row);
  });
}

/** A dataset by id, published or not; undefined when there is none. */
export async function findDataset(db: CatalogueDb, datasetId: string): Promise<CatalogueRecord | undefined> {
  const row = await db
    .selectFrom('catalogue_datasets')
    .select(recordColumns)
    .where('id', '=', datasetId)
    .executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

/** The dataset of a station; undefined when it has published none. */
export async function findStationDataset(
  db: CatalogueDb,
  stationId: string,
): Promise<CatalogueRecord | undefined> {
  const row = await db
    .selectFrom('catalogue_datasets')
    .select(recordColumns)
    .where('station_id', '=', stationId)
    .executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

/** Every published dataset, newest first, as the HealthDCAT-AP graphs want them. */
export async function listPublishedDatasets(db: CatalogueDb): Promise<CatalogueDataset[]> {
  const rows = await db
    .selectFrom('catalogue_datasets')
    .select(recordColumns)
    .where('published', '=', true)
    .orderBy('modified_at', 'desc')
    .orderBy('id')
    .execute();
  return rows.map(toRecord).flatMap((r) => {
    const dataset = toCatalogueDataset(r);
    return dataset === undefined ? [] : [dataset];
  });
}

/** A record as the HealthDCAT-AP graphs want it; undefined when it is not published. */
export function toCatalogueDataset(record: CatalogueRecord): CatalogueDataset | undefined {
  if (record.statistics === null || record.steward === null) return undefined;
  return {
    id: record.id,
    stationName: record.stationName,
    statistics: record.statistics,
    steward: record.steward,
    issued: record.issued ?? record.modified,
    modified: record.modified,
  };
}
