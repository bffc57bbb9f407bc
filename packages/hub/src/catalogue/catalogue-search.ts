import { sql, type RawBuilder } from 'kysely';
import type { CatalogueDb } from './catalogue-store.ts';
import { parseTsQuery, positiveLexemes, type TsQueryNode } from './_tsearch.ts';

/** How results are ordered. `relevance` falls back to `modified` when there is no text query. */
export const catalogueSorts = ['relevance', 'title', 'population', 'modified'] as const;
export type CatalogueSort = (typeof catalogueSorts)[number];

/** The facets of a search, each a filter (values OR-ed within a facet, facets AND-ed) and a count. */
export const catalogueFacets = [
  'healthCategory',
  'theme',
  'codingSystem',
  'publisher',
  'accessRights',
  'ageGroup',
  'populationSize',
] as const;
export type CatalogueFacet = (typeof catalogueFacets)[number];

/** A catalogue search. */
export interface CatalogueQuery {
  /** Full text, in web-search syntax ("quoted phrase", -exclusion, or). */
  readonly text?: string;
  readonly filters?: Partial<Readonly<Record<CatalogueFacet, readonly string[]>>>;
  /** @default 'relevance' */
  readonly sort?: CatalogueSort;
  /** 1-based. @default 1 */
  readonly page?: number;
  /** @default 20 */
  readonly pageSize?: number;
}

/** One dataset in a result list. */
export interface DatasetSummary {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly publisher: string;
  readonly stationName: string;
  readonly accessRights: string | null;
  readonly healthCategories: readonly string[];
  readonly themes: readonly string[];
  readonly codingSystems: readonly string[];
  /** Persons, rounded (null when suppressed). */
  readonly persons: number | null;
  readonly records: number | null;
  readonly typicalAge: { readonly min: number; readonly max: number } | null;
  /** The data-quality score in percent (null when none was evaluated). */
  readonly qualityScore: number | null;
  readonly modified: string;
}

/** A facet value and how many results have it. */
export interface FacetCount {
  readonly value: string;
  readonly count: number;
}

/** The answer to a catalogue search. */
export interface CatalogueSearchResult {
  readonly total: number;
  readonly page: number;
  readonly pageSize: number;
  readonly results: readonly DatasetSummary[];
  readonly facets: Readonly<Record<CatalogueFacet, readonly FacetCount[]>>;
}

/** Most values listed per facet (the most frequent; a search may still filter by any value). */
export const facetValueLimit = 50;

/** A facet's counts, most frequent first (ties by value), at most {@linkcode facetValueLimit}. */
export function topFacetValues(counts: FacetCount[]): FacetCount[] {
  return counts
    .sort((a, b) => b.count - a.count || compareCodePoints(a.value, b.value))
    .slice(0, facetValueLimit);
}

/** The order of facet values with equal counts (UTF-16 code units, as PostgreSQL's "C" collation on ASCII). */
export function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The column each facet reads, and whether it holds an array. */
const facetColumns: Readonly<Record<CatalogueFacet, { readonly column: string; readonly array: boolean }>> = {
  healthCategory: { column: 'health_categories', array: true },
  theme: { column: 'themes', array: true },
  codingSystem: { column: 'coding_systems', array: true },
  publisher: { column: 'publisher_name', array: false },
  accessRights: { column: 'access_rights', array: false },
  ageGroup: { column: 'age_groups', array: true },
  populationSize: { column: 'population_band', array: false },
};

const orderBy: Readonly<Record<CatalogueSort, RawBuilder<unknown>>> = {
  relevance: sql`rank desc, modified_at desc, id`,
  title: sql`lower(title) collate "C", id`,
  population: sql`persons desc nulls last, id`,
  modified: sql`modified_at desc, id`,
};

/**
 * What PostgreSQL makes of a search box's text (`websearch_to_tsquery('english', text)`), parsed; null when
 * the text has no searchable word. A query of the database, but not of any table.
 */
export async function parseWebSearch(db: CatalogueDb, text: string): Promise<TsQueryNode | null> {
  const row = (
    await sql<{ query: string }>`select websearch_to_tsquery('english', ${text})::text as query`.execute(db)
  ).rows[0];
  return parseTsQuery(row?.query ?? '');
}

/** {@link relevance} in SQL, over the `search` column, for the query's wanted lexemes. */
function relevanceSql(lexemes: readonly string[]): RawBuilder<number> {
  return sql<number>`(
    select coalesce(sum(
      case when 'A' = any(u.weights) then 8 when 'B' = any(u.weights) then 4
           when 'C' = any(u.weights) then 2 else 1 end
      * least(greatest(coalesce(array_length(u.positions, 1), 0), 1), 3)), 0)
    from unnest(search) u where u.lexeme = any(cast(${[...lexemes]} as text[])))`;
}

/**
 * Searches the published datasets: full text through PostgreSQL's `websearch_to_tsquery` on a weighted
 * tsvector (title, keywords, description and publisher), facet filters, a sort and a page — in one query,
 * which also counts the matches and the facet values among them. Runs the same on PostgreSQL and PGlite.
 * Relevance is {@link relevance}: the points of the fields the wanted words occur in. This is the
 * reference that the in-memory `CatalogueIndex` is tested against.
 */
export async function searchCatalogue(
  db: CatalogueDb,
  query: CatalogueQuery,
): Promise<CatalogueSearchResult> {
  const page = Math.max(1, Math.trunc(query.page ?? 1));
  const pageSize = Math.min(100, Math.max(1, Math.trunc(query.pageSize ?? 20)));
  const text = query.text?.trim() ?? '';
  const conditions: RawBuilder<unknown>[] = [sql`published`];
  if (text !== '') conditions.push(sql`(numnode(q.query) = 0 or search @@ q.query)`);
  for (const facet of catalogueFacets) {
    const values = query.filters?.[facet];
    if (values === undefined || values.length === 0) continue;
    const { column, array } = facetColumns[facet];
    const list = sql`cast(${[...values]} as text[])`;
    conditions.push(array ? sql`${sql.ref(column)} && ${list}` : sql`${sql.ref(column)} = any(${list})`);
  }
  const sort = query.sort ?? 'relevance';
  const rank = text === '' ? sql`0` : relevanceSql(positiveLexemes(await parseWebSearch(db, text)));
  const facetSelects = catalogueFacets.map((facet) => {
    const { column, array } = facetColumns[facet];
    return array
      ? sql`select ${facet} as facet, v as value, count(*) as n from hits, unnest(hits.${sql.ref(column)}) v group by v`
      : sql`select ${facet} as facet, hits.${sql.ref(column)} as value, count(*) as n from hits where hits.${sql.ref(column)} is not null group by hits.${sql.ref(column)}`;
  });
  const result = await sql<{ total: number; results: RawSummary[] | null; facets: RawFacet[] | null }>`
    with q as (select websearch_to_tsquery('english', ${text}) as query),
    hits as (
      select id, title, description, publisher_name, station_name, access_rights, health_categories, themes,
             coding_systems, age_groups, population_band, persons, modified_at,
             statistics -> 'typicalAge' as typical_age, statistics -> 'records' as records,
             statistics -> 'dataQuality' -> 'score' as quality_score, ${rank} as rank
      from catalogue_datasets, q
      where ${sql.join(conditions, sql` and `)}
    ),
    page as (
      select * from hits order by ${orderBy[sort]} limit ${pageSize} offset ${(page - 1) * pageSize}
    )
    select
      (select count(*) from hits) as total,
      (select json_agg(json_build_object(
          'id', id, 'title', title, 'description', left(description, 300), 'publisher', publisher_name,
          'stationName', station_name, 'accessRights', access_rights, 'healthCategories', health_categories,
          'themes', themes, 'codingSystems', coding_systems, 'persons', persons, 'records', records,
          'typicalAge', typical_age, 'qualityScore', quality_score, 'modified', modified_at) order by ${orderBy[sort]}) from page) as results,
      (select json_agg(json_build_object('facet', facet, 'value', value, 'count', n)) from (
          ${sql.join(facetSelects, sql` union all `)}
        ) f) as facets
  `.execute(db);
  const row = result.rows[0];
  const facets = Object.fromEntries(catalogueFacets.map((f) => [f, [] as FacetCount[]])) as Record<
    CatalogueFacet,
    FacetCount[]
  >;
  for (const f of row?.facets ?? []) facets[f.facet]?.push({ value: f.value, count: Number(f.count) });
  for (const list of Object.values(facets))
    list.sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
  return {
    total: Number(row?.total ?? 0),
    page,
    pageSize,
    results: (row?.results ?? []).map((r) => ({
      ...r,
      persons: r.persons === null ? null : Number(r.persons),
      records: typeof r.records === 'number' ? r.records : null,
      typicalAge: r.typicalAge ?? null,
      qualityScore: typeof r.qualityScore === 'number' ? r.qualityScore : null,
      modified: new Date(r.modified).toISOString(),
    })),
    facets,
  };
}

interface RawSummary extends Omit<
  DatasetSummary,
  'persons' | 'records' | 'typicalAge' | 'qualityScore' | 'modified'
> {
  readonly qualityScore: unknown;
  readonly persons: number | string | null;
  readonly records: unknown;
  readonly typicalAge: { readonly min: number; readonly max: number } | null;
  readonly modified: string;
}

interface RawFacet {
  readonly facet: CatalogueFacet;
  readonly value: string;
  readonly count: number | string;
}
