import { useEffect, useId, useState, type FormEvent } from 'react';
import {
  ApiError,
  api,
  searchQueryString,
  type DatasetSummary,
  type FacetName,
  type SearchAnswer,
  type SearchParameters,
} from '../api-client.ts';
import { QualityMeter } from '../components/quality-meter.tsx';
import { useDocumentTitle } from '../components/use-document-title.ts';
import { formatApproximateCount } from '../format.ts';
import {
  accessRightsLabels,
  ageGroupLabels,
  healthCategoryLabels,
  labelOf,
  populationBandLabels,
  themeLabels,
} from '../labels.ts';
import { Link, navigate, useLocation } from '../router.tsx';

const pageSize = 10;

/** The facets in the order the page shows them, with their headings and value labels. */
const facets: readonly {
  readonly name: FacetName;
  readonly title: string;
  readonly labels?: Record<string, string>;
}[] = [
  { name: 'healthCategory', title: 'Health category', labels: healthCategoryLabels },
  { name: 'theme', title: 'Theme', labels: themeLabels },
  { name: 'codingSystem', title: 'Coding system' },
  { name: 'publisher', title: 'Hospital' },
  { name: 'accessRights', title: 'Access rights', labels: accessRightsLabels },
  { name: 'ageGroup', title: 'Age range', labels: ageGroupLabels },
  { name: 'populationSize', title: 'Population size', labels: populationBandLabels },
];

const sorts = [
  { value: 'relevance', label: 'Relevance' },
  { value: 'title', label: 'Title (A–Z)' },
  { value: 'population', label: 'Population (largest first)' },
  { value: 'modified', label: 'Recently updated' },
] as const;
type Sort = (typeof sorts)[number]['value'];

/** The search as the URL holds it. */
interface SearchState {
  readonly text: string;
  readonly filters: Readonly<Partial<Record<FacetName, readonly string[]>>>;
  readonly sort: Sort;
  readonly page: number;
}

function readState(query: URLSearchParams): SearchState {
  const filters: Partial<Record<FacetName, string[]>> = {};
  for (const { name } of facets) {
    const values = query.getAll(name).filter((v) => v !== '');
    if (values.length > 0) filters[name] = values;
  }
  const sort = sorts.find((s) => s.value === query.get('sort'))?.value ?? 'relevance';
  const page = Math.max(1, Number.parseInt(query.get('page') ?? '1', 10) || 1);
  return { text: query.get('q') ?? '', filters, sort, page };
}

function toParameters(state: SearchState): SearchParameters {
  return {
    ...(state.text === '' ? {} : { q: state.text }),
    ...Object.fromEntries(Object.entries(state.filters).map(([k, v]) => [k, [...v]])),
    ...(state.sort === 'relevance' ? {} : { sort: state.sort }),
    ...(state.page === 1 ? {} : { page: state.page }),
  };
}

/**
 * Searches, and for each facet with a selection asks again without that facet's own filter, so that the
 * facet keeps listing its other values with the counts they would add (values within a facet are OR-ed).
 */
async function searchWithFacets(state: SearchState): Promise<SearchAnswer> {
  const selected = facets.filter((f) => (state.filters[f.name]?.length ?? 0) > 0).map((f) => f.name);
  const [answer, ...others] = await Promise.all([
    api.search({ ...toParameters(state), pageSize }),
    ...selected.map((name) =>
      api.search({
        ...toParameters({ ...state, filters: { ...state.filters, [name]: [] }, page: 1 }),
        pageSize: 1,
      }),
    ),
  ]);
  const counts = { ...answer.facets };
  selected.forEach((name, i) => {
    const other = others[i];
    if (other !== undefined) counts[name] = other.facets[name];
  });
  return { ...answer, facets: counts };
}

function go(state: SearchState): void {
  const query = searchQueryString(toParameters(state));
  navigate(query === '' ? '/' : `/?${query}`);
}

/** The catalogue: a full-text box, facets with counts, sorting, paging, and results as cards. */
export function SearchPage() {
  useDocumentTitle('Search the catalogue');
  const { query } = useLocation();
  const state = readState(query);
  const key = searchQueryString({ ...toParameters(state), pageSize });
  const [answer, setAnswer] = useState<SearchAnswer | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [text, setText] = useState(state.text);
  // Filters start folded on a phone, where they would push the results below the fold.
  const [filtersOpen] = useState(() => window.matchMedia('(min-width: 801px)').matches);

  useEffect(() => setText(state.text), [state.text]);

  useEffect(() => {
    let live = true;
    setLoading(true);
    searchWithFacets(readState(new URLSearchParams(key))).then(
      (result) => {
        if (!live) return;
        setAnswer(result);
        setError(null);
        setLoading(false);
      },
      (caught: unknown) => {
        if (!live) return;
        setError(caught instanceof ApiError ? caught.message : 'Cannot search the catalogue');
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [key]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    go({ ...state, text: text.trim(), page: 1 });
  };
  const toggle = (facet: FacetName, value: string, on: boolean) => {
    const current = state.filters[facet] ?? [];
    const next = on ? [...current, value] : current.filter((v) => v !== value);
    go({ ...state, filters: { ...state.filters, [facet]: next }, page: 1 });
  };
  const activeFilters = Object.values(state.filters).reduce((n, v) => n + v.length, 0);
  const pages = answer === undefined ? 1 : Math.max(1, Math.ceil(answer.total / answer.pageSize));

  return (
    <div className="page search-page">
      <div className="search-hero">
        <h1>Find health data</h1>
        <p className="lede">
          Datasets held by Amsterdam hospitals, described in HealthDCAT-AP. Filter, compare, and put what you
          need in your basket to apply for access.
        </p>
        <form role="search" className="search-form" onSubmit={submit}>
          <label htmlFor="search-text" className="visually-hidden">
            Search datasets
          </label>
          <input
            id="search-text"
            type="search"
            placeholder="Search by condition, keyword, hospital…"
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
          <button type="submit" className="button">
            Search
          </button>
        </form>
      </div>

      <div className="search-layout">
        <aside className="facets" aria-label="Filters">
          <details className="facets-toggle" open={filtersOpen}>
            <summary>
              Filters{activeFilters > 0 && <span className="count-badge">{activeFilters}</span>}
            </summary>
            {facets.map((facet) => (
              <FacetGroup
                key={facet.name}
                facet={facet}
                counts={answer?.facets[facet.name] ?? []}
                selected={state.filters[facet.name] ?? []}
                onToggle={toggle}
              />
            ))}
            {activeFilters > 0 && (
              <button
                type="button"
                className="button button-quiet button-small"
                onClick={() => go({ ...state, filters: {}, page: 1 })}
              >
                Clear all filters
              </button>
            )}
          </details>
        </aside>

        <section className="results" aria-labelledby="results-heading" aria-busy={loading}>
          <div className="results-bar">
            <h2 id="results-heading" aria-live="polite">
              {answer === undefined
                ? 'Searching…'
                : `${answer.total} ${answer.total === 1 ? 'dataset' : 'datasets'}${state.text === '' ? '' : ` for “${state.text}”`}`}
            </h2>
            <div className="sort">
              <label htmlFor="search-sort">Sort by</label>
              <select
                id="search-sort"
                value={state.sort}
                onChange={(e) => go({ ...state, sort: e.target.value as Sort, page: 1 })}
              >
                {sorts.map((s) => (
                  <option key={s.value} value={s.value}>
                    {s.label}
                  </option>
                ))}
              </select>
            </div>
          </div>
          {error !== null && (
            <p className="alert alert-error" role="alert">
              {error}
            </p>
          )}
          {answer !== undefined && answer.results.length === 0 && (
            <p className="empty">
              {state.text === '' && activeFilters === 0
                ? 'The catalogue has no published datasets yet.'
                : 'No dataset matches. Try fewer words or clear a filter.'}
            </p>
          )}
          <ul className="result-list">
            {answer?.results.map((result) => (
              <li key={result.id}>
                <ResultCard result={result} />
              </li>
            ))}
          </ul>
          {answer !== undefined && pages > 1 && (
            <nav className="pagination" aria-label="Pages of results">
              <button
                type="button"
                className="button button-quiet"
                disabled={state.page <= 1}
                onClick={() => go({ ...state, page: state.page - 1 })}
              >
                ← Previous
              </button>
              <span>
                Page {state.page} of {pages}
              </span>
              <button
                type="button"
                className="button button-quiet"
                disabled={state.page >= pages}
                onClick={() => go({ ...state, page: state.page + 1 })}
              >
                Next →
              </button>
            </nav>
          )}
        </section>
      </div>
    </div>
  );
}

function FacetGroup(props: {
  readonly facet: (typeof facets)[number];
  readonly counts: readonly { readonly value: string; readonly count: number }[];
  readonly selected: readonly string[];
  readonly onToggle: (facet: FacetName, value: string, on: boolean) => void;
}) {
  const id = useId();
  const { facet, counts, selected, onToggle } = props;
  // Selected values stay listed (with 0) so that they can be unticked even when nothing matches.
  const values = [
    ...counts,
    ...selected.filter((v) => !counts.some((c) => c.value === v)).map((value) => ({ value, count: 0 })),
  ];
  if (values.length === 0) return null;
  return (
    <fieldset className="facet">
      <legend>{facet.title}</legend>
      <ul>
        {values.map(({ value, count }, index) => {
          const inputId = `${id}-${index}`;
          return (
            <li key={value}>
              <input
                id={inputId}
                type="checkbox"
                checked={selected.includes(value)}
                onChange={(e) => onToggle(facet.name, value, e.target.checked)}
              />
              <label htmlFor={inputId}>
                <span className="facet-label">{facet.labels ? labelOf(facet.labels, value) : value}</span>
                <span className="facet-count">
                  {count}
                  <span className="visually-hidden"> datasets</span>
                </span>
              </label>
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}

function ResultCard({ result }: { readonly result: DatasetSummary }) {
  return (
    <article className="card result-card">
      <h3>
        <Link href={`/datasets/${result.id}`}>{result.title}</Link>
      </h3>
      <p className="result-publisher">{result.publisher}</p>
      <p className="result-description">{result.description}</p>
      <dl className="result-facts">
        <div>
          <dt>Population</dt>
          <dd>
            {result.persons === null ? 'suppressed' : `${formatApproximateCount(result.persons)} persons`}
          </dd>
        </div>
        {result.typicalAge !== null && (
          <div>
            <dt>Typical age</dt>
            <dd>
              {result.typicalAge.min}–{result.typicalAge.max} years
            </dd>
          </div>
        )}
        <div>
          <dt>Data quality</dt>
          <dd>
            <QualityMeter score={result.qualityScore} />
          </dd>
        </div>
        <div>
          <dt>Access</dt>
          <dd>{result.accessRights === null ? '—' : labelOf(accessRightsLabels, result.accessRights)}</dd>
        </div>
      </dl>
      <ul className="tags" aria-label="Health categories">
        {result.healthCategories.map((c) => (
          <li key={c} className="tag">
            {labelOf(healthCategoryLabels, c)}
          </li>
        ))}
      </ul>
    </article>
  );
}
