import * as Plot from '@observablehq/plot';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError, api } from '../api-client.ts';
import { PlotFigure } from '../components/plot-figure.tsx';
import { QualityMeter } from '../components/quality-meter.tsx';
import { useDocumentTitle } from '../components/use-document-title.ts';
import type { DatasetStatisticsView, DatasetView, StewardDescriptionView } from '../dataset-view.ts';
import {
  formatApproximateCount,
  formatCompactCount,
  formatCount,
  formatDate,
  formatMonth,
} from '../format.ts';
import {
  accessRightsLabels,
  domainLabels,
  duoLabels,
  healthCategoryLabels,
  labelOf,
  sexLabels,
  themeLabels,
} from '../labels.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';

const barColour = '#1b6b85';
const standardAgeBands = [
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
];

/** One dataset: its description, conditions of use, rounded statistics as charts, and "add to basket". */
export function DatasetPage({ id }: { readonly id: string }) {
  const [dataset, setDataset] = useState<DatasetView | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  useDocumentTitle(dataset?.steward?.title ?? 'Dataset');

  useEffect(() => {
    let live = true;
    setDataset(undefined);
    setError(null);
    api.dataset(id).then(
      (answer) => live && setDataset(answer),
      (caught: unknown) =>
        live && setError(caught instanceof ApiError ? caught.message : 'Cannot load the dataset'),
    );
    return () => {
      live = false;
    };
  }, [id]);

  if (error !== null) {
    return (
      <div className="page narrow">
        <h1>Dataset not available</h1>
        <p className="alert alert-error" role="alert">
          {error}
        </p>
        <p>
          <Link href="/">Back to the catalogue</Link>
        </p>
      </div>
    );
  }
  if (dataset === undefined) {
    return (
      <div className="page" aria-busy="true">
        <h1>Loading dataset…</h1>
      </div>
    );
  }
  const steward = dataset.steward;
  const statistics = dataset.statistics;
  return (
    <div className="page dataset-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <ol>
          <li>
            <Link href="/">Catalogue</Link>
          </li>
          <li aria-current="page">{steward?.title ?? dataset.stationName}</li>
        </ol>
      </nav>
      <div className="dataset-header">
        <div>
          <h1>{steward?.title ?? `Dataset of ${dataset.stationName}`}</h1>
          <p className="result-publisher">
            {steward?.publisher.name ?? dataset.stationName} · updated {formatDate(dataset.modified)}
          </p>
        </div>
        <BasketAction datasetId={dataset.id} />
      </div>

      <div className="dataset-layout">
        <div className="dataset-main">
          {steward !== null && <Description steward={steward} />}
          {statistics !== null && <StatisticsCharts statistics={statistics} />}
          {statistics !== null && <FrequentConcepts statistics={statistics} />}
        </div>
        <aside className="dataset-side" aria-label="Key facts">
          <KeyFacts dataset={dataset} />
          {steward !== null && <Conditions steward={steward} />}
        </aside>
      </div>
    </div>
  );
}

function BasketAction({ datasetId }: { readonly datasetId: string }) {
  const { user, basket, addToBasket } = useSession();
  const [status, setStatus] = useState<string>('');
  const [busy, setBusy] = useState(false);
  if (user === undefined) return null;
  if (user === null) {
    return (
      <Link href={`/sign-in?next=${encodeURIComponent(`/datasets/${datasetId}`)}`} className="button">
        Sign in to add to basket
      </Link>
    );
  }
  const inBasket = basket.some((item) => item.datasetId === datasetId);
  const add = () => {
    setBusy(true);
    addToBasket(datasetId).then(
      () => {
        setStatus('Added to your basket.');
        setBusy(false);
      },
      (caught: unknown) => {
        setStatus(caught instanceof ApiError ? caught.message : 'Cannot add the dataset to the basket');
        setBusy(false);
      },
    );
  };
  return (
    <div className="basket-action">
      {inBasket ? (
        <Link href="/basket" className="button button-secondary">
          ✓ In your basket — view basket
        </Link>
      ) : (
        <button type="button" className="button" onClick={add} disabled={busy}>
          Add to basket
        </button>
      )}
      <p role="status" className="hint">
        {status}
      </p>
    </div>
  );
}

function Description({ steward }: { readonly steward: StewardDescriptionView }) {
  return (
    <section aria-labelledby="about-heading" className="card">
      <h2 id="about-heading">About this dataset</h2>
      {steward.description.split(/\n{2,}/).map((paragraph, i) => (
        <p key={i}>{paragraph}</p>
      ))}
      {steward.populationCoverage !== undefined && (
        <p>
          <strong>Population: </strong>
          {steward.populationCoverage}
        </p>
      )}
      {steward.keywords.length > 0 && (
        <>
          <h3>Keywords</h3>
          <ul className="tags">
            {steward.keywords.map((k) => (
              <li key={k} className="tag">
                {k}
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>Health categories and themes</h3>
      <ul className="tags">
        {steward.healthCategories.map((c) => (
          <li key={c} className="tag">
            {labelOf(healthCategoryLabels, c)}
          </li>
        ))}
        {steward.themes.map((t) => (
          <li key={t} className="tag tag-quiet">
            {labelOf(themeLabels, t)}
          </li>
        ))}
      </ul>
    </section>
  );
}

function KeyFacts({ dataset }: { readonly dataset: DatasetView }) {
  const s = dataset.statistics;
  const steward = dataset.steward;
  return (
    <section aria-labelledby="facts-heading" className="card">
      <h2 id="facts-heading">Key facts</h2>
      <dl className="facts">
        <dt>Persons</dt>
        <dd>{formatApproximateCount(s?.persons)}</dd>
        <dt>Records</dt>
        <dd>{formatApproximateCount(s?.records)}</dd>
        <dt>Typical age</dt>
        <dd>
          {s?.typicalAge === undefined ? 'not released' : `${s.typicalAge.min}–${s.typicalAge.max} years`}
        </dd>
        <dt>Time coverage</dt>
        <dd>
          {s?.timeCoverage === undefined
            ? 'not released'
            : `${formatMonth(s.timeCoverage.start)} – ${formatMonth(s.timeCoverage.end)}`}
        </dd>
        <dt>Data quality</dt>
        <dd>
          <QualityMeter score={s?.dataQuality?.score ?? null} />
        </dd>
        {steward !== null && (
          <>
            <dt>Access rights</dt>
            <dd>{labelOf(accessRightsLabels, steward.accessRights)}</dd>
            <dt>Access body</dt>
            <dd>{steward.accessBody.name}</dd>
            <dt>Contact</dt>
            <dd>
              {steward.contactPoint.email !== undefined ? (
                <a href={`mailto:${steward.contactPoint.email}`}>
                  {steward.contactPoint.name ?? steward.contactPoint.email}
                </a>
              ) : steward.contactPoint.url !== undefined ? (
                <a href={steward.contactPoint.url}>{steward.contactPoint.name ?? steward.contactPoint.url}</a>
              ) : (
                (steward.contactPoint.name ?? '—')
              )}
            </dd>
          </>
        )}
      </dl>
      {s !== null && (
        <>
          <h3>Coding systems</h3>
          <ul className="coding-systems">
            {s.codingSystems.map((c) => (
              <li key={c.vocabularyId}>
                <span className="code">{c.vocabularyId}</span>
                <span className="muted">{formatApproximateCount(c.records)} records</span>
              </li>
            ))}
          </ul>
        </>
      )}
      <p className="hint">
        Figures are rounded to {s?.disclosureControl.roundTo ?? 5}; counts below{' '}
        {s?.disclosureControl.minCount ?? 8} are suppressed. Machine-readable:{' '}
        <a href={`/datasets/${dataset.id}`} type="text/turtle" download={`${dataset.id}.ttl`}>
          HealthDCAT-AP
        </a>
        .
      </p>
    </section>
  );
}

function Conditions({ steward }: { readonly steward: StewardDescriptionView }) {
  return (
    <section aria-labelledby="conditions-heading" className="card">
      <h2 id="conditions-heading">Conditions of use</h2>
      {steward.dataUseConditions.length === 0 ? (
        <p>No data-use conditions stated.</p>
      ) : (
        <ul className="duo-list">
          {steward.dataUseConditions.map((code) => (
            <li key={code}>
              <span className="duo-label">{labelOf(duoLabels, code)}</span>
              <a
                className="code"
                href={`http://purl.obolibrary.org/obo/${code.replace(':', '_')}`}
                aria-label={`${code} in the Data Use Ontology`}
              >
                {code}
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Bars for a controlled distribution; suppressed cells are listed beneath rather than drawn as 0. */
function distributionRows(cells: readonly { key: string; value: number | null }[]) {
  return {
    drawn: cells.filter((c): c is { key: string; value: number } => c.value !== null && c.value > 0),
    suppressed: cells.filter((c) => c.value === null).map((c) => c.key),
  };
}

/** Horizontal bars for `data`, one row per key of `rows` (in that order) so that empty rows still show. */
function barChart(
  data: readonly { key: string; value: number }[],
  rows: readonly string[] = data.map((d) => d.key),
) {
  // Room for the longest label at 13px (about 7.5px a character), within reason on a phone.
  const longest = Math.max(0, ...rows.map((key) => key.length));
  return (width: number) =>
    Plot.plot({
      width,
      height: Math.max(80, 28 * rows.length + 40),
      marginLeft: Math.round(Math.min(width * 0.35, 16 + longest * 7.5)),
      marginRight: 48,
      style: { fontSize: '13px', fontFamily: 'inherit', background: 'transparent' },
      x: {
        label: null,
        grid: true,
        tickFormat: (d: number) => formatCompactCount(d),
        ticks: Math.max(2, Math.floor(width / 110)),
      },
      y: { label: null, domain: [...rows] },
      marks: [
        Plot.barX(data, { x: 'value', y: 'key', fill: barColour, rx: 2 }),
        Plot.text(data, {
          x: 'value',
          y: 'key',
          text: (d: { value: number }) => formatCompactCount(d.value),
          dx: 4,
          textAnchor: 'start',
          fill: 'currentColor',
        }),
        Plot.ruleX([0]),
      ],
    });
}

function StatisticsCharts({ statistics }: { readonly statistics: DatasetStatisticsView }) {
  const sex = distributionRows(
    statistics.sex.map((c) => ({ key: labelOf(sexLabels, c.key), value: c.persons })),
  );
  const age = distributionRows(statistics.age.map((c) => ({ key: c.key, value: c.persons })));
  const domains = distributionRows(
    [...statistics.domains]
      .sort((a, b) => (b.records ?? -1) - (a.records ?? -1))
      .map((d) => ({ key: labelOf(domainLabels, d.table), value: d.records })),
  );
  const coverage = statistics.timeCoverage;

  const sexKey = JSON.stringify(sex.drawn);
  // Keyed on the figures (a new array each render would redraw the chart every time).
  const drawSex = useMemo(() => barChart(JSON.parse(sexKey) as typeof sex.drawn), [sexKey]);
  const ageKey = JSON.stringify(age.drawn);
  // Every ten-year band, so that a band with no one (or too few to show) is an empty row, not a gap.
  const ageBands = [...new Set([...standardAgeBands, ...statistics.age.map((c) => c.key)])];
  const ageBandsKey = ageBands.join(',');
  const drawAge = useMemo(
    () => barChart(JSON.parse(ageKey) as typeof age.drawn, ageBandsKey.split(',')),
    [ageKey, ageBandsKey],
  );
  const domainsKey = JSON.stringify(domains.drawn);
  const drawDomains = useMemo(() => barChart(JSON.parse(domainsKey) as typeof domains.drawn), [domainsKey]);
  const drawCoverage = useCallback(
    (width: number) => {
      const start = new Date(`${coverage?.start ?? '2000-01'}-01T00:00:00Z`);
      const end = new Date(`${coverage?.end ?? '2000-01'}-01T00:00:00Z`);
      end.setUTCMonth(end.getUTCMonth() + 1);
      return Plot.plot({
        width,
        height: 70,
        marginLeft: 20,
        marginRight: 20,
        style: { fontSize: '13px', fontFamily: 'inherit', background: 'transparent' },
        x: { type: 'utc', label: null, ticks: Math.max(2, Math.floor(width / 90)) },
        y: { axis: null },
        marks: [
          Plot.barX([{ start, end }], {
            x1: 'start',
            x2: 'end',
            y: () => 'coverage',
            fill: barColour,
            rx: 3,
          }),
        ],
      });
    },
    [coverage?.start, coverage?.end],
  );

  const suppressedNote = (keys: readonly string[]) =>
    keys.length === 0 ? undefined : `Suppressed (too few to show): ${keys.join(', ')}.`;

  return (
    <section aria-labelledby="statistics-heading" className="card">
      <h2 id="statistics-heading">Statistics</h2>
      <p className="hint">
        Computed by the hospital&apos;s station on {formatDate(statistics.computedAt)}, after disclosure
        control.
      </p>
      <div className="chart-grid">
        <PlotFigure
          title="Sex distribution (persons)"
          draw={drawSex}
          columns={['Sex', 'Persons']}
          rows={statistics.sex.map((c) => [labelOf(sexLabels, c.key), formatCount(c.persons)])}
          note={suppressedNote(sex.suppressed)}
        />
        <PlotFigure
          title="Age at end of observation (persons)"
          draw={drawAge}
          columns={['Age band', 'Persons']}
          rows={statistics.age.map((c) => [c.key, formatCount(c.persons)])}
          note={
            statistics.typicalAge === undefined
              ? suppressedNote(age.suppressed)
              : `Typical age ${statistics.typicalAge.min}–${statistics.typicalAge.max} years (10th–90th percentile).`
          }
        />
        <PlotFigure
          title="Records per domain"
          draw={drawDomains}
          columns={['Domain', 'Records']}
          rows={statistics.domains.map((d) => [labelOf(domainLabels, d.table), formatCount(d.records)])}
          note={suppressedNote(domains.suppressed)}
        />
        {coverage !== undefined && (
          <PlotFigure
            title="Time coverage"
            draw={drawCoverage}
            columns={['From', 'To']}
            rows={[[formatMonth(coverage.start), formatMonth(coverage.end)]]}
            note={`${formatMonth(coverage.start)} to ${formatMonth(coverage.end)}: months in which enough persons had a visit.`}
          />
        )}
      </div>
    </section>
  );
}

/** The most frequent concepts per table, as tables: what a researcher checks before asking for access. */
function FrequentConcepts({ statistics }: { readonly statistics: DatasetStatisticsView }) {
  const domains = statistics.domains.filter((d) => (d.topConcepts?.length ?? 0) > 0);
  if (domains.length === 0) return null;
  return (
    <section aria-labelledby="concepts-heading" className="card">
      <h2 id="concepts-heading">Frequent concepts</h2>
      <p className="hint">
        The most frequent standard concepts in each domain, with the persons who have them.
      </p>
      {domains.map((domain) => (
        <div key={domain.table} className="table-scroll">
          <table className="data-table">
            <caption>{labelOf(domainLabels, domain.table)}</caption>
            <thead>
              <tr>
                <th scope="col">Concept</th>
                <th scope="col">Code</th>
                <th scope="col" className="number">
                  Persons
                </th>
              </tr>
            </thead>
            <tbody>
              {[...(domain.topConcepts ?? [])]
                .sort((a, b) => b.persons - a.persons)
                .slice(0, 8)
                .map((concept) => (
                  <tr key={concept.conceptId}>
                    <th scope="row">{concept.name}</th>
                    <td className="code">
                      {concept.vocabularyId} {concept.code}
                    </td>
                    <td className="number">{formatCount(concept.persons)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      ))}
    </section>
  );
}
