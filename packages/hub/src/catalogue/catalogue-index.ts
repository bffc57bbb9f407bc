import { sql } from 'kysely';
import {
  catalogueFacets,
  compareCodePoints,
  facetValueLimit,
  type CatalogueSort,
  type CatalogueFacet,
  type CatalogueQuery,
  type CatalogueSearchResult,
  type DatasetSummary,
  type FacetCount,
} from './catalogue-search.ts';
import type { CatalogueDb } from './catalogue-store.ts';
import {
  isSupportedTsQuery,
  matchesTsQuery,
  parseTsQuery,
  parseTsVector,
  positiveLexemes,
  relevance,
  type TsQueryNode,
  type TsVector,
} from './_tsearch.ts';

/** Options of {@linkcode CatalogueIndex}. */
export interface CatalogueIndexOptions {
  /**
   * How long a snapshot is trusted before the database is asked whether the catalogue changed, in ms.
   * Changes made through this index's `invalidate()` show at once; changes by other hub processes within
   * this time. @default 1000
   */
  readonly maxAgeMs?: number;
  /** Text searches whose matches are kept (per snapshot; a text's from its second search on). @default 2000 */
  readonly textCacheSize?: number;
  /**
   * Selections (text, filters and sort) whose results are kept, and twice as many rendered answers (per
   * snapshot; each from the second time it is asked for on). @default 1000
   */
  readonly selectionCacheSize?: number;
  /** The clock. @default Date.now */
  readonly now?: () => number;
  /**
   * Full-text queries in flight at once. Each yields to pending I/O first: PGlite runs queries in the
   * hub's own thread, and a long queue of them would otherwise hold up requests the caches could answer.
   * @default 4
   */
  readonly textQueryConcurrency?: number;
}

interface Snapshot {
  readonly version: string;
  readonly docs: readonly DatasetSummary[];
  readonly indexOf: ReadonlyMap<string, number>;
  /** Per facet, per value: the documents that have it, as a bitset. */
  readonly facetBits: ReadonlyMap<CatalogueFacet, ReadonlyMap<string, Uint32Array>>;
  /** Every facet value, numbered; each document's value numbers (CSR: `valueStart[i]..valueStart[i+1]`). */
  readonly values: readonly { readonly facet: CatalogueFacet; readonly value: string }[];
  readonly valueStart: Uint32Array;
  /** Scratch counters, one per facet value, for the synchronous part of a selection. */
  readonly valueCounts: Uint32Array;
  /** Each facet's value numbers: `start..end` (exclusive). */
  readonly facetValueRange: Readonly<Record<CatalogueFacet, readonly [number, number]>>;
  readonly docValues: Uint32Array;
  /** Document indices in each sort order (relevance without text = modified). */
  readonly order: {
    readonly title: Uint32Array;
    readonly population: Uint32Array;
    readonly modified: Uint32Array;
  };
  readonly modifiedRank: Uint32Array;
  /** Each document's lexemes (its tsvector), and per lexeme the documents that have it, ascending. */
  readonly vectors: readonly TsVector[];
  readonly postings: ReadonlyMap<string, Uint32Array>;
  /** The documents of each lexeme found in at least one in 32 of them, as a bitset (no larger than its list). */
  readonly lexemeBits: ReadonlyMap<string, Uint32Array>;
  /** Scratch points per document for a ranking (which runs without an await). */
  readonly points: Uint16Array;
  /** Per lexeme, aligned with its posting list: the document's {@link relevance} points for that lexeme. */
  readonly postingPoints: ReadonlyMap<string, Uint8Array>;
  readonly texts: Map<string, Promise<TextMatches | null>>;
  readonly selections: Map<string, Promise<Selection>>;
  readonly rendered: Map<string, unknown>;
  /** Cache keys asked for once in this snapshot (see {@link askedBefore}). */
  readonly asked: Set<string>;
  /** The public summary of each document, made when first listed. */
  readonly summaries: (DatasetSummary | undefined)[];
}

const facetField: Readonly<Record<CatalogueFacet, (d: DatasetSummary) => readonly string[]>> = {
  healthCategory: (d) => d.healthCategories,
  theme: (d) => d.themes,
  codingSystem: (d) => d.codingSystems,
  publisher: (d) => [d.publisher],
  accessRights: (d) => (d.accessRights === null ? [] : [d.accessRights]),
  ageGroup: (d) => (d as Indexed).ageGroups,
  populationSize: (d) =>
    (d as Indexed).populationBand === null ? [] : [(d as Indexed).populationBand as string],
};

/** The datasets a text matches: as a bitset, and in order of rank (then modification, newest first). */
interface TextMatches {
  readonly bits: Uint32Array;
  readonly byRank: () => Uint32Array;
}

/** What a text, filters and sort select: the count, facet counts and the documents in order. */
interface Selection {
  readonly total: number;
  readonly facets: Readonly<Record<CatalogueFacet, readonly FacetCount[]>>;
  readonly ordered: Uint32Array;
}

/** At most `size` tasks at once; each starts after a turn of the event loop, so waiting I/O goes first. */
class TextQuerySlots {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(size: number) {
    this.#free = size;
  }
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free -= 1;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      await new Promise<void>((resolve) => setImmediate(resolve));
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next === undefined) this.#free += 1;
      else next();
    }
  }
}

/**
 * Whether a result for `key` is worth keeping: only when the key was asked for before in this snapshot. Most
 * searches of a catalogue's long tail are made once; kept, they would push out the entries that repeat, and
 * every one of them would be copied through the garbage collector's old generation before being dropped
 * (measured: a quarter of the hub's time under searches that all differ). A key is remembered as a string,
 * a few hundred at most per thousand searches; the record of keys starts afresh when it is full.
 */
function askedBefore(snapshot: Snapshot, key: string, limit: number): boolean {
  if (snapshot.asked.has(key)) return true;
  if (snapshot.asked.size >= limit) snapshot.asked.clear();
  snapshot.asked.add(key);
  return false;
}

/** Adds to a bounded cache, dropping the oldest entry when full. */
function remember<T>(cache: Map<string, T>, key: string, value: T, size: number): void {
  if (cache.size >= size) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  cache.set(key, value);
}

interface Indexed extends DatasetSummary {
  readonly ageGroups: readonly string[];
  readonly populationBand: string | null;
}

const words = (n: number) => new Uint32Array((n + 31) >>> 5);

/**
 * The catalogue search, served from memory: a snapshot of the published datasets' search fields with a
 * bitset per facet value and the documents presorted per sort order, so that filters, facet counts and
 * sorting cost about a millisecond for 10,000 datasets, and a repeated selection (same text, filters and
 * sort; any page) is answered from a per-snapshot cache in microseconds. Full text is matched in memory on
 * the datasets' own tsvectors (read with the snapshot); PostgreSQL only parses each new search text
 * (`websearch_to_tsquery`, batched). Matches, selections and rendered answers are cached per snapshot, each
 * from the second time it is asked for. A snapshot is rebuilt when the catalogue changed — on
 * `invalidate()`, or when the database's catalogue version (bumped by a trigger on every change) differs
 * after `maxAgeMs`. Answers as {@link searchCatalogue} does.
 */
export class CatalogueIndex {
  readonly #db: CatalogueDb;
  readonly #maxAgeMs: number;
  readonly #textCacheSize: number;
  readonly #selectionCacheSize: number;
  readonly #askedLimit: number;
  readonly #now: () => number;
  readonly #textSlots: TextQuerySlots;
  #snapshot: Promise<Snapshot> | undefined;
  /** Parsed queries by text; they depend on the text search configuration only, not on the catalogue. */
  readonly #parsed = new Map<string, Promise<TsQueryNode | null>>();
  readonly #parser: WebSearchBatcher;
  #checkedAt = 0;
  #checking: Promise<void> | undefined;

  constructor(db: CatalogueDb, options: CatalogueIndexOptions = {}) {
    this.#db = db;
    this.#maxAgeMs = options.maxAgeMs ?? 1000;
    this.#textCacheSize = options.textCacheSize ?? 2000;
    this.#selectionCacheSize = options.selectionCacheSize ?? 1000;
    this.#askedLimit = 4 * (this.#textCacheSize + 3 * this.#selectionCacheSize);
    this.#now = options.now ?? Date.now;
    this.#textSlots = new TextQuerySlots(Math.max(1, options.textQueryConcurrency ?? 4));
    this.#parser = new WebSearchBatcher(db);
  }

  /** How many text matches, selections and rendered answers the current snapshot keeps (for tests). */
  async cached(): Promise<{ texts: number; selections: number; rendered: number }> {
    const snapshot = await this.#current();
    return {
      texts: snapshot.texts.size,
      selections: snapshot.selections.size,
      rendered: snapshot.rendered.size,
    };
  }

  /** Drops the snapshot: the next search rebuilds it (call after changing the catalogue). */
  invalidate(): void {
    this.#snapshot = undefined;
  }

  /**
   * Searches and renders the answer with `render`, keeping the rendering per snapshot (a repeated search,
   * page included, costs a map lookup). `render` must depend on the result only.
   */
  async render<T>(query: CatalogueQuery, render: (result: CatalogueSearchResult) => T): Promise<T> {
    const snapshot = await this.#current();
    const key = JSON.stringify([
      query.text?.trim() ?? '',
      query.sort ?? 'relevance',
      query.filters ?? {},
      query.page ?? 1,
      query.pageSize ?? 20,
    ]);
    const cached = snapshot.rendered.get(key) as T | undefined;
    if (cached !== undefined) return cached;
    const rendered = render(await this.#searchIn(snapshot, query));
    if (askedBefore(snapshot, `r${key}`, this.#askedLimit))
      remember(snapshot.rendered, key, rendered, this.#selectionCacheSize * 2);
    return rendered;
  }

  /** Searches the published datasets (see {@link CatalogueQuery}). */
  async search(query: CatalogueQuery): Promise<CatalogueSearchResult> {
    return this.#searchIn(await this.#current(), query);
  }

  async #searchIn(snapshot: Snapshot, query: CatalogueQuery): Promise<CatalogueSearchResult> {
    const page = Math.max(1, Math.trunc(query.page ?? 1));
    const pageSize = Math.min(100, Math.max(1, Math.trunc(query.pageSize ?? 20)));
    const text = query.text?.trim() ?? '';
    const sort = query.sort ?? 'relevance';
    const filters = catalogueFacets.flatMap((facet) => {
      const values = query.filters?.[facet];
      return values === undefined || values.length === 0
        ? []
        : [[facet, [...new Set(values)].sort()] as const];
    });
    const key = JSON.stringify([text, sort, filters]);
    let selection = snapshot.selections.get(key);
    if (selection === undefined) {
      selection = this.#select(snapshot, text, sort, filters);
      if (askedBefore(snapshot, `s${key}`, this.#askedLimit)) {
        remember(snapshot.selections, key, selection, this.#selectionCacheSize);
        selection.catch(() => snapshot.selections.delete(key));
      }
    }
    const { total, facets, ordered } = await selection;
    const from = (page - 1) * pageSize;
    const results: DatasetSummary[] = [];
    for (const i of ordered.subarray(from, from + pageSize)) {
      // One public summary object per document and snapshot, so that a renderer may cache by identity.
      results.push((snapshot.summaries[i] ??= publicSummary(snapshot.docs[i])));
    }
    return { total, page, pageSize, results, facets };
  }

  /** The datasets a text and filters select, in `sort` order, with the facet counts among them. */
  async #select(
    snapshot: Snapshot,
    text: string,
    sort: CatalogueSort,
    filters: readonly (readonly [CatalogueFacet, readonly string[]])[],
  ): Promise<Selection> {
    const n = snapshot.docs.length;
    const matches = text === '' ? null : await this.#textMatches(snapshot, text);
    // From here on no await: the scratch counters below are this call's alone.
    const selected = matches === null ? allDocuments(n) : matches.bits.slice();
    for (const [facet, values] of filters) {
      const any = words(n);
      const bits = snapshot.facetBits.get(facet);
      for (const value of values) {
        const b = bits?.get(value);
        if (b !== undefined) for (let w = 0; w < any.length; w++) any[w] = (any[w] ?? 0) | (b[w] ?? 0);
      }
      and(selected, any);
    }
    // Facet counts: walk the selected documents and count their values (cheaper than a bitset per value).
    const counts = snapshot.valueCounts;
    counts.fill(0);
    let total = 0;
    for (let w = 0; w < selected.length; w++) {
      let x = selected[w] ?? 0;
      while (x !== 0) {
        const low = x & -x;
        const i = (w << 5) + 31 - Math.clz32(low);
        total += 1;
        for (let k = snapshot.valueStart[i] ?? 0; k < (snapshot.valueStart[i + 1] ?? 0); k++) {
          const v = snapshot.docValues[k] ?? 0;
          counts[v] = (counts[v] ?? 0) + 1;
        }
        x ^= low;
      }
    }
    // The most frequent values per facet. Values are numbered in the SQL path's tie order (by value) within
    // their facet, so one numeric key per value (fewer matches first, then its number) sorts them natively.
    const facets = {} as Record<CatalogueFacet, FacetCount[]>;
    const keyed: number[] = [];
    for (const facet of catalogueFacets) {
      const [start, end] = snapshot.facetValueRange[facet];
      const span = end - start;
      keyed.length = 0;
      for (let v = start; v < end; v++) {
        const count = counts[v] ?? 0;
        if (count > 0) keyed.push((n - count) * span + (v - start));
      }
      const top = new Float64Array(keyed).sort().subarray(0, facetValueLimit);
      facets[facet] = Array.from(top, (key) => {
        const v = start + (key % span);
        return { value: snapshot.values[v]?.value ?? '', count: counts[v] ?? 0 };
      });
    }
    const order =
      sort === 'relevance' && matches !== null
        ? matches.byRank()
        : snapshot.order[sort === 'relevance' ? 'modified' : sort];
    const ordered = new Uint32Array(total);
    let next = 0;
    for (const i of order) if (((selected[i >>> 5] ?? 0) & (1 << (i & 31))) !== 0) ordered[next++] = i;
    return { total, facets, ordered };
  }

  async #current(): Promise<Snapshot> {
    if (this.#snapshot !== undefined && this.#now() - this.#checkedAt > this.#maxAgeMs) {
      this.#checking ??= this.#recheck().finally(() => {
        this.#checking = undefined;
      });
      await this.#checking;
    }
    if (this.#snapshot === undefined) {
      this.#checkedAt = this.#now();
      const building = this.#build();
      this.#snapshot = building;
      building.catch(() => {
        if (this.#snapshot === building) this.#snapshot = undefined;
      });
    }
    return this.#snapshot;
  }

  async #recheck(): Promise<void> {
    const snapshot = this.#snapshot;
    if (snapshot === undefined) return;
    const version = await this.#version();
    this.#checkedAt = this.#now();
    if (version !== (await snapshot).version && this.#snapshot === snapshot) this.#snapshot = undefined;
  }

  async #version(): Promise<string> {
    const row = (
      await sql<{ version: number | string }>`select version from catalogue_version where id = 1`.execute(
        this.#db,
      )
    ).rows[0];
    return String(row?.version ?? 0);
  }

  async #build(): Promise<Snapshot> {
    const version = await this.#version();
    const rows = (
      await sql<RawRow>`
        select id, title, left(description, 300) as description, publisher_name, station_name, access_rights,
               health_categories, themes, coding_systems, age_groups, population_band, persons, modified_at,
               statistics -> 'typicalAge' as typical_age, statistics -> 'records' as records,
               statistics -> 'dataQuality' -> 'score' as quality_score, search::text as search
        from catalogue_datasets where published`.execute(this.#db)
    ).rows;
    const docs: Indexed[] = rows.map((r) => ({
      id: r.id,
      title: r.title,
      description: r.description,
      publisher: r.publisher_name,
      stationName: r.station_name,
      accessRights: r.access_rights,
      healthCategories: r.health_categories,
      themes: r.themes,
      codingSystems: r.coding_systems,
      persons: r.persons === null ? null : Number(r.persons),
      records: typeof r.records === 'number' ? r.records : null,
      typicalAge: r.typical_age ?? null,
      qualityScore: typeof r.quality_score === 'number' ? r.quality_score : null,
      modified: new Date(r.modified_at).toISOString(),
      ageGroups: r.age_groups,
      populationBand: r.population_band,
    }));
    const n = docs.length;
    const facetBits = new Map<CatalogueFacet, Map<string, Uint32Array>>();
    for (const facet of catalogueFacets) {
      const byValue = new Map<string, Uint32Array>();
      docs.forEach((doc, i) => {
        for (const value of facetField[facet](doc)) {
          let b = byValue.get(value);
          if (b === undefined) byValue.set(value, (b = words(n)));
          b[i >>> 5] = (b[i >>> 5] ?? 0) | (1 << (i & 31));
        }
      });
      facetBits.set(facet, byValue);
    }
    // Every facet value numbered, facet by facet and within a facet in the order ties are listed.
    const values: { facet: CatalogueFacet; value: string }[] = [];
    const valueNumber = new Map<string, number>();
    const facetValueRange = {} as Record<CatalogueFacet, readonly [number, number]>;
    for (const facet of catalogueFacets) {
      const start = values.length;
      for (const value of [...(facetBits.get(facet)?.keys() ?? [])].sort(compareCodePoints)) {
        valueNumber.set(`${facet}\u0000${value}`, values.length);
        values.push({ facet, value });
      }
      facetValueRange[facet] = [start, values.length];
    }
    const valueStart = new Uint32Array(n + 1);
    const docValueList: number[] = [];
    docs.forEach((doc, i) => {
      valueStart[i] = docValueList.length;
      for (const facet of catalogueFacets) {
        for (const value of new Set(facetField[facet](doc))) {
          docValueList.push(valueNumber.get(`${facet}\u0000${value}`) ?? 0);
        }
      }
    });
    valueStart[n] = docValueList.length;
    const indices = () => Array.from({ length: n }, (_, i) => i);
    const byModified = (a: number, b: number) =>
      (docs[b]?.modified ?? '').localeCompare(docs[a]?.modified ?? '') ||
      (docs[a]?.id ?? '').localeCompare(docs[b]?.id ?? '');
    const modified = Uint32Array.from(indices().sort(byModified));
    const modifiedRank = new Uint32Array(n);
    modified.forEach((doc, rank) => (modifiedRank[doc] = rank));
    const title = Uint32Array.from(
      indices().sort(
        (a, b) =>
          compareText(docs[a]?.title.toLowerCase() ?? '', docs[b]?.title.toLowerCase() ?? '') ||
          (docs[a]?.id ?? '').localeCompare(docs[b]?.id ?? ''),
      ),
    );
    const population = Uint32Array.from(
      indices().sort(
        (a, b) =>
          (docs[b]?.persons ?? -1) - (docs[a]?.persons ?? -1) ||
          (docs[a]?.id ?? '').localeCompare(docs[b]?.id ?? ''),
      ),
    );
    const vectors = rows.map((r) => parseTsVector(r.search));
    const postingLists = new Map<string, number[]>();
    vectors.forEach((vector, i) => {
      for (const lexeme of vector.keys()) {
        let list = postingLists.get(lexeme);
        if (list === undefined) postingLists.set(lexeme, (list = []));
        list.push(i);
      }
    });
    const postings = new Map([...postingLists].map(([lexeme, list]) => [lexeme, Uint32Array.from(list)]));
    const lexemeBits = new Map<string, Uint32Array>();
    for (const [lexeme, list] of postingLists) {
      if (list.length * 32 < n) continue;
      const bits = words(n);
      for (const i of list) bits[i >>> 5] = (bits[i >>> 5] ?? 0) | (1 << (i & 31));
      lexemeBits.set(lexeme, bits);
    }
    const postingPoints = new Map(
      [...postingLists].map(([lexeme, list]) => [
        lexeme,
        Uint8Array.from(list, (i) => relevance(vectors[i] ?? new Map(), [lexeme])),
      ]),
    );
    return {
      version,
      docs,
      indexOf: new Map(docs.map((d, i) => [d.id, i])),
      facetBits,
      values,
      valueStart,
      facetValueRange,
      valueCounts: new Uint32Array(values.length),
      docValues: Uint32Array.from(docValueList),
      order: { title, population, modified },
      modifiedRank,
      vectors,
      postings,
      postingPoints,
      lexemeBits,
      points: new Uint16Array(n),
      texts: new Map(),
      selections: new Map(),
      rendered: new Map(),
      asked: new Set(),
      summaries: new Array<DatasetSummary | undefined>(n),
    };
  }

  /** The datasets matching `text`, or null when the text has no searchable word. */
  #textMatches(snapshot: Snapshot, text: string): Promise<TextMatches | null> {
    let matches = snapshot.texts.get(text);
    if (matches === undefined) {
      matches = this.#parse(text).then((query) =>
        query === null ? null : this.#match(snapshot, query, text),
      );
      if (askedBefore(snapshot, `t${text}`, this.#askedLimit)) {
        remember(snapshot.texts, text, matches, this.#textCacheSize);
        matches.catch(() => snapshot.texts.delete(text));
      }
    }
    return matches;
  }

  /** What PostgreSQL makes of a text (stemming, stop words, operators); kept across snapshots. */
  #parse(text: string): Promise<TsQueryNode | null> {
    let parsed = this.#parsed.get(text);
    if (parsed === undefined) {
      parsed = this.#parser.parse(text);
      remember(this.#parsed, text, parsed, this.#textCacheSize * 4);
      parsed.catch(() => this.#parsed.delete(text));
    }
    return parsed;
  }

  /**
   * Matches a parsed query against the snapshot's lexemes. Words, `&`, `|` and `!` are decided exactly on
   * the posting lists' bitsets; a phrase widens to "all its words", and those candidates are then checked
   * against their positions. The ranking by {@link relevance} is made only when a search sorts by it.
   */
  async #match(snapshot: Snapshot, query: TsQueryNode, text: string): Promise<TextMatches> {
    const n = snapshot.docs.length;
    let bits: Uint32Array;
    if (isSupportedTsQuery(query)) {
      const candidates = this.#candidates(snapshot, query);
      bits = candidates.bits;
      if (!candidates.exact) {
        forEachBit(bits, (i) => {
          const vector = snapshot.vectors[i];
          if (vector === undefined || !matchesTsQuery(vector, query))
            bits[i >>> 5] = (bits[i >>> 5] ?? 0) & ~(1 << (i & 31));
        });
      }
    } else {
      // Operators websearch_to_tsquery does not write (prefixes, phrases of groups): PostgreSQL decides.
      const ids = await this.#textSlots.run(() => matchingIdsInDatabase(this.#db, text));
      bits = words(n);
      for (const id of ids) {
        const i = snapshot.indexOf.get(id);
        if (i !== undefined) bits[i >>> 5] = (bits[i >>> 5] ?? 0) | (1 << (i & 31));
      }
    }
    let byRank: Uint32Array | undefined;
    return {
      bits,
      byRank: () => (byRank ??= rankByRelevance(snapshot, bits, positiveLexemes(query))),
    };
  }

  /**
   * The documents matching `query`, from the posting lists: exact for words, `&`, `|` and `!`; for a
   * phrase a superset (the documents with all its words), marked not exact.
   */
  #candidates(snapshot: Snapshot, query: TsQueryNode): { bits: Uint32Array; exact: boolean } {
    const n = snapshot.docs.length;
    switch (query.kind) {
      case 'lexeme': {
        const common = snapshot.lexemeBits.get(query.lexeme);
        if (common !== undefined) return { bits: common.slice(), exact: true };
        const bits = words(n);
        for (const i of snapshot.postings.get(query.lexeme) ?? [])
          bits[i >>> 5] = (bits[i >>> 5] ?? 0) | (1 << (i & 31));
        return { bits, exact: true };
      }
      case 'not': {
        const operand = this.#candidates(snapshot, query.operand);
        if (!operand.exact) return { bits: allDocuments(n), exact: false };
        const bits = operand.bits;
        for (let w = 0; w < bits.length; w++) bits[w] = ~(bits[w] ?? 0);
        if ((n & 31) !== 0) bits[bits.length - 1] = (bits[bits.length - 1] ?? 0) & ((1 << (n & 31)) - 1);
        return { bits, exact: true };
      }
      case 'and':
      case 'phrase': {
        const left = this.#candidates(snapshot, query.left);
        const right = this.#candidates(snapshot, query.right);
        and(left.bits, right.bits);
        return { bits: left.bits, exact: query.kind === 'and' && left.exact && right.exact };
      }
      case 'or': {
        const left = this.#candidates(snapshot, query.left);
        const right = this.#candidates(snapshot, query.right);
        const bits = left.bits;
        for (let w = 0; w < bits.length; w++) bits[w] = (bits[w] ?? 0) | (right.bits[w] ?? 0);
        return { bits, exact: left.exact && right.exact };
      }
    }
  }
}

/**
 * The matched documents by relevance, then newest first. Each lexeme's points per document are kept with
 * its posting list, so a ranking adds up a few posting lists; points are small whole numbers, so the order
 * is a counting sort by points over the documents taken newest first (stable), with no comparisons at all.
 */
function rankByRelevance(snapshot: Snapshot, bits: Uint32Array, lexemes: readonly string[]): Uint32Array {
  const points = snapshot.points;
  points.fill(0);
  let most = 0;
  for (const lexeme of lexemes) {
    const list = snapshot.postings.get(lexeme);
    const scores = snapshot.postingPoints.get(lexeme);
    if (list === undefined || scores === undefined) continue;
    for (let j = 0; j < list.length; j++) {
      const i = list[j] ?? 0;
      const sum = (points[i] ?? 0) + (scores[j] ?? 0);
      points[i] = sum;
      if (sum > most) most = sum;
    }
  }
  const newestFirst = snapshot.order.modified;
  const isMatch = (i: number) => ((bits[i >>> 5] ?? 0) & (1 << (i & 31))) !== 0;
  // How many matches per number of points, then where each number's run starts (most points first).
  const start = new Uint32Array(most + 2);
  let matched = 0;
  for (const i of newestFirst) {
    if (!isMatch(i)) continue;
    start[points[i] ?? 0] = (start[points[i] ?? 0] ?? 0) + 1;
    matched += 1;
  }
  let at = 0;
  for (let p = most; p >= 0; p--) {
    const count = start[p] ?? 0;
    start[p] = at;
    at += count;
  }
  const ranked = new Uint32Array(matched);
  for (const i of newestFirst) {
    if (!isMatch(i)) continue;
    const p = points[i] ?? 0;
    const slot = start[p] ?? 0;
    ranked[slot] = i;
    start[p] = slot + 1;
  }
  return ranked;
}

/**
 * Parses search texts with PostgreSQL (`websearch_to_tsquery`), many in one query: the texts asked for
 * while a query runs go together in the next. A query costs PGlite about 0.3 ms of the hub's thread
 * whatever it does, a text in a batch of 50 about 0.04 ms (measured), so 50 clients searching for things
 * never searched before cost one round trip per batch instead of one each.
 */
class WebSearchBatcher {
  readonly #db: CatalogueDb;
  #waiting = new Map<string, ((query: TsQueryNode | null) => void)[]>();
  #failed = new Map<string, ((error: unknown) => void)[]>();
  #running = false;

  constructor(db: CatalogueDb) {
    this.#db = db;
  }

  parse(text: string): Promise<TsQueryNode | null> {
    return new Promise((resolve, reject) => {
      const resolvers = this.#waiting.get(text);
      if (resolvers === undefined) {
        this.#waiting.set(text, [resolve]);
        this.#failed.set(text, [reject]);
      } else {
        resolvers.push(resolve);
        this.#failed.get(text)?.push(reject);
      }
      if (!this.#running) {
        this.#running = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    while (this.#waiting.size > 0) {
      const waiting = this.#waiting;
      const failed = this.#failed;
      this.#waiting = new Map();
      this.#failed = new Map();
      try {
        const rows = (
          await sql<{ text: string; query: string }>`
            select t as text, websearch_to_tsquery('english', t)::text as query
            from unnest(cast(${[...waiting.keys()]} as text[])) t`.execute(this.#db)
        ).rows;
        for (const row of rows) {
          let parsed: TsQueryNode | null;
          try {
            parsed = parseTsQuery(row.query);
          } catch (error) {
            for (const reject of failed.get(row.text) ?? []) reject(error);
            continue;
          }
          for (const resolve of waiting.get(row.text) ?? []) resolve(parsed);
        }
      } catch (error) {
        for (const rejects of failed.values()) for (const reject of rejects) reject(error);
      }
    }
    this.#running = false;
  }
}

/** The ids of the published datasets PostgreSQL finds for a text (for queries decided there). */
async function matchingIdsInDatabase(db: CatalogueDb, text: string): Promise<string[]> {
  const result = await sql<{ id: string }>`
    select id from catalogue_datasets
    where published and search @@ websearch_to_tsquery('english', ${text})`.execute(db);
  return result.rows.map((r) => r.id);
}

/** Every document of `n`, as a bitset. */
function allDocuments(n: number): Uint32Array {
  const bits = words(n);
  bits.fill(0xffffffff);
  if ((n & 31) !== 0) bits[bits.length - 1] = (1 << (n & 31)) - 1;
  return bits;
}

/** Calls `visit` with each set bit's index, ascending. */
function forEachBit(bits: Uint32Array, visit: (i: number) => void): void {
  for (let w = 0; w < bits.length; w++) {
    let x = bits[w] ?? 0;
    while (x !== 0) {
      const low = x & -x;
      visit((w << 5) + 31 - Math.clz32(low));
      x ^= low;
    }
  }
}

/** Postgres orders `lower(title)` by the database collation; compare by code point as the C collation does. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function and(target: Uint32Array, other: Uint32Array): void {
  for (let w = 0; w < target.length; w++) target[w] = (target[w] ?? 0) & (other[w] ?? 0);
}

function publicSummary(doc: DatasetSummary | undefined): DatasetSummary {
  if (doc === undefined) throw new Error('Cannot search the catalogue: the index points past its documents');
  const { ageGroups: _ageGroups, populationBand: _populationBand, ...summary } = doc as Indexed;
  return summary;
}

interface RawRow {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly publisher_name: string;
  readonly station_name: string;
  readonly access_rights: string | null;
  readonly health_categories: string[];
  readonly themes: string[];
  readonly coding_systems: string[];
  readonly age_groups: string[];
  readonly population_band: string | null;
  readonly persons: number | string | null;
  readonly modified_at: Date | string;
  readonly typical_age: { readonly min: number; readonly max: number } | null;
  readonly records: unknown;
  readonly quality_score: unknown;
  readonly search: string;
}
