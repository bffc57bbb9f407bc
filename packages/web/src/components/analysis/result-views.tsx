import * as Plot from '@observablehq/plot';
import { useCallback, type ReactNode } from 'react';
import { AnalysisChart } from './analysis-chart.tsx';
import {
  asCountResult,
  asCrosstabResult,
  asGlmResult,
  asSummaryResult,
  asKaplanMeierResult,
  countCellText,
  formatNumber,
  formatP,
  kaplanMeierPoints,
  type CountResult,
  type CrosstabResult,
  type GlmResult,
  type SummaryResult,
  type KaplanMeierResult,
} from './result-model.ts';

/*
 * A run's pooled result as tables and plots, by algorithm: Kaplan–Meier curves with their bands and the
 * log-rank test, a forest plot and table of GLM coefficients, counts by stratum as bars and a table, and any
 * other result (a new algorithm) as tables read from its JSON. Suppressed figures are shown as such.
 */

/** The result of a completed run of `algorithm`. */
export function ResultView({ algorithm, result }: { readonly algorithm: string; readonly result: unknown }) {
  const km = algorithm === 'kaplan-meier' ? asKaplanMeierResult(result) : undefined;
  if (km !== undefined) return <KaplanMeierView result={km} />;
  const glm = algorithm === 'glm' ? asGlmResult(result) : undefined;
  if (glm !== undefined) return <GlmView result={glm} />;
  const count = algorithm === 'count' ? asCountResult(result) : undefined;
  if (count !== undefined) return <CountView result={count} />;
  const summary = algorithm === 'summary' ? asSummaryResult(result) : undefined;
  if (summary !== undefined) return <SummaryView result={summary} />;
  const crosstab = algorithm === 'crosstab' ? asCrosstabResult(result) : undefined;
  if (crosstab !== undefined) return <CrosstabView result={crosstab} />;
  return <GenericResult value={result} caption="Result" />;
}

function KaplanMeierView({ result }: { readonly result: KaplanMeierResult }) {
  const points = kaplanMeierPoints(result);
  const grouped = result.curves.length > 1 || result.curves.some((curve) => curve.label !== null);
  const draw = useCallback(
    (width: number) =>
      Plot.plot({
        width,
        height: Math.min(420, Math.max(260, width * 0.55)),
        marginLeft: 48,
        x: { label: `${result.time} (days)`, grid: true },
        y: { label: 'Survival', domain: [0, 1], grid: true, tickFormat: '.0%' },
        color: { legend: grouped, label: 'Group' },
        marks: [
          Plot.areaY(
            points.filter((p) => p.lower !== null && p.upper !== null),
            { x: 'time', y1: 'lower', y2: 'upper', fill: 'group', fillOpacity: 0.15, curve: 'step-after' },
          ),
          Plot.lineY(points, {
            x: 'time',
            y: 'survival',
            stroke: 'group',
            strokeWidth: 2,
            curve: 'step-after',
          }),
          Plot.ruleY([0]),
        ],
      }),
    [points, result.time, grouped],
  );
  return (
    <section className="result" aria-labelledby="km-heading">
      <h3 id="km-heading">Kaplan–Meier survival of {result.time}</h3>
      <AnalysisChart
        title={`Survival over time, with ${result.confidenceInterval} 95% confidence bands`}
        className="km-chart"
        draw={draw}
        note="Each station releases steps only while at least 8 persons are at risk; a curve ends where any station stopped releasing."
      />
      {result.logRank !== null && (
        <p className="result-test">
          Log-rank test: χ² = {formatNumber(result.logRank.statistic, 3)} on {result.logRank.df} degrees of
          freedom, p = {formatP(result.logRank.pValue)}.
        </p>
      )}
      <div className="table-scroll" tabIndex={0} role="group" aria-label="Table (scrolls sideways)">
        <table className="data-table">
          <caption>Curves</caption>
          <thead>
            <tr>
              <th scope="col">Group</th>
              <th scope="col" className="number">
                Persons
              </th>
              <th scope="col" className="number">
                Median (days)
              </th>
              <th scope="col" className="number">
                Released until (days)
              </th>
              <th scope="col">Suppressed at</th>
              {result.logRank !== null && (
                <>
                  <th scope="col" className="number">
                    Observed events
                  </th>
                  <th scope="col" className="number">
                    Expected events
                  </th>
                </>
              )}
            </tr>
          </thead>
          <tbody>
            {result.curves.map((curve, index) => (
              <tr key={curve.label ?? index}>
                <th scope="row">{curve.label ?? 'Everyone'}</th>
                <td className="number">{formatNumber(curve.persons, 0)}</td>
                <td className="number">
                  {curve.median === null ? 'not reached' : formatNumber(curve.median, 0)}
                </td>
                <td className="number">
                  {curve.releasedUntil === null ? '—' : formatNumber(curve.releasedUntil, 0)}
                </td>
                <td>
                  {curve.suppressedAt === 0 ? '—' : `${curve.suppressedAt} station(s): fewer than 8 persons`}
                </td>
                {result.logRank !== null && (
                  <>
                    <td className="number">{formatNumber(result.logRank.observed[index], 1)}</td>
                    <td className="number">{formatNumber(result.logRank.expected[index], 1)}</td>
                  </>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <details className="result-details">
        <summary>Steps of the curves</summary>
        <div className="table-scroll" tabIndex={0} role="group" aria-label="Table (scrolls sideways)">
          <table className="data-table">
            <caption>Survival at each released step</caption>
            <thead>
              <tr>
                <th scope="col">Group</th>
                <th scope="col" className="number">
                  Day
                </th>
                <th scope="col" className="number">
                  At risk
                </th>
                <th scope="col" className="number">
                  Events
                </th>
                <th scope="col" className="number">
                  Censored
                </th>
                <th scope="col" className="number">
                  Survival
                </th>
                <th scope="col" className="number">
                  95% CI
                </th>
              </tr>
            </thead>
            <tbody>
              {result.curves.flatMap((curve) =>
                curve.steps.map((step) => (
                  <tr key={`${curve.label ?? ''}-${step.time}`}>
                    <th scope="row">{curve.label ?? 'Everyone'}</th>
                    <td className="number">{formatNumber(step.time, 0)}</td>
                    <td className="number">{formatNumber(step.atRisk, 0)}</td>
                    <td className="number">{formatNumber(step.events, 0)}</td>
                    <td className="number">{formatNumber(step.censored, 0)}</td>
                    <td className="number">{formatNumber(step.survival, 3)}</td>
                    <td className="number">
                      {step.lower === null || step.upper === null
                        ? '—'
                        : `${formatNumber(step.lower, 3)} – ${formatNumber(step.upper, 3)}`}
                    </td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}

function GlmView({ result }: { readonly result: GlmResult }) {
  const exponentiated = result.link === 'logit' || result.link === 'log';
  const ratio = result.link === 'logit' ? 'Odds ratio' : 'Rate ratio';
  const terms = result.coefficients.filter((c) => c.term !== '(Intercept)');
  const draw = useCallback(
    (width: number) =>
      Plot.plot({
        width,
        height: 40 + 32 * Math.max(1, terms.length),
        marginLeft: Math.min(220, 12 + 7 * Math.max(...terms.map((t) => t.term.length), 4)),
        x: { label: 'Coefficient with 95% CI', grid: true },
        y: { label: null, domain: terms.map((t) => t.term) },
        marks: [
          Plot.ruleX([0], { stroke: '#888' }),
          Plot.link(terms, { x1: 'lower', x2: 'upper', y1: 'term', y2: 'term', strokeWidth: 2 }),
          Plot.dot(terms, { x: 'estimate', y: 'term', r: 4, fill: 'currentColor' }),
        ],
      }),
    [terms],
  );
  return (
    <section className="result" aria-labelledby="glm-heading">
      <h3 id="glm-heading">
        Generalised linear model ({result.family}, {result.link} link)
      </h3>
      {terms.length > 0 && (
        <AnalysisChart
          title="Forest plot of the coefficients (intercept left out)"
          className="forest-chart"
          draw={draw}
        />
      )}
      <div className="table-scroll" tabIndex={0} role="group" aria-label="Table (scrolls sideways)">
        <table className="data-table">
          <caption>Coefficients</caption>
          <thead>
            <tr>
              <th scope="col">Term</th>
              <th scope="col" className="number">
                Estimate
              </th>
              <th scope="col" className="number">
                SE
              </th>
              <th scope="col" className="number">
                {result.statistic}
              </th>
              <th scope="col" className="number">
                p
              </th>
              <th scope="col" className="number">
                95% CI
              </th>
              {exponentiated && (
                <th scope="col" className="number">
                  {ratio} (95% CI)
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {result.coefficients.map((c) => (
              <tr key={c.term}>
                <th scope="row">{c.term}</th>
                <td className="number">{formatNumber(c.estimate, 4)}</td>
                <td className="number">{formatNumber(c.standardError, 4)}</td>
                <td className="number">{formatNumber(c.statistic, 3)}</td>
                <td className="number">{formatP(c.pValue)}</td>
                <td className="number">
                  {formatNumber(c.lower, 4)} – {formatNumber(c.upper, 4)}
                </td>
                {exponentiated && (
                  <td className="number">
                    {formatNumber(Math.exp(c.estimate), 3)} ({formatNumber(Math.exp(c.lower), 3)} –{' '}
                    {formatNumber(Math.exp(c.upper), 3)})
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <dl className="facts result-facts-list">
        <dt>Persons</dt>
        <dd>{formatNumber(result.n, 0)}</dd>
        <dt>Deviance</dt>
        <dd>
          {formatNumber(result.deviance, 3)} on {result.residualDf} degrees of freedom
        </dd>
        <dt>AIC</dt>
        <dd>{formatNumber(result.aic, 2)}</dd>
        <dt>Iterations</dt>
        <dd>
          {result.iterations}
          {result.converged ? ' (converged)' : ' (did not converge: read with care)'}
        </dd>
        {result.stations.withheld.length > 0 && (
          <>
            <dt>Stations withheld</dt>
            <dd>{result.stations.withheld.length} (too few records for a model there)</dd>
          </>
        )}
      </dl>
    </section>
  );
}

function CountView({ result }: { readonly result: CountResult }) {
  if (!('cells' in result)) {
    return (
      <section className="result" aria-labelledby="count-heading">
        <h3 id="count-heading">Persons in the cohort</h3>
        <p className="big-number">{countCellText(result.persons, result.suppressedAt)}</p>
        <p className="hint">
          Summed over {result.stations} station(s); each rounds to 5 and suppresses counts of 1 to 7.
        </p>
      </section>
    );
  }
  const data = result.cells.map((cell) => ({
    x: cell.key[0] ?? '',
    group: cell.key.slice(1).join(' · ') || 'persons',
    count: cell.count,
  }));
  const multiple = result.dimensions.length > 1;
  return (
    <section className="result" aria-labelledby="count-heading">
      <h3 id="count-heading">Persons by {result.dimensions.join(', ')}</h3>
      <CountChart data={data} multiple={multiple} xLabel={result.dimensions[0] ?? ''} />
      <div className="table-scroll" tabIndex={0} role="group" aria-label="Table (scrolls sideways)">
        <table className="data-table">
          <caption>Counts by stratum</caption>
          <thead>
            <tr>
              {result.dimensions.map((d) => (
                <th scope="col" key={d}>
                  {d}
                </th>
              ))}
              <th scope="col" className="number">
                Persons
              </th>
            </tr>
          </thead>
          <tbody>
            {result.cells.map((cell) => (
              <tr key={cell.key.join('\u0000')}>
                {cell.key.map((k, i) =>
                  i === 0 ? (
                    <th scope="row" key={i}>
                      {k}
                    </th>
                  ) : (
                    <td key={i}>{k}</td>
                  ),
                )}
                <td className="number">{countCellText(cell.count, cell.suppressedAt)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={result.dimensions.length}>
                Total
              </th>
              <td className="number">{countCellText(result.total, result.totalSuppressedAt)}</td>
            </tr>
          </tfoot>
        </table>
      </div>
    </section>
  );
}

function CountChart(props: {
  readonly data: readonly { x: string; group: string; count: number }[];
  readonly multiple: boolean;
  readonly xLabel: string;
}) {
  const { data, multiple, xLabel } = props;
  const draw = useCallback(
    (width: number) =>
      Plot.plot({
        width,
        height: 300,
        marginBottom: 48,
        x: { label: xLabel, tickRotate: data.length > 8 ? -30 : 0 },
        y: { label: 'Persons', grid: true },
        color: { legend: multiple },
        marks: [
          Plot.barY(data, { x: 'x', y: 'count', fill: multiple ? 'group' : '#125a73', tip: false }),
          Plot.ruleY([0]),
        ],
      }),
    [data, multiple, xLabel],
  );
  return <AnalysisChart title="Persons by stratum" className="count-chart" draw={draw} />;
}

function SummaryView({ result }: { readonly result: SummaryResult }) {
  const shown = result.summaries.filter((s) => s.mean !== null);
  const quantiles = [...new Set(result.summaries.flatMap((s) => s.quantiles.map((q) => q.p)))].sort(
    (a, b) => a - b,
  );
  const draw = useCallback(
    (width: number) =>
      Plot.plot({
        width,
        height: 40 + 36 * Math.max(1, shown.length),
        marginLeft: Math.min(200, 12 + 7 * Math.max(...shown.map((s) => s.variable.length), 4)),
        x: { label: 'Mean ± 1 SD', grid: true },
        y: { label: null, domain: shown.map((s) => s.variable) },
        marks: [
          Plot.link(shown, {
            x1: (s: (typeof shown)[number]) => (s.mean ?? 0) - (s.sd ?? 0),
            x2: (s: (typeof shown)[number]) => (s.mean ?? 0) + (s.sd ?? 0),
            y1: 'variable',
            y2: 'variable',
            strokeWidth: 2,
          }),
          Plot.dot(shown, { x: 'mean', y: 'variable', r: 4, fill: 'currentColor' }),
        ],
      }),
    [shown],
  );
  return (
    <section className="result" aria-labelledby="summary-heading">
      <h3 id="summary-heading">Summary statistics</h3>
      {shown.length > 0 && (
        <AnalysisChart title="Means with one standard deviation" className="summary-chart" draw={draw} />
      )}
      <div className="table-scroll" tabIndex={0} role="group" aria-label="Table (scrolls sideways)">
        <table className="data-table">
          <caption>Summaries (no minima or maxima are released)</caption>
          <thead>
            <tr>
              <th scope="col">Variable</th>
              <th scope="col" className="number">
                n
              </th>
              <th scope="col" className="number">
                Mean
              </th>
              <th scope="col" className="number">
                SD
              </th>
              {quantiles.map((p) => (
                <th scope="col" className="number" key={p}>
                  P{Math.round(p * 100)} (approx.)
                </th>
              ))}
              <th scope="col">Withheld at</th>
            </tr>
          </thead>
          <tbody>
            {result.summaries.map((s) => (
              <tr key={s.variable}>
                <th scope="row">{s.variable}</th>
                <td className="number">{formatNumber(s.n, 0)}</td>
                <td className="number">{s.mean === null ? 'suppressed' : formatNumber(s.mean, 3)}</td>
                <td className="number">{s.sd === null ? 'suppressed' : formatNumber(s.sd, 3)}</td>
                {quantiles.map((p) => {
                  const q = s.quantiles.find((item) => item.p === p);
                  return (
                    <td className="number" key={p}>
                      {q === undefined || q.value === null ? 'suppressed' : formatNumber(q.value, 2)}
                    </td>
                  );
                })}
                <td>{s.withheldAt === 0 ? '—' : `${s.withheldAt} station(s): fewer than 10 records`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function CrosstabView({ result }: { readonly result: CrosstabResult }) {
  return (
    <section className="result" aria-labelledby="crosstab-heading">
      <h3 id="crosstab-heading">
        {result.rows.variable} by {result.columns.variable}
      </h3>
      <div className="table-scroll" tabIndex={0} role="group" aria-label="Table (scrolls sideways)">
        <table className="data-table crosstab">
          <caption>
            Persons by {result.rows.variable} (rows) and {result.columns.variable} (columns)
          </caption>
          <thead>
            <tr>
              <th scope="col">{result.rows.variable}</th>
              {result.columns.levels.map((level) => (
                <th scope="col" className="number" key={level}>
                  {level}
                </th>
              ))}
              <th scope="col" className="number">
                Total
              </th>
            </tr>
          </thead>
          <tbody>
            {result.rows.levels.map((row, r) => (
              <tr key={row}>
                <th scope="row">{row}</th>
                {result.columns.levels.map((column, c) => (
                  <td className="number" key={column}>
                    {countCellText(result.counts[r]?.[c] ?? null, result.suppressedAt[r]?.[c] ?? 0)}
                  </td>
                ))}
                <td className="number">{formatNumber(result.rowTotals[r], 0)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Total</th>
              {result.columnTotals.map((total, c) => (
                <td className="number" key={c}>
                  {formatNumber(total, 0)}
                </td>
              ))}
              <td className="number">{formatNumber(result.total, 0)}</td>
            </tr>
          </tfoot>
        </table>
      </div>
      {result.chiSquare === null ? (
        <p className="result-test">No χ² test: fewer than two rows or columns with persons.</p>
      ) : (
        <p className="result-test">
          Pearson χ² = {formatNumber(result.chiSquare.statistic, 3)} on {result.chiSquare.df} degrees of
          freedom, p = {formatP(result.chiSquare.pValue)}
          {result.chiSquare.minExpected < 5
            ? ` — the smallest expected count is ${formatNumber(result.chiSquare.minExpected, 1)}, below 5: the test is unreliable.`
            : '.'}{' '}
          Computed on the pooled counts after disclosure control (rounded and suppressed), so approximate.
        </p>
      )}
    </section>
  );
}

/**
 * Any result, read from its JSON: lists of flat objects as tables, numbers and text as facts, nulls as
 * "suppressed" (disclosure control withholds a figure by sending null).
 */
export function GenericResult({
  value,
  caption,
}: {
  readonly value: unknown;
  readonly caption: string;
}): ReactNode {
  if (value === null) return <span className="suppressed">suppressed</span>;
  if (typeof value === 'number') return <span>{formatNumber(value, 4)}</span>;
  if (typeof value !== 'object') return <span>{String(value)}</span>;
  if (Array.isArray(value)) {
    const rows = value as unknown[];
    const flat = rows.every(
      (row) =>
        typeof row === 'object' &&
        row !== null &&
        !Array.isArray(row) &&
        Object.values(row).every((cell) => cell === null || typeof cell !== 'object'),
    );
    if (flat && rows.length > 0) {
      const columns = [...new Set(rows.flatMap((row) => Object.keys(row as object)))];
      return (
        <div className="table-scroll" tabIndex={0} role="group" aria-label="Table (scrolls sideways)">
          <table className="data-table">
            <caption>{caption}</caption>
            <thead>
              <tr>
                {columns.map((column) => (
                  <th scope="col" key={column}>
                    {column}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row, i) => (
                <tr key={i}>
                  {columns.map((column) => (
                    <td
                      key={column}
                      className={
                        typeof (row as Record<string, unknown>)[column] === 'number' ? 'number' : undefined
                      }
                    >
                      <GenericResult value={(row as Record<string, unknown>)[column]} caption={column} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
    }
    if (rows.every((row) => row === null || typeof row !== 'object')) {
      return (
        <span>
          {rows
            .map((row) =>
              row === null ? 'suppressed' : typeof row === 'number' ? formatNumber(row, 4) : String(row),
            )
            .join(', ')}
        </span>
      );
    }
    return (
      <ol className="generic-list">
        {rows.map((row, i) => (
          <li key={i}>
            <GenericResult value={row} caption={`${caption} ${i + 1}`} />
          </li>
        ))}
      </ol>
    );
  }
  return (
    <dl className="facts generic-result">
      {Object.entries(value as Record<string, unknown>).map(([key, inner]) => (
        <div key={key} className="generic-entry">
          <dt>{key}</dt>
          <dd>
            <GenericResult value={inner} caption={key} />
          </dd>
        </div>
      ))}
    </dl>
  );
}
